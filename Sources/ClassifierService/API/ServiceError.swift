/// Every failure the API reports, with its HTTP status and a stable code.
/// Rendered in one place (`ServiceResponse.error`) as
/// `{"error": {"code": "…", "message": "…"}}`.
public struct ServiceError: Error, Equatable, CustomStringConvertible, Sendable {
    public let status: Int
    public let code: String
    public let message: String
    /// Seconds for `Retry-After` (RFC 9110 §10.2.3), with 503.
    public let retryAfter: Int?

    public init(status: Int, code: String, message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(status) \(code): \(message)" }

    public static func badRequest(_ message: String, code: String = "bad_request") -> ServiceError {
        ServiceError(status: 400, code: code, message: message)
    }

    public static func tooLarge(_ message: String, code: String = "too_large") -> ServiceError {
        ServiceError(status: 413, code: code, message: message)
    }

    public static func unsupported(_ message: String, code: String = "unsupported_format") -> ServiceError {
        ServiceError(status: 415, code: code, message: message)
    }

    public static func undecodable(_ message: String) -> ServiceError {
        ServiceError(status: 422, code: "undecodable_image", message: message)
    }

    public static func overloaded(retryAfter: Int) -> ServiceError {
        ServiceError(status: 503, code: "overloaded",
                     message: "the server is at capacity; retry after \(retryAfter) s", retryAfter: retryAfter)
    }

    public static func notReady(retryAfter: Int) -> ServiceError {
        ServiceError(status: 503, code: "model_not_loaded",
                     message: "no model is loaded yet; retry after \(retryAfter) s", retryAfter: retryAfter)
    }

    public static func shuttingDown() -> ServiceError {
        ServiceError(status: 503, code: "shutting_down", message: "the server is shutting down", retryAfter: 1)
    }

    /// The client closed its connection before the answer (nginx's 499); the
    /// response is logged and counted but nobody reads it.
    public static func clientGone() -> ServiceError {
        ServiceError(status: 499, code: "client_closed_request", message: "the client closed the connection")
    }

    public static func internalError(_ message: String) -> ServiceError {
        ServiceError(status: 500, code: "internal_error", message: message)
    }
}
