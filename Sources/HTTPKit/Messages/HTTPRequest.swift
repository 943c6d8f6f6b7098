/// A complete request as handed to handlers: the parsed head, the whole body
/// (bounded by `HTTPParserLimits.maxBodySize`), and what the server learned
/// about the connection.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The request-target exactly as received (RFC 9112 §3.2).
    public var target: String
    /// The path, percent-decoded, with dot segments removed (RFC 3986 §5.2.4).
    public var path: String
    /// The path segments, each percent-decoded on its own so that an encoded
    /// "/" (%2F) stays inside its segment.
    public var pathSegments: [String]
    /// The raw query string (without "?"), or nil when the target has none.
    public var rawQuery: String?
    /// Decoded query parameters in order ("+" is a space, as in HTML forms).
    public var queryItems: [(name: String, value: String)]
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// Trailer fields of a chunked body (RFC 9112 §7.1.2), kept apart from the
    /// header fields because they arrive after the framing was decided.
    public var trailers: HTTPHeaders
    public var body: [UInt8]

    /// Values captured by the router for `:name` segments of the route pattern.
    public var pathParameters: [String: String] = [:]
    /// The route pattern that matched (for metrics labels), set by the router.
    public var routePattern: String?
    /// The socket peer, as "address" (IPv6 without brackets).
    public var peerAddress: String?
    /// The client address: the peer, or the address a trusted proxy reported in
    /// `Forwarded` / `X-Forwarded-For`.
    public var clientAddress: String?
    /// The request id (incoming `X-Request-Id` when acceptable, or generated).
    public var requestID: String?

    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []
    ) throws(HTTPError) {
        let parsed = try RequestTarget(parsing: target, method: method)
        self.method = method
        self.target = target
        self.path = parsed.path
        self.pathSegments = parsed.segments
        self.rawQuery = parsed.rawQuery
        self.queryItems = parsed.queryItems
        self.version = version
        self.headers = headers
        self.trailers = HTTPHeaders()
        self.body = body
    }

    /// The first value of the query parameter `name`.
    public func query(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// Whether the connection stays open after this request (RFC 9112 §9.3):
    /// HTTP/1.1 persists unless "close" is sent; HTTP/1.0 only with "keep-alive".
    public var keepAlive: Bool {
        if headers.containsToken("close", in: "Connection") { return false }
        if version == .http1_0 { return headers.containsToken("keep-alive", in: "Connection") }
        return version.major == 1 && version.minor >= 1
    }

    /// The media type of the body, lowercased, without parameters.
    public var mediaType: String? {
        guard let contentType = headers["Content-Type"] else { return nil }
        return contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingHTTPWhitespace().asciiLowercased }
    }

    /// The body decoded as UTF-8 (invalid sequences replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
