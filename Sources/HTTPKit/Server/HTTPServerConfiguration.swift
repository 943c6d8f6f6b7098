import Foundation

/// How the server listens and what it tolerates.
public struct HTTPServerConfiguration: Sendable {
    /// A numeric IPv4/IPv6 address or a host name; "::" is dual-stack.
    public var host: String
    /// 0 picks an ephemeral port; `HTTPServer.port` reports it.
    public var port: Int
    public var backlog: Int32 = 512
    /// Connections beyond this get 503 and are closed at once, unless an idle
    /// keep-alive connection can be closed to make room (the oldest goes).
    public var maxConnections: Int = 1024
    /// Most connections from one client address; beyond it 429 and close,
    /// unless one of its idle keep-alive connections can make room. nil: no
    /// per-client cap. Peers that are trusted proxies are not capped (see
    /// `HTTPServer.admit`).
    public var maxConnectionsPerClient: Int? = nil
    /// Most bytes read and discarded after an early error response (a 413
    /// before the body is read), so that a client still sending its body
    /// reads the answer instead of a reset (RFC 9112 §9.6, nginx's
    /// "lingering close"). Beyond it, or after `timeouts.lingerOnClose`, the
    /// connection is closed anyway: a client cannot make the server read forever.
    public var maxLingerDiscardBytes: Int = 64 * 1024 * 1024
    public var limits = HTTPParserLimits()
    public var timeouts = HTTPTimeouts()
    /// Peers whose `Forwarded` / `X-Forwarded-For` are believed.
    public var trustedProxies: [IPAddressRange] = []
    /// How long `shutdown()` lets in-flight requests finish.
    public var shutdownGracePeriod: Duration = .seconds(10)
    /// Serial queues the connections are spread over (never one per connection).
    public var ioQueueCount: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}
