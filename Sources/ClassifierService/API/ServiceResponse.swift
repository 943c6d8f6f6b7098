import Foundation

/// A finished answer, independent of the HTTP layer: status, headers, body.
/// The HTTP adapter copies it into the server's response type.
public struct ServiceResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var contentType: String? {
        headers.first { $0.name.lowercased() == "content-type" }?.value
    }

    public static func json<T: Encodable>(_ value: T, status: Int = 200) -> ServiceResponse {
        let encoder = JSONEncoder()
        // Sorted keys: the same answer always has the same bytes (corelibs Foundation
        // otherwise orders keys differently from one response to the next).
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            let data = try encoder.encode(value)
            return ServiceResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(data))
        } catch {
            return .error(.internalError("could not encode the response: \(error)"))
        }
    }

    /// The one place errors become responses.
    public static func error(_ error: ServiceError) -> ServiceResponse {
        var response = json(ErrorBody(error: .init(code: error.code, message: error.message)), status: error.status)
        if let retryAfter = error.retryAfter {
            response.headers.append(("Retry-After", String(retryAfter)))
        }
        return response
    }

    public static func text(_ text: String, contentType: String = "text/plain; charset=utf-8", status: Int = 200) -> ServiceResponse {
        ServiceResponse(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
        }
        let error: Detail
    }
}
