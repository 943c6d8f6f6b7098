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
