import CEpoll
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Readiness of every watched socket in the process, from one epoll
/// descriptor and one thread, handed to each socket's queue (`SocketWatch`).
///
/// Why not Dispatch's read and write sources: on Linux, when a descriptor
/// reports EPOLLHUP (the peer reset, or both directions are shut, as at the
/// end of every lingering close), libdispatch unregisters its sources from
/// their own queue (`_dispatch_source_invoke2` acknowledges the delete without
/// moving to the manager queue) while the manager thread may still be walking
/// the same shared record. The test suite crashed there, in
/// `_dispatch_event_loop_drain`, in about half its runs, and any client can
/// send a reset. Here a report carries a token, never a pointer, and a token
/// whose watch is gone is ignored, so a late report cannot reach freed memory.
final class SocketPoller: Sendable {
    static let shared = SocketPoller()

    let descriptor: Int32
    private let watches = Mutex<[UInt64: SocketWatch]>([:])
    private let nextToken = Atomic<UInt64>(1)

    private init() {
        descriptor = cepoll_create()
        precondition(descriptor >= 0, "epoll_create1 failed (errno \(errno))")
        // The thread lives as long as the process; it holds the poller.
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { context in
            let poller = Unmanaged<SocketPoller>.fromOpaque(context!).takeUnretainedValue()
            cepoll_name_thread("HTTPKit.poll")
            poller.run()
            return nil
        }, context)
        precondition(status == 0, "cannot start the socket poller thread (\(status))")
        pthread_detach(thread)
    }

    /// A token for `watch`'s reports; the poller holds the watch until `remove`.
    func add(_ watch: SocketWatch) -> UInt64 {
        let token = nextToken.add(1, ordering: .relaxed).oldValue
        watches.withLock { $0[token] = watch }
        return token
    }

    /// Stops reports for `fd`; one already taken from the kernel finds no
    /// watch, or a cancelled one.
    func remove(_ token: UInt64, fd: Int32, registered: Bool) {
        if registered { _ = cepoll_remove(descriptor, fd) }
        _ = watches.withLock { $0.removeValue(forKey: token) }
    }

    private func run() {
        let capacity: Int32 = 64
        var events = [UInt32](repeating: 0, count: Int(capacity))
        var tokens = [UInt64](repeating: 0, count: Int(capacity))
        while true {
            let count = cepoll_wait(descriptor, &events, &tokens, capacity, -1)
            // Only EBADF or EINVAL could end the wait, and the descriptor is
            // never closed: a failure here is a broken invariant.
            precondition(count >= 0, "epoll_wait failed (errno \(errno))")
            for index in 0..<Int(count) {
                guard let watch = watches.withLock({ $0[tokens[index]] }) else { continue }
                watch.report(events[index])
            }
        }
    }
}
