import Dispatch
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The HTTP/1.1 server: a listening socket and its connections watched by the
/// `SocketPoller`, connections spread over a few serial queues, handlers run as
/// Swift tasks.
///
///     var router = Router()
///     router.get("/health") { _ in .text("ok") }
///     let server = HTTPServer(configuration: .init(host: "::", port: 8080), handler: router,
///                             middleware: [AccessLogMiddleware(logger: logger)])
///     try server.start()
///     await server.runUntilShutdownSignal()   // SIGTERM/SIGINT → graceful shutdown
public final class HTTPServer: Sendable {
    public let configuration: HTTPServerConfiguration
    let pipeline: HTTPPipeline
    let logger: Logger
    let metrics: (any HTTPMetricsRecorder)?
    let clientAddressResolver: ClientAddressResolver
    let ioQueues: [DispatchQueue]
    let acceptQueue = DispatchQueue(label: "HTTPKit.accept")

    struct State {
        enum Phase { case idle, running, shuttingDown, stopped }
        var phase = Phase.idle
        var listener: Int32 = -1
        var port = 0
        var acceptWatch: SocketWatch?
        var connections: [ObjectIdentifier: HTTPConnection] = [:]
        /// Open connections per socket peer, those being closed to make room left out.
        var connectionsPerPeer: [IPAddress: Int] = [:]
        /// Idle connections picked to make room, until they close (or turn out busy).
        var closingToMakeRoom: Set<ObjectIdentifier> = []
        var nextQueue = 0
        var drainedWaiters: [CheckedContinuation<Void, Never>] = []
    }

    let state = Locked(State())

    /// `shutdown` has begun: responses from now on close their connections.
    var isShuttingDown: Bool {
        state.withLock { $0.phase == .shuttingDown || $0.phase == .stopped }
    }

    public init(
        configuration: HTTPServerConfiguration,
        handler: any HTTPHandler,
        middleware: [any HTTPMiddleware] = [],
        metrics: (any HTTPMetricsRecorder)? = nil,
        logger: Logger = Logger(label: "HTTPKit")
    ) {
        self.configuration = configuration
        self.pipeline = HTTPPipeline(middleware: middleware, handler: handler, logger: logger)
        self.logger = logger
        self.metrics = metrics
        self.clientAddressResolver = ClientAddressResolver(trustedProxies: configuration.trustedProxies)
        self.ioQueues = (0..<max(1, configuration.ioQueueCount)).map { DispatchQueue(label: "HTTPKit.io.\($0)") }
    }

    /// The bound port (the kernel's choice if configured as 0); 0 before `start`.
    public var port: Int { state.withLock { $0.port } }

    /// Open connections right now.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    /// Binds, listens and starts accepting. Returns at once; the server runs on
    /// Dispatch queues until `shutdown`.
    public func start() throws(SocketError) {
        let (fd, port) = try Socket.listen(
            host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        let watch = SocketWatch(fd: fd, queue: acceptQueue)
        state.withLock {
            $0.phase = .running
            $0.listener = fd
            $0.port = port
            $0.acceptWatch = watch
        }
        acceptQueue.async { [self] in
            watch.onReadable = { [self] in acceptPending(fd) }
            watch.onFailure = { [self] error in
                logger.critical("cannot watch the listening socket", metadata: ["errno": "\(error)"])
            }
            watch.setReading(true)
        }
        logger.info("listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
    }

    private func acceptPending(_ listener: Int32) {
        while let result = Socket.accept(listener) {
            guard case .success(let (fd, peer)) = result else {
                if case .failure(let error) = result {
                    if error.errno == ECONNABORTED || error.errno == EINTR { continue }
                    // Out of descriptors or memory: the listening socket stays
                    // readable, so pause accepting briefly instead of spinning.
                    logger.warning("accept failed; pausing accepts for 100 ms", metadata: ["error": "\(error)"])
                    pauseAccepting()
                }
                return
            }
            switch state.withLock({ admit(fd: fd, peer: peer, &$0) }) {
            case .refused(let error):
                reject(fd, error)
            case .admitted(let connection, let room):
                if let room { room.queue.async { room.closeToMakeRoom() } }
                metrics?.connectionOpened()
                connection.start()
            }
        }
    }

    /// Runs on `acceptQueue`, as does the resumption.
    private func pauseAccepting() {
        guard let watch = state.withLock({ $0.acceptWatch }) else { return }
        watch.setReading(false)
        acceptQueue.asyncAfter(deadline: .now() + .milliseconds(100)) { watch.setReading(true) }
    }

    /// Over a connection limit (or shutting down): an error and close, instead
    /// of leaving the client to wait in a growing kernel queue.
    private func reject(_ fd: Int32, _ error: HTTPError) {
        metrics?.connectionRejected()
        var error = error
        error.closesConnection = true
        let response = error.response
        let framing = HTTPResponseSerializer.framing(for: response, version: .http1_1)
        var bytes = HTTPResponseSerializer.head(response, version: .http1_1, framing: framing, keepAlive: false)
        if case .bytes(let body) = response.body { bytes += body }
        _ = bytes.withUnsafeBytes { Socket.send(fd, $0.baseAddress!, $0.count) }
        Glibc.shutdown(fd, Int32(SHUT_WR))
        // Linger briefly, so request bytes already sent do not turn the close
        // into a reset that destroys the 503 (RFC 9112 §9.6). Everything
        // here runs on `acceptQueue`, so `finish` runs once.
        let watch = SocketWatch(fd: fd, queue: acceptQueue)
        let deadline = DispatchTime.now() + .seconds(1)
        let finish: @Sendable () -> Void = {
            guard !watch.cancelled else { return }
            watch.cancel()
            close(fd)
        }
        watch.onReadable = {
            var scratch = [UInt8](repeating: 0, count: 4096)
            let count = read(fd, &scratch, scratch.count)
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) || DispatchTime.now() > deadline {
                finish()
            }
        }
        watch.onFailure = { _ in finish() }
        watch.setReading(true)
        acceptQueue.asyncAfter(deadline: deadline) { finish() }
    }

    func connectionDidClose(_ connection: HTTPConnection) {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.connections[ObjectIdentifier(connection)] = nil
            if state.closingToMakeRoom.remove(ObjectIdentifier(connection)) == nil, let peer = connection.peer {
                state.connectionsPerPeer[peer, default: 1] -= 1
                if state.connectionsPerPeer[peer] == 0 { state.connectionsPerPeer[peer] = nil }
            }
            guard state.connections.isEmpty, state.phase != .running else { return [] }
            defer { state.drainedWaiters = [] }
            return state.drainedWaiters
        }
        metrics?.connectionClosed()
        waiters.forEach { $0.resume() }
    }

