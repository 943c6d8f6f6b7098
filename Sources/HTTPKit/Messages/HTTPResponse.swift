import Foundation

/// A response built by a handler. The server adds Date, Content-Length (or
/// Transfer-Encoding: chunked) and Connection when serializing; handlers set the
/// status, Content-Type and any other fields.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: HTTPResponseBody
    /// The route pattern that produced this response (set by `Router`, for
    /// metrics labels and logs; never sent).
    public var routePattern: String?

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: HTTPResponseBody = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: HTTPStatus = .ok, contentType: String, body: [UInt8]) {
        self.init(status: status, headers: ["Content-Type": contentType], body: .bytes(body))
    }

    public static func text(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    public static func html(_ html: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/html; charset=utf-8", body: Array(html.utf8))
    }

    /// JSON from bytes the caller already encoded.
    public static func json(bytes: [UInt8], status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: bytes)
    }

    /// JSON from an Encodable value (keys sorted so output is stable).
    public static func json(
        _ value: some Encodable, status: HTTPStatus = .ok, encoder: JSONEncoder? = nil
    ) throws -> HTTPResponse {
        let encoder = encoder ?? {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return encoder
        }()
        return json(bytes: Array(try encoder.encode(value)), status: status)
    }

    /// A streamed response: the server writes each chunk as it comes.
    public static func stream(
        contentType: String, status: HTTPStatus = .ok, _ stream: AsyncThrowingStream<[UInt8], any Error>
    ) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: .stream(stream))
    }
}
