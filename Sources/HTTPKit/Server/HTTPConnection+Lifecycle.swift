import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HTTPConnection {
    // MARK: Writing

    func enqueue(_ bytes: [UInt8]) {
        guard !closed, !bytes.isEmpty else { return }
        if outboundOffset == outbound.count {
            outbound = bytes
            outboundOffset = 0
        } else {
            outbound.append(contentsOf: bytes)
        }
        flush()
    }

    /// Writes as much as the socket takes; the watch calls again when it can
    /// take more.
    func flush() {
        guard !closed else { return }
        while outboundOffset < outbound.count {
            let written = outbound.withUnsafeBytes { raw in
                Socket.send(fd, raw.baseAddress! + outboundOffset, raw.count - outboundOffset)
            }
            if written > 0 {
                outboundOffset += written
                if timerKind == .write { arm(.write) }
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                if timerKind != .write { arm(.write) }
                resumeWriting()
                return
            } else {
                abort()
                return
            }
        }
        outbound.removeAll(keepingCapacity: outbound.capacity <= 64 * 1024)
        outboundOffset = 0
        suspendWriting()
        let waiters = flushWaiters
        flushWaiters = []
        waiters.forEach { $0() }
        if closeWhenFlushed && !inFlight {
            beginClose()
        } else if timerKind == .write {
            arm(.none)
            if !inFlight { processBufferedTimerOnly() }
        }
    }

    /// Restores the phase timer after a write finished.
    private func processBufferedTimerOnly() {
        switch parser.phase {
        case .idle: arm(draining ? .linger : .keepAlive)
        case .head: arm(.header)
        case .body: arm(.body)
        case .failed: break
        }
    }

    // MARK: Timers

    /// Starts the timeout of `kind` from now (`.none`: no timeout).
    ///
    /// Re-programming a Dispatch timer wakes Dispatch's event thread, and a keep-alive
    /// request re-arms twice (no timeout while handled, keep-alive after). So the timer is
    /// only moved when it would fire after the new deadline; one that fires early finds
    /// the later deadline and re-arms itself for it (`onTimer`).
    func arm(_ kind: TimerKind) {
        if kind != .keepAlive {
            idleSince.store(0, ordering: .relaxed)
        } else if timerKind != .keepAlive {
            idleSince.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
        }
        timerKind = kind
        let interval: Duration? =
            switch kind {
            case .none: nil
            case .header: timeouts.headerRead
            case .body: timeouts.bodyIdle
            case .keepAlive: timeouts.keepAliveIdle
            case .write: timeouts.write
            case .linger: timeouts.lingerOnClose
            case .firstRequest: timeouts.firstRequestOnShutdown
            }
        guard let interval else {
            timerDeadline = nil
            return
        }
        let deadline = DispatchTime.now() + interval.dispatchInterval
        timerDeadline = deadline
        if timerFiresAt.map({ $0 > deadline }) ?? true {
            scheduleTimer(at: deadline)
        }
    }

    private func scheduleTimer(at deadline: DispatchTime) {
        timerFiresAt = deadline
        timer.schedule(deadline: deadline)
    }

    func onTimer() {
        timerFiresAt = nil
        guard !closed, let deadline = timerDeadline else { return }
        if DispatchTime.now() < deadline {
            scheduleTimer(at: deadline)
            return
        }
        timerDeadline = nil
        switch timerKind {
        case .none:
            return
        case .header, .body:
            // RFC 9110 §15.5.9: 408 when the server "did not receive a complete
            // request message within the time that it was prepared to wait".
            // A connection that never started a request is just closed.
            if parser.phase == .idle || inFlight {
                server.metrics?.requestRejected(status: nil, reason: "idle_timeout")
                abort()
            } else {
                server.metrics?.requestRejected(status: .requestTimeout, reason: "timeout")
                arm(.none)
                respondAndClose(
                    HTTPError(.requestTimeout, code: "request_timeout", message: "the request was not received in time"),
                    version: .http1_1)
            }
        case .keepAlive, .linger, .firstRequest:
            abort()
        case .write:
            server.logger.debug("write timed out", metadata: ["peer": "\(peer?.description ?? "-")"])
            abort()
        }
    }

    // MARK: Closing

    /// Graceful close after the last response: stop sending (FIN), then read
    /// and discard until the client closes, the linger time passes or
    /// `maxLingerDiscardBytes` have been read, so unread request bytes do not
    /// make the kernel send a reset that could destroy the response before
    /// the client reads it (RFC 9112 §9.6). This matters most after an early
    /// 413: clients such as Python's urllib write the whole body before they
    /// read, and a reset mid-body is all they would report.
    func beginClose() {
        guard !closed, !lingering else { return }
        if peerFinished {
            abort()
            return
        }
        lingering = true
        shutdown(fd, Int32(SHUT_WR))
        arm(.linger)
        resumeReading()
    }

    func discardWhileLingering() {
        withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 16) { scratch in
            while true {
                let count = read(fd, scratch.baseAddress, scratch.count)
                if count > 0 {
                    discardedWhileLingering += count
                    if discardedWhileLingering > server.configuration.maxLingerDiscardBytes { return abort() }
                } else if count < 0 && errno == EINTR {
                    continue
                } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    return
                } else {
                    return abort()
                }
            }
        }
    }

    /// The server picked this idle keep-alive connection to make room for a
    /// new one. Closing it is allowed at any time (RFC 9112 §9.5) and its
    /// client retries on a new connection (§9.3.1), unless a request has
    /// started to arrive since it was picked: then it stays.
    func closeToMakeRoom() {
        let stillIdle = !closed && !inFlight && !lingering && timerKind == .keepAlive && parser.phase == .idle
            && outboundOffset == outbound.count && Socket.pendingInput(fd) == .nothing
        if stillIdle {
            abort()
        } else {
            server.evictionFailed(self)
        }
    }

    /// Closes now. Idempotent.
    func abort() {
        guard !closed else { return }
        closed = true
        cancelHandlerOfDepartedClient()
        idleSince.store(0, ordering: .relaxed)
        // The watch is removed before the descriptor is closed, so no report
        // can name a reused descriptor number.
        watch.cancel()
        close(fd)
        timer.cancel()
        let waiters = flushWaiters
        flushWaiters = []
        waiters.forEach { $0() }
        server.connectionDidClose(self)
    }

    /// Server shutdown: no new requests after the current one, whose response
    /// carries `Connection: close`. A connection with nothing to answer closes
    /// now, unless request bytes already wait in the socket buffer (their read
    /// event is not handled yet) or it is new and its first request may still
    /// be on the wire: those were sent before the client could know of the
    /// shutdown, so they are read and answered within the grace period.
    func beginDraining() {
        guard !closed else { return }
        draining = true
        // A lingering connection has already sent its last byte.
        if lingering { return abort() }
        guard !inFlight, parser.phase == .idle, outboundOffset == outbound.count else { return }
        switch Socket.pendingInput(fd) {
        case .data:
            onReadable()
        case .nothing where !receivedAny && !peerFinished:
            if timerKind != .firstRequest { arm(.firstRequest) }
        case .nothing, .closed:
            abort()
        }
    }

    /// The shutdown grace period is over. A request whose handler has not
    /// answered yet gets 503 with `Connection: close` now, so its client
    /// learns it was not served (and may retry elsewhere) instead of seeing a
    /// bare close; one whose response is already being written is cut, since
    /// nothing can be added to a response in progress (RFC 9112 §8).
    func endGrace() {
        guard !closed else { return }
        guard inFlight, !responseStarted else { return abort() }
        handlerAnswerDropped = true
        inFlight = false
        respondAndClose(.serviceUnavailable("the server is shutting down", retryAfterSeconds: 1, code: "shutting_down"),
                        version: inFlightVersion)
    }

    // MARK: Readiness

    func resumeReading() {
        if !watch.reading { watch.setReading(true) }
    }

    func suspendReading() {
        if watch.reading { watch.setReading(false) }
    }

    func resumeWriting() {
        if !watch.writing { watch.setWriting(true) }
    }

    func suspendWriting() {
        if watch.writing { watch.setWriting(false) }
    }
}
