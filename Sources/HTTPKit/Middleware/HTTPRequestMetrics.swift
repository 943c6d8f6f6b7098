/// What is known about one request when it completes.
public struct HTTPRequestMetrics: Sendable {
    public var method: HTTPMethod
    /// The matched route pattern ("/classify"), or "unmatched": bounded
    /// cardinality for labels, unlike the raw path.
    public var route: String
    public var status: Int
    public var duration: Duration
    public var requestBodyBytes: Int
    /// nil for streamed responses.
    public var responseBodyBytes: Int?

    public init(method: HTTPMethod, route: String, status: Int, duration: Duration, requestBodyBytes: Int, responseBodyBytes: Int?) {
        self.method = method
        self.route = route
        self.status = status
        self.duration = duration
        self.requestBodyBytes = requestBodyBytes
        self.responseBodyBytes = responseBodyBytes
    }
}
