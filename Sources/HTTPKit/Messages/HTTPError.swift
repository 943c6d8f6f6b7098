/// The one error type that becomes an HTTP response. Parsers, the router,
/// middleware and handlers throw it; `HTTPError.response(for:)` is the single
/// place where any error turns into a status and a JSON body
/// `{"error":{"code":"…","message":"…"}}`.
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPStatus
    /// A stable, machine-readable code ("body_too_large").
    public var code: String
    /// A sentence for a person, saying what was wrong.
    public var message: String
    /// Extra response fields (Allow for 405, Retry-After for 503).
    public var headers: HTTPHeaders
    /// Whether the connection must close after the response (framing errors,
    /// RFC 9112 §6.3; unread bodies).
    public var closesConnection: Bool

    public init(
        _ status: HTTPStatus, code: String, message: String,
        headers: HTTPHeaders = HTTPHeaders(), closesConnection: Bool = false
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.closesConnection = closesConnection
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public static func badRequest(_ message: String, code: String = "bad_request") -> HTTPError {
        HTTPError(.badRequest, code: code, message: message)
    }
    public static func notFound(_ message: String = "no such resource") -> HTTPError {
        HTTPError(.notFound, code: "not_found", message: message)
    }
    public static func methodNotAllowed(_ method: HTTPMethod, allowed: [HTTPMethod]) -> HTTPError {
        HTTPError(
            .methodNotAllowed, code: "method_not_allowed",
            message: "method \(method) is not allowed here; allowed: \(allowed.map(\.rawValue).joined(separator: ", "))",
            headers: ["Allow": allowed.map(\.rawValue).joined(separator: ", ")])
    }
    public static func unsupportedMediaType(_ message: String) -> HTTPError {
        HTTPError(.unsupportedMediaType, code: "unsupported_media_type", message: message)
    }
    public static func contentTooLarge(_ message: String) -> HTTPError {
        HTTPError(.contentTooLarge, code: "content_too_large", message: message, closesConnection: true)
    }
    public static func internalError(_ message: String = "internal server error") -> HTTPError {
        HTTPError(.internalServerError, code: "internal_error", message: message)
    }
    public static func serviceUnavailable(_ message: String, retryAfterSeconds: Int? = nil,
                                          code: String = "service_unavailable") -> HTTPError {
        var headers = HTTPHeaders()
        if let retryAfterSeconds { headers.add("Retry-After", String(retryAfterSeconds)) }
        return HTTPError(.serviceUnavailable, code: code, message: message, headers: headers)
    }

    /// This error as a response with a JSON body.
    public var response: HTTPResponse {
        var headers = self.headers
        headers["Content-Type"] = "application/json"
        if closesConnection { headers["Connection"] = "close" }
        let json = "{\"error\":{\"code\":\(jsonString(code)),\"message\":\(jsonString(message))}}"
        return HTTPResponse(status: status, headers: headers, body: .bytes(Array(json.utf8)))
    }

    /// The single place where errors become responses: `HTTPError` as itself,
    /// `HTTPErrorConvertible` through its conversion, anything else as a 500
    /// that reveals nothing of the internal error.
    public static func response(for error: any Error) -> HTTPResponse {
        httpError(for: error).response
    }

    public static func httpError(for error: any Error) -> HTTPError {
        switch error {
        case let error as HTTPError: error
        case let error as any HTTPErrorConvertible: error.httpError
        default: .internalError()
        }
    }
}
