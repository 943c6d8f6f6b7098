import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs `action` each time the process receives `signal`, between `start` and
/// `stop`: SIGHUP reloads, and (through `firstSignal(of:)`) SIGTERM and SIGINT.
///
/// The self-pipe trick: a `sigaction` handler writes one byte to a pipe
/// (`write(2)` is async-signal-safe) and the pipe's read end is watched like a
/// socket (`SocketWatch`), so the action runs on a normal queue. Not a Dispatch
/// signal source: libdispatch reads signals through signalfd, which only sees
/// a signal while every thread blocks it, and a process with threads started
/// before the source (test runners, OpenBLAS) does not. And not a Dispatch read
/// source on the pipe either: see `SocketPoller`.
public final class SignalWatcher: Sendable {
    private struct Running {
        let watch: SocketWatch
        let readEnd: Int32
        let writeEnd: Int32
    }

    private let number: Int32
    private let action: @Sendable () -> Void
    private let queue = DispatchQueue(label: "HTTPKit.signal")
    private let running = Mutex<Running?>(nil)

    public init(signal number: Int32, action: @escaping @Sendable () -> Void) {
        self.number = number
        self.action = action
    }

    public func start() {
        running.withLock { running in
            guard running == nil, number > 0, number < SignalPipes.capacity else { return }
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { return }
            for end in ends {
                _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            }
            let (readEnd, writeEnd) = (ends[0], ends[1])
            SignalPipes.writeEnds[Int(number)] = writeEnd
            var handler = sigaction()
            handler.__sigaction_handler.sa_handler = { received in
                var byte: UInt8 = 1
                _ = write(SignalPipes.writeEnds[Int(received)], &byte, 1)
            }
            handler.sa_flags = SA_RESTART
            sigemptyset(&handler.sa_mask)
            sigaction(number, &handler, nil)

            let watch = SocketWatch(fd: readEnd, queue: queue)
            queue.async { [action] in
                watch.onReadable = {
                    var buffer = [UInt8](repeating: 0, count: 64)
                    // Several signals before this ran are one action.
                    while read(readEnd, &buffer, buffer.count) > 0 {}
                    action()
                }
                watch.setReading(true)
            }
            running = Running(watch: watch, readEnd: readEnd, writeEnd: writeEnd)
        }
    }

    /// Back to ignoring the signal (not its default, which for SIGHUP would
    /// end the process). Safe to call from the action.
    public func stop() {
        running.withLock { state in
            guard let running = state else { return }
            state = nil
            signal(number, SIG_IGN)
            SignalPipes.writeEnds[Int(number)] = -1
            // Both ends close only after the watch is removed, on its queue.
            queue.async {
                running.watch.cancel()
                close(running.readEnd)
                close(running.writeEnd)
            }
        }
    }

    /// Waits for the first of `signals`, each caught while waiting, and returns
    /// it. Afterwards they are ignored: the caller decides what a second one does.
    public static func firstSignal(of signals: [Int32]) async -> Int32 {
        let first = FirstSignal()
        let watchers = signals.map { number in SignalWatcher(signal: number) { first.fire(number) } }
        for watcher in watchers { watcher.start() }
        let received = await first.value()
        for watcher in watchers { watcher.stop() }
        return received
    }
}

/// The first of several signals, delivered once to one waiter.
private final class FirstSignal: Sendable {
    private let state = Mutex<(received: Int32?, waiter: CheckedContinuation<Int32, Never>?)>((nil, nil))

    func fire(_ number: Int32) {
        let waiter: CheckedContinuation<Int32, Never>? = state.withLock { state in
            guard state.received == nil else { return nil }
            state.received = number
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: number)
    }

    func value() async -> Int32 {
        await withCheckedContinuation { continuation in
            let received: Int32? = state.withLock { state in
                if state.received == nil { state.waiter = continuation }
                return state.received
            }
            if let received { continuation.resume(returning: received) }
        }
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
