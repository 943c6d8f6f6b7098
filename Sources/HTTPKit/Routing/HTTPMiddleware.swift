/// Code around every request: it may change the request, answer on its own,
/// or change the response `next` produced. `next` never throws: errors from
/// inner layers have already become responses (see `HTTPPipeline`).
public protocol HTTPMiddleware: Sendable {
    func handle(_ request: HTTPRequest, next: HTTPResponder) async throws -> HTTPResponse
}

/// The rest of the pipeline, as seen by a middleware.
public struct HTTPResponder: Sendable {
    let respond: @Sendable (HTTPRequest) async -> HTTPResponse

    public init(_ respond: @escaping @Sendable (HTTPRequest) async -> HTTPResponse) {
        self.respond = respond
    }

    public func callAsFunction(_ request: HTTPRequest) async -> HTTPResponse {
        await respond(request)
    }
}
