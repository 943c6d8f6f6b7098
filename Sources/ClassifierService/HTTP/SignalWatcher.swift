import Foundation

/// Runs `action` each time the process receives `signal`.
///
/// Uses the self-pipe trick: a `sigaction` handler writes one byte to a pipe
/// (`write(2)` is async-signal-safe) and a Dispatch read source on the other end
/// runs the action on a normal queue. A Dispatch signal source alone is not
/// enough on Linux: libdispatch reads signals through signalfd, which only sees
/// a signal while every thread blocks it, and a process with threads started
/// before the source (test runners, OpenBLAS) does not.
final class SignalWatcher: @unchecked Sendable {
    // @unchecked: `source` and `readEnd` are only touched under `lock`.
    private let number: Int32
    private let action: @Sendable () -> Void
    private let lock = NSLock()
    private var source: (any DispatchSourceRead)?

    init(signal number: Int32, action: @escaping @Sendable () -> Void) {
        self.number = number
        self.action = action
    }

    func start() {
        lock.lock()
        defer { lock.unlock() }
        guard source == nil, number > 0, number < SignalPipes.capacity else { return }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        SignalPipes.writeEnds[Int(number)] = writeEnd
        var handler = sigaction()
        #if os(Linux)
        handler.__sigaction_handler.sa_handler = { received in
            var byte: UInt8 = 1
            _ = write(SignalPipes.writeEnds[Int(received)], &byte, 1)
        }
        #else
        handler.__sigaction_u.__sa_handler = { received in
            var byte: UInt8 = 1
            _ = write(SignalPipes.writeEnds[Int(received)], &byte, 1)
        }
        #endif
        handler.sa_flags = SA_RESTART
        sigemptyset(&handler.sa_mask)
        sigaction(number, &handler, nil)

        let source = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: .global(qos: .utility))
        source.setEventHandler { [action] in
            var buffer = [UInt8](repeating: 0, count: 64)
            // Several signals before we ran are one reload.
            while read(readEnd, &buffer, buffer.count) > 0 {}
            action()
        }
        // The write end is closed only here, once the source is unregistered:
        // closing it first makes the read end report a hangup, and on Linux
        // libdispatch then unregisters the source from its own queue while
        // its manager thread may still be walking the same record, a
        // use-after-free that crashed the test runner in
        // `_dispatch_event_loop_drain` (see HTTPKit's `SocketPoller`).
        source.setCancelHandler {
            close(readEnd)
            close(writeEnd)
        }
        source.resume()
        self.source = source
    }

    func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard let source else { return }
        // Back to ignoring the signal rather than the default (which, for SIGHUP, ends the process).
        signal(number, SIG_IGN)
        SignalPipes.writeEnds[Int(number)] = -1
        source.cancel()
        self.source = nil
    }
}

/// The write end of each signal's pipe, read by the signal handler. A fixed
/// buffer allocated once, so the handler touches no Swift runtime machinery.
enum SignalPipes {
    static let capacity: Int32 = 65
    nonisolated(unsafe) static let writeEnds: UnsafeMutablePointer<Int32> = {
        let pointer = UnsafeMutablePointer<Int32>.allocate(capacity: Int(capacity))
        pointer.initialize(repeating: -1, count: Int(capacity))
        return pointer
    }()
}
