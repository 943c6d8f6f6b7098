/// Hooks for metrics, implemented by the service (with swift-metrics, say);
/// HTTPKit itself depends on no metrics library. Every method has an empty
/// default, so an implementation picks what it needs. Calls come from many
/// threads at once.
public protocol HTTPMetricsRecorder: Sendable {
    /// A request went through the pipeline (from `MetricsMiddleware`).
    func requestCompleted(_ metrics: HTTPRequestMetrics)
    /// The server refused bytes before a request formed: a parse error or a
    /// timeout, with the status sent (or nil when the connection was just closed).
    func requestRejected(status: HTTPStatus?, reason: String)
    func connectionOpened()
    func connectionClosed()
    /// A connection refused because `maxConnections` was reached.
    func connectionRejected()
}

extension HTTPMetricsRecorder {
    public func requestCompleted(_ metrics: HTTPRequestMetrics) {}
    public func requestRejected(status: HTTPStatus?, reason: String) {}
    public func connectionOpened() {}
    public func connectionClosed() {}
    public func connectionRejected() {}
}

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
}

/// Reports every request to a recorder.
public struct MetricsMiddleware: HTTPMiddleware {
    public let recorder: any HTTPMetricsRecorder

    public init(recorder: any HTTPMetricsRecorder) {
        self.recorder = recorder
    }

    public func handle(_ request: HTTPRequest, next: HTTPResponder) async throws -> HTTPResponse {
        let start = ContinuousClock.now
        let response = await next(request)
        recorder.requestCompleted(
            HTTPRequestMetrics(
                method: request.method, route: response.routePattern ?? "unmatched", status: response.status.code,
                duration: ContinuousClock.now - start, requestBodyBytes: request.body.count,
                responseBodyBytes: response.body.count))
        return response
    }
}
