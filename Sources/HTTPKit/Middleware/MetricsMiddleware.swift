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
