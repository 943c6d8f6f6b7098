import CEpoll
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// One socket's readiness, reported on its queue: `onReadable` while reading
/// is on and `onWritable` while writing is on, as resumed Dispatch read and
/// write sources would (see `SocketPoller` for why they are not used).
///
/// Each report arms the descriptor once (EPOLLONESHOT) and the next is armed
/// after the handlers have run, so a queue never has more than a report or
/// two in flight for a socket, and a socket nobody reads or writes is not
/// armed at all: a hangup is reported again on every arming, so arming it
/// with nothing wanted would spin.
///
/// `@unchecked Sendable`: everything except `report` (the poller thread) runs
/// on `queue`.
final class SocketWatch: @unchecked Sendable {
    let fd: Int32
    let queue: DispatchQueue
    var onReadable: (() -> Void)?
    var onWritable: (() -> Void)?
    /// The descriptor cannot be watched (epoll_ctl failed, for example
    /// ENOSPC at the user's watch limit); the owner should close it.
    var onFailure: ((Int32) -> Void)?

    private let poller: SocketPoller
    private var token: UInt64 = 0
    private(set) var reading = false
    private(set) var writing = false
    /// The events the kernel is armed for; 0 once a report has been taken.
    private var armed: UInt32 = 0
    private var registered = false
    private(set) var cancelled = false

    init(fd: Int32, queue: DispatchQueue, poller: SocketPoller = .shared) {
        self.fd = fd
        self.queue = queue
        self.poller = poller
        self.token = poller.add(self)
    }

    func setReading(_ on: Bool) {
        reading = on
        rearm()
    }

    func setWriting(_ on: Bool) {
        writing = on
        rearm()
    }

    /// No more reports or handler calls; the descriptor may be closed as soon
    /// as this returns. Idempotent.
    func cancel() {
        guard !cancelled else { return }
        cancelled = true
        poller.remove(token, fd: fd, registered: registered)
        // The handlers capture their owner; dropping them breaks the cycle.
        onReadable = nil
        onWritable = nil
        onFailure = nil
    }

    /// Called by the poller thread.
    func report(_ events: UInt32) {
        queue.async { [self] in deliver(events) }
    }

    private func deliver(_ events: UInt32) {
        guard !cancelled else { return }
        armed = 0
        // A hangup or error reaches whichever side is waiting, whose next
        // read or write then returns the end of stream or the error.
        let broken = events & UInt32(CEPOLL_HANGUP | CEPOLL_ERROR) != 0
        if reading && (broken || events & UInt32(CEPOLL_READABLE | CEPOLL_READ_HANGUP) != 0) {
            onReadable?()
        }
        if !cancelled && writing && (broken || events & UInt32(CEPOLL_WRITABLE) != 0) {
            onWritable?()
        }
        rearm()
    }

    private func rearm() {
        guard !cancelled else { return }
        let wanted = (reading ? UInt32(CEPOLL_READABLE) : 0) | (writing ? UInt32(CEPOLL_WRITABLE) : 0)
        guard wanted != 0, wanted != armed else { return }
        if cepoll_arm(poller.descriptor, fd, wanted, token, registered ? 0 : 1) == 0 {
            registered = true
            armed = wanted
        } else {
            let error = errno
            // Reported from the queue, not from inside the caller's own call.
            queue.async { [self] in
                guard !cancelled else { return }
                onFailure?(error)
            }
        }
    }
}
