/// Response content: a buffer whose length is known up front (sent with
/// Content-Length), or a stream of chunks (sent with chunked transfer coding to
/// HTTP/1.1 clients, RFC 9112 §7.1, and delimited by closing the connection for
/// HTTP/1.0 clients, RFC 9112 §6.3 item 8).
public enum HTTPResponseBody: Sendable {
    case bytes([UInt8])
    case stream(AsyncThrowingStream<[UInt8], any Error>)

    public static let empty = HTTPResponseBody.bytes([])

    /// The length when known, else nil.
    public var count: Int? {
        if case .bytes(let bytes) = self { return bytes.count }
        return nil
    }
}