    /// Graceful shutdown: stop accepting, close idle keep-alive connections,
    /// answer requests already sent (see `HTTPConnection.beginDraining`),
    /// let in-flight requests finish (their responses carry
    /// `Connection: close`) for up to `gracePeriod`, then answer those still
    /// with their handler 503 and close the rest (`HTTPConnection.endGrace`).
    /// Returns when every connection is closed. Safe to call more than once.
    public func shutdown(gracePeriod: Duration? = nil) async {
        let grace = gracePeriod ?? configuration.shutdownGracePeriod
        let (acceptWatch, listener): (SocketWatch?, Int32) = state.withLock { state in
            defer { state.acceptWatch = nil }
            if state.phase == .running || state.phase == .idle { state.phase = .shuttingDown }
            return (state.acceptWatch, state.listener)
        }
        if let acceptWatch {
            // Stop accepting, and wait until the listening socket is really
            // closed: new clients are then refused by the kernel. Connections
            // the kernel completed before that are accepted first and drained:
            // closing the listener would reset them, losing requests their
            // clients have already sent.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                acceptQueue.async { [self] in
                    acceptWatch.cancel()
                    acceptPending(listener)
                    close(listener)
                    continuation.resume()
                }
            }
        }
        let connections = state.withLock { Array($0.connections.values) }
        logger.info("shutting down", metadata: ["connections": "\(connections.count)"])
        for connection in connections {
            connection.queue.async { connection.beginDraining() }
        }
        let drained = Task { await self.waitUntilDrained() }
        let forceClose = Task {
            try await Task.sleep(for: grace)
            let unfinished = self.state.withLock { Array($0.connections.values) }
            if !unfinished.isEmpty {
                self.logger.warning("grace period over; answering 503 and closing", metadata: ["connections": "\(unfinished.count)"])
            }
            for connection in unfinished {
                connection.queue.async { connection.endGrace() }
            }
            // The 503s linger like any error response; a client that does not
            // read them cannot hold shutdown beyond the linger time.
            try await Task.sleep(for: self.configuration.timeouts.lingerOnClose)
            for connection in self.state.withLock({ Array($0.connections.values) }) {
                connection.queue.async { connection.abort() }
            }
        }
        await drained.value
        forceClose.cancel()
        state.withLock { $0.phase = .stopped }
        logger.info("stopped")
    }

    private func waitUntilDrained() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if state.connections.isEmpty { return true }
                state.drainedWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Waits for one of `signals` (SIGTERM and SIGINT by default), then shuts
    /// down gracefully and returns the signal, so `main` can exit 0.
    @discardableResult
    public func runUntilShutdownSignal(_ signals: [Int32] = [SIGTERM, SIGINT], gracePeriod: Duration? = nil) async -> Int32 {
        let received = await SignalWatcher.firstSignal(of: signals)
        logger.notice("received signal \(received); shutting down")
        // A second signal during shutdown ends the process at once.
        for number in signals { signal(number, SIG_DFL) }
        await shutdown(gracePeriod: gracePeriod)
        return received
    }
}
