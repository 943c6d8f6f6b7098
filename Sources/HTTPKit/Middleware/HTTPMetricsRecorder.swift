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
