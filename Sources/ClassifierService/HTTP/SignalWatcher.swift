import Foundation

/// Runs `action` each time the process receives `signal`, through a Dispatch
/// signal source, so nothing runs inside an async-signal handler.
final class SignalWatcher: @unchecked Sendable {
    // @unchecked: `source` is only touched under `lock`.
    private let number: Int32
    private let action: @Sendable () -> Void
    private let lock = NSLock()
    private var source: (any DispatchSourceSignal)?

    init(signal number: Int32, action: @escaping @Sendable () -> Void) {
        self.number = number
        self.action = action
    }

    func start() {
        lock.lock()
        defer { lock.unlock() }
        guard source == nil else { return }
        // Without SIG_IGN the default action (terminate, for SIGHUP) runs before Dispatch sees it.
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global(qos: .utility))
        source.setEventHandler { [action] in action() }
        source.resume()
        self.source = source
    }

    func stop() {
        lock.lock()
        defer { lock.unlock() }
        source?.cancel()
        source = nil
    }
}
