import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One client connection on a non-blocking socket, driven by a `SocketWatch`
/// (readable always, writable only while output is pending) and one Dispatch
/// timer. No thread belongs to a connection; an idle one costs a descriptor,
/// a watch, a timer and a small buffer.
///
/// `@unchecked Sendable`: every mutable property is touched only on `queue`, a
/// serial queue on which the watch's handlers, the timer and the completions
/// of handler tasks run.
final class HTTPConnection: @unchecked Sendable {
    enum TimerKind { case none, header, body, keepAlive, write, linger, firstRequest }

    let fd: Int32
    let peer: IPAddress?
    let queue: DispatchQueue
    let server: HTTPServer
    let timeouts: HTTPTimeouts
    var parser: HTTPRequestParser
    let watch: SocketWatch
    let timer: DispatchSourceTimer

    var timerKind = TimerKind.none
    /// When the current timeout expires; nil while none runs.
    var timerDeadline: DispatchTime?
    /// When the Dispatch timer will fire; nil while it is not scheduled.
    var timerFiresAt: DispatchTime?
    var outbound: [UInt8] = []
    var outboundOffset = 0
    var flushWaiters: [() -> Void] = []

    /// A request is with its handler, or its streamed response is being written.
    var inFlight = false
    /// The in-flight request's response head has been queued.
    var responseStarted = false
    /// The in-flight request was answered without its handler (503 at the end
    /// of the shutdown grace); the handler's late response is dropped.
    var handlerAnswerDropped = false
    /// The version of the request being handled, for a response made for it.
    var inFlightVersion = HTTPVersion.http1_1
    /// Close once the pending output is written.
    var closeWhenFlushed = false
    /// The client shut down its sending side (read returned 0).
    var peerFinished = false
    /// Some request byte has arrived since the accept.
    var receivedAny = false
    /// The server is shutting down: no new requests after the current one.
    var draining = false
    /// Output is done; reading and discarding until the client closes.
    var lingering = false
    var discardedWhileLingering = 0
    var closed = false
    /// The task running the current request's handler, while there is one.
    var handlerTask: Task<Void, Never>?
    /// When this connection became an idle keep-alive connection (uptime
    /// nanoseconds), 0 while it is not one. Atomic because the accept path
    /// reads it, under the server's lock, to pick the oldest idle connection
    /// to close when a limit is reached; only `queue` writes it, except the
    /// accept path's claim (compare-and-exchange to 0).
    let idleSince = Atomic<UInt64>(0)

    init(fd: Int32, peer: IPAddress?, queue: DispatchQueue, server: HTTPServer) {
        self.fd = fd
        self.peer = peer
        self.queue = queue
        self.server = server
        self.timeouts = server.configuration.timeouts
        self.parser = HTTPRequestParser(limits: server.configuration.limits)
        self.watch = SocketWatch(fd: fd, queue: queue)
        self.timer = DispatchSource.makeTimerSource(queue: queue)
    }

    func start() {
        queue.async { [self] in
            watch.onReadable = { [self] in onReadable() }
            watch.onWritable = { [self] in flush() }
            watch.onFailure = { [self] error in
                server.logger.warning("cannot watch a connection; closing it", metadata: ["errno": "\(error)"])
                abort()
            }
            timer.setEventHandler { [self] in onTimer() }
            timer.schedule(deadline: .distantFuture)
            timer.resume()
            // Slowloris defence starts at accept: the first request line must
            // arrive within the header timeout.
            arm(.header)
            resumeReading()
        }
    }

    // MARK: Reading

