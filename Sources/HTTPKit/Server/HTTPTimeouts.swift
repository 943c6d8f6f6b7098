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
    /// client sees the response instead of a reset (RFC 9112 §9.6). A total,
    /// not an idle time, so a trickling client cannot extend it. Shutdown
    /// waits for lingering connections too, which is why it is short
    /// (nginx's `lingering_time` is 30 s).
    public var lingerOnClose: Duration = .seconds(2)
    /// How long shutdown waits for the first request on a connection that was
    /// accepted but has received nothing yet: its client has connected and
    /// may have a request on the wire, which must not meet a closed socket.
    /// Idle keep-alive connections are closed at once instead (their clients
    /// retry, RFC 9112 §9.3.1).
    public var firstRequestOnShutdown: Duration = .milliseconds(500)

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
