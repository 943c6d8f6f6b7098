import Logging

/// Middleware (outermost first) around a handler. Every layer's thrown error is
/// turned into a response by `HTTPError.response(for:)` right where it escapes,
/// so outer middleware (the access log, metrics) see the real status, and an
/// unexpected error becomes a 500 while the server carries on. The server runs
/// requests through this; tests can too, with no socket.
public struct HTTPPipeline: Sendable {
    let entry: HTTPResponder
    let handler: any HTTPHandler

    public init(middleware: [any HTTPMiddleware] = [], handler: any HTTPHandler, logger: Logger = Logger(label: "HTTPKit")) {
        self.handler = handler
        var responder = HTTPResponder { request in
            do {
                return try await handler.handle(request)
            } catch {
                return HTTPPipeline.render(error, request: request, logger: logger)
            }
        }
        for layer in middleware.reversed() {
            let inner = responder
            responder = HTTPResponder { request in
                do {
                    return try await layer.handle(request, next: inner)
                } catch {
                    return HTTPPipeline.render(error, request: request, logger: logger)
                }
            }
        }
        entry = responder
    }

    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        await entry(request)
    }

    /// See `HTTPHandler.checkExpectation`.
    public func checkExpectation(_ head: HTTPRequest) throws(HTTPError) {
        try handler.checkExpectation(head)
    }

    static func render(_ error: any Error, request: HTTPRequest, logger: Logger) -> HTTPResponse {
        if !(error is HTTPError) && !(error is any HTTPErrorConvertible) {
            logger.error(
                "handler failed unexpectedly",
                metadata: [
                    "error": "\(String(reflecting: error))", "method": "\(request.method)", "path": "\(request.path)",
                    "request_id": "\(request.requestID ?? "-")",
                ])
        }
        return HTTPError.response(for: error)
    }
}
