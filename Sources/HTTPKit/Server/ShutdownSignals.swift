import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits for a termination signal with `DispatchSource.makeSignalSource`, so no
/// code runs inside an async-signal handler.
enum ShutdownSignals {
    /// `@unchecked Sendable`: only touched on `queue`.
    private final class Waiter: @unchecked Sendable {
        var sources: [any DispatchSourceSignal] = []
        var continuation: CheckedContinuation<Int32, Never>?
    }

    static func wait(for signals: [Int32]) async -> Int32 {
        let queue = DispatchQueue(label: "HTTPKit.signals")
        let waiter = Waiter()
        return await withCheckedContinuation { continuation in
            queue.async {
                waiter.continuation = continuation
                for number in signals {
                    // The default action would end the process before Dispatch
                    // sees the signal.
                    signal(number, SIG_IGN)
                    let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                    source.setEventHandler {
                        guard let continuation = waiter.continuation else { return }
                        waiter.continuation = nil
                        for source in waiter.sources { source.cancel() }
                        // A second signal during shutdown ends the process at once.
                        for number in signals { signal(number, SIG_DFL) }
                        continuation.resume(returning: number)
                    }
                    waiter.sources.append(source)
                    source.resume()
                }
            }
        }
    }
}
