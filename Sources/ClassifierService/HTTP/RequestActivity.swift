import Foundation

/// Requests in flight and when the last one started or finished: what the
/// lame-duck phase of shutdown watches to know when traffic has stopped.
final class RequestActivity: @unchecked Sendable {
    // @unchecked: both fields are guarded by `lock`.
    private let lock = NSLock()
    private var inFlight = 0
    private var lastChange = DispatchTime.now().uptimeNanoseconds

    func started() {
        lock.lock()
        inFlight += 1
        lastChange = DispatchTime.now().uptimeNanoseconds
        lock.unlock()
    }

    func finished() {
        lock.lock()
        inFlight -= 1
        lastChange = DispatchTime.now().uptimeNanoseconds
        lock.unlock()
    }

    /// True when nothing is in flight and nothing has started or finished for `seconds`.
    func isQuiet(for seconds: Double) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let idle = Double(DispatchTime.now().uptimeNanoseconds - lastChange) / 1e9
        return inFlight == 0 && idle >= seconds
    }
}
