/// Who gets a connection: the global limit (`maxConnections`) and the
/// per-client cap (`maxConnectionsPerClient`). At either limit an idle
/// keep-alive connection is closed to make room, the one idle longest first:
/// it costs its client a reconnect, while refusing the new one costs a request.
extension HTTPServer {
    enum Admission {
        /// `room`: an idle connection claimed to be closed for this one.
        case admitted(HTTPConnection, room: HTTPConnection?)
        case refused(HTTPError)
    }

    /// Decides, under the state lock, whether the connection just accepted
    /// from `peer` is served.
    ///
    /// The per-client cap is checked here, at accept, against the socket peer,
    /// and only for peers that are not trusted proxies. For those peers the
    /// socket peer *is* the client address that `ClientAddressResolver`
    /// resolves. Behind a trusted proxy the client is known only from each
    /// request's `X-Forwarded-For`, and the proxy's connections carry many
    /// clients in turn, so capping them would cap the proxy; there a client's
    /// idle sockets are held by the proxy, whose own limits (nginx
    /// `limit_conn`) apply. Checking per request instead would let one address
    /// hold all its sockets until their first request, which is the attack.
    func admit(fd: Int32, peer: IPAddress?, _ state: inout State) -> Admission {
        // While shutting down, the listener is open only until the final
        // sweep in `shutdown`; what it accepts is drained.
        guard state.phase == .running || state.phase == .shuttingDown else {
            return .refused(.serviceUnavailable("the server is shutting down", retryAfterSeconds: 1))
        }
        var room: HTTPConnection?
        if let cap = configuration.maxConnectionsPerClient, let peer, !clientAddressResolver.isTrusted(peer),
            state.connectionsPerPeer[peer, default: 0] >= cap
        {
            room = claimOldestIdle(&state) { $0.peer == peer }
            guard room != nil else {
                var error = HTTPError(.tooManyRequests, code: "too_many_connections",
                                      message: "at most \(cap) connections per client; close one or try again later")
                error.headers.add("Retry-After", "1")
                return .refused(error)
            }
        }
        if room == nil && state.connections.count - state.closingToMakeRoom.count >= configuration.maxConnections {
            room = claimOldestIdle(&state) { _ in true }
            guard room != nil else {
                return .refused(.serviceUnavailable("too many connections; try again later", retryAfterSeconds: 1))
            }
        }
        let queue = ioQueues[state.nextQueue % ioQueues.count]
        state.nextQueue &+= 1
        let connection = HTTPConnection(fd: fd, peer: peer, queue: queue, server: self)
        state.connections[ObjectIdentifier(connection)] = connection
        if let peer { state.connectionsPerPeer[peer, default: 0] += 1 }
        return .admitted(connection, room: room)
    }

    /// The matching connection idle longest, claimed (its `idleSince` set to
    /// 0, so no other accept picks it) and no longer counted. An O(n) scan,
    /// made only at a limit.
    private func claimOldestIdle(_ state: inout State, where matches: (HTTPConnection) -> Bool) -> HTTPConnection? {
        var oldest: (connection: HTTPConnection, since: UInt64)?
        for connection in state.connections.values where matches(connection) {
            let since = connection.idleSince.load(ordering: .relaxed)
            if since != 0 && since < (oldest?.since ?? .max) { oldest = (connection, since) }
        }
        guard let oldest,
            oldest.connection.idleSince.compareExchange(expected: oldest.since, desired: 0, ordering: .relaxed).exchanged
        else { return nil }
        state.closingToMakeRoom.insert(ObjectIdentifier(oldest.connection))
        if let peer = oldest.connection.peer { state.connectionsPerPeer[peer, default: 1] -= 1 }
        return oldest.connection
    }

    /// A claimed connection had a request arriving and stays open: count it
    /// again (the new one is then over the limit by one, briefly).
    func evictionFailed(_ connection: HTTPConnection) {
        state.withLock { state in
            guard state.closingToMakeRoom.remove(ObjectIdentifier(connection)) != nil else { return }
            if let peer = connection.peer { state.connectionsPerPeer[peer, default: 0] += 1 }
        }
    }
}
