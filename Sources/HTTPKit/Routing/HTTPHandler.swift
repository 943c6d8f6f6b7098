/// Something that answers requests. Handlers run as Swift tasks, off the
/// server's I/O queues: a handler that waits (for a batching queue, a model
/// reload) must `await`, never block a thread, and the event loop carries on.
public protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest) async throws -> HTTPResponse

    /// Called with the head (empty body) of a request that sent
    /// `Expect: 100-continue`, before the body is read. Throwing answers at
    /// once with that final status instead of 100 Continue (RFC 9110 §10.1.1),
    /// so a client is not made to upload to a missing route. The default accepts.
    func checkExpectation(_ head: HTTPRequest) throws(HTTPError)
}

extension HTTPHandler {
    public func checkExpectation(_ head: HTTPRequest) throws(HTTPError) {}
}
