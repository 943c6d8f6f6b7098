import Foundation

/// How the server listens and what it tolerates.
public struct HTTPServerConfiguration: Sendable {
    /// A numeric IPv4/IPv6 address or a host name; "::" is dual-stack.
    public var host: String
    /// 0 picks an ephemeral port; `HTTPServer.port` reports it.
    public var port: Int
    public var backlog: Int32 = 512
    /// Connections beyond this get 503 and are closed at once.
    public var maxConnections: Int = 1024
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

/// Connection timeouts. A slow client is disconnected, with 408 when a
/// request was in progress (RFC 9110 §15.5.9).
public struct HTTPTimeouts: Sendable, Equatable {
    /// From the first byte of a request (or the accept) to the end of its head:
    /// a total deadline, not an idle one, so slowloris trickling cannot extend it.
    public var headerRead: Duration = .seconds(10)
    /// Longest pause between body bytes.
    public var bodyIdle: Duration = .seconds(30)
    /// How long an idle persistent connection is kept (RFC 9112 §9.5).
    public var keepAliveIdle: Duration = .seconds(15)
    /// Longest time a pending write may make no progress.
    public var write: Duration = .seconds(30)
    /// How long to read and discard after answering with an error, so the
    /// client sees the response instead of a reset (RFC 9112 §9.6).
    public var lingerOnClose: Duration = .seconds(2)

    public init(
        headerRead: Duration = .seconds(10), bodyIdle: Duration = .seconds(30),
        keepAliveIdle: Duration = .seconds(15), write: Duration = .seconds(30)
    ) {
        self.headerRead = headerRead
        self.bodyIdle = bodyIdle
        self.keepAliveIdle = keepAliveIdle
        self.write = write
    }
}

extension Duration {
    var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        return .nanoseconds(Int(min(seconds, Int64(Int.max / 1_000_000_000 - 1))) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }
}