    func onReadable() {
        guard !closed else { return }
        if lingering {
            discardWhileLingering()
            return
        }
        var received = 0
        withUnsafeTemporaryAllocation(byteCount: 32 * 1024, alignment: 16) { scratch in
            // Bounded per event so one fast client cannot starve the queue.
            while received < 256 * 1024 {
                let count = read(fd, scratch.baseAddress, scratch.count)
                if count > 0 {
                    parser.append(UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
                    receivedAny = true
                    received += count
                    if count < scratch.count { break }
                } else if count == 0 {
                    peerFinished = true
                    suspendReading()
                    cancelHandlerOfDepartedClient()
                    break
                } else if errno == EINTR {
                    continue
                } else {
                    if errno != EAGAIN && errno != EWOULDBLOCK { abort() }
                    break
                }
            }
        }
        guard !closed else { return }
        // Back-pressure for pipelined requests arriving while one is handled.
        if inFlight && parser.bufferedByteCount > 1 << 20 { suspendReading() }
        processBuffered()
    }

    /// Parses and dispatches whatever is buffered, one request at a time, so
    /// pipelined requests are answered in order (RFC 9112 §9.3.2).
    func processBuffered() {
        while !closed && !inFlight && !closeWhenFlushed {
            switch parser.next() {
            case .needMoreData:
                noteNeedMoreData()
                return
            case .continueExpected(let head):
                do {
                    try server.pipeline.checkExpectation(head)
                    enqueue(HTTPResponseSerializer.continueResponse)
                } catch {
                    // A final status instead of 100; the body will not be read,
                    // so the connection cannot be reused (RFC 9110 §10.1.1).
                    var error = error
                    error.closesConnection = true
                    respondAndClose(error, version: head.version)
                    return
                }
            case .request(let request):
                dispatch(request)
                return
            case .failure(let error):
                server.metrics?.requestRejected(status: error.status, reason: error.code)
                server.logger.debug("rejected request", metadata: ["peer": "\(peer?.description ?? "-")", "error": "\(error)"])
                respondAndClose(error, version: .http1_1)
                return
            }
        }
    }

    private func noteNeedMoreData() {
        let phase = parser.phase
        if peerFinished {
            // A half-closed client has sent all it will (RFC 9112 §9.6): what
            // was complete has been answered; an incomplete request gets 400
            // on the still-open direction.
            if phase == .idle {
                closeWhenFlushed = true
                if outboundOffset == outbound.count { beginClose() }
            } else {
                respondAndClose(.badRequest("the client closed its side in the middle of a request", code: "incomplete_request"), version: .http1_1)
            }
            return
        }
        switch phase {
        case .idle:
            if draining {
                closeWhenFlushed = true
                if outboundOffset == outbound.count { beginClose() }
            } else if timerKind != .write {
                arm(.keepAlive)
            }
        case .head:
            if timerKind != .header && timerKind != .write { arm(.header) }
        case .body:
            if timerKind != .write { arm(.body) }
        case .failed:
            break
        }
    }

    // MARK: Handling

    private func dispatch(_ request: HTTPRequest) {
        inFlight = true
        responseStarted = false
        inFlightVersion = request.version
        if timerKind != .write { arm(.none) }
        var request = request
        request.peerAddress = peer?.description
        request.clientAddress = server.clientAddressResolver.clientAddress(peer: peer, headers: request.headers)
        let pipeline = server.pipeline
        let prepared = request
        // The handler runs as a task on the cooperative pool, never on this
        // queue; its answer comes back here. `sync` runs the block on the
        // task's thread when the queue is free, which saves waking a queue
        // thread per response; it cannot wait long, because work on this
        // queue is non-blocking socket I/O that never waits for a task.
        handlerTask = Task { [self] in
            let response = await pipeline.respond(to: prepared)
            queue.sync { [self] in send(response, for: prepared) }
        }
    }

    /// The client closed (or reset) while its request was being handled: the
    /// handler's task is cancelled, so work that checks for it (image decoding)
    /// stops instead of finishing for nobody. As in nginx and Go's net/http, a
    /// FIN counts as leaving: a client that half-closes and still waits for
    /// the answer to a costly request may get 499 instead.
    func cancelHandlerOfDepartedClient() {
        if inFlight { handlerTask?.cancel() }
    }

    private func send(_ response: HTTPResponse, for request: HTTPRequest) {
        handlerTask = nil
        guard !closed, !handlerAnswerDropped else { return }
        responseStarted = true
        // The server's phase as well as `draining`: shutdown tells each connection
        // on its own queue, and a response may be ready before that block has run.
        var keepAlive = request.keepAlive && !draining && !server.isShuttingDown
        if response.headers.containsToken("close", in: "Connection") { keepAlive = false }
        let framing = HTTPResponseSerializer.framing(for: response, version: request.version)
        if framing == .close { keepAlive = false }
        enqueue(HTTPResponseSerializer.head(response, version: request.version, framing: framing, keepAlive: keepAlive))
        // RFC 9110 §9.3.2: a response to HEAD has the same fields as for GET
        // but no content.
        if request.method != .head && framing != .none {
            switch response.body {
            case .bytes(let bytes):
                enqueue(bytes)
            case .stream(let stream):
                startStreaming(stream, chunked: framing == .chunked, keepAlive: keepAlive)
                return
            }
        }
        finishResponse(keepAlive: keepAlive)
    }

    func finishResponse(keepAlive: Bool) {
        inFlight = false
        guard !closed else { return }
        if !keepAlive {
            closeWhenFlushed = true
            if outboundOffset == outbound.count { beginClose() }
            return
        }
        if !peerFinished { resumeReading() }
        processBuffered()
    }

    /// Writes a streamed body as it is produced, waiting while the output
    /// buffer is full so a fast producer cannot fill memory.
    private func startStreaming(_ body: AsyncThrowingStream<[UInt8], any Error>, chunked: Bool, keepAlive: Bool) {
        Task { [self] in
            do {
                for try await chunk in body where !chunk.isEmpty {
                    guard await write(chunked ? HTTPResponseSerializer.chunk(chunk) : chunk) else { return }
                }
                if chunked { guard await write(HTTPResponseSerializer.lastChunk) else { return } }
                queue.async { [self] in finishResponse(keepAlive: keepAlive) }
            } catch {
                // A failed stream cannot be reported in-band: an unterminated
                // chunked body (or a short close-delimited one) tells the
                // client the response is incomplete (RFC 9112 §8).
                server.logger.error("streamed response failed", metadata: ["error": "\(error)"])
                queue.async { [self] in abort() }
            }
        }
    }

    /// Queues bytes; resumes once the backlog is under 256 KiB. False if closed.
    private func write(_ bytes: [UInt8]) async -> Bool {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                guard !closed else { return continuation.resume(returning: false) }
                enqueue(bytes)
                if outbound.count - outboundOffset < 256 * 1024 || closed {
                    continuation.resume(returning: !closed)
                } else {
                    flushWaiters.append { [self] in continuation.resume(returning: !closed) }
                }
            }
        }
    }

    /// Answers with an error and closes; the rest of the input is not read.
    func respondAndClose(_ error: HTTPError, version: HTTPVersion) {
        var error = error
        error.closesConnection = true
        let response = error.response
        let framing = HTTPResponseSerializer.framing(for: response, version: version)
        enqueue(HTTPResponseSerializer.head(response, version: version, framing: framing, keepAlive: false))
        if case .bytes(let bytes) = response.body { enqueue(bytes) }
        closeWhenFlushed = true
        if outboundOffset == outbound.count { beginClose() }
    }
}
