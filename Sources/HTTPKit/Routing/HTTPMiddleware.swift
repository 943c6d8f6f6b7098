/// Code around every request: it may change the request, answer on its own,
/// or change the response `next` produced. `next` never throws: errors from
/// inner layers have already become responses (see `HTTPPipeline`).
public protocol HTTPMiddleware: Sendable {
    func handle(_ request: HTTPRequest, next: HTTPResponder) async throws -> HTTPResponse
}
