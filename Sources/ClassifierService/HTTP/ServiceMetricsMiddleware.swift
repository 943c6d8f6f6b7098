import HTTPKit

/// Counts requests in flight (for metrics and for shutdown) and, when each finishes, records it by route
/// pattern and status (bounded label values; the raw path is never a label).
struct ServiceMetricsMiddleware: HTTPMiddleware {
    let metrics: ServiceMetrics
    let activity: RequestActivity

    func handle(_ request: HTTPRequest, next: HTTPResponder) async throws -> HTTPResponse {
        activity.started()
        defer { activity.finished() }
        metrics.requestStarted()
        let start = ContinuousClock.now
        let response = await next(request)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.recordRequest(route: response.routePattern ?? "unmatched", status: response.status.code, seconds: seconds)
        metrics.requestFinished()
        return response
    }
}
