import Foundation
import HTTPKit

/// Runs CPU-heavy decoding off the Swift concurrency pool, with two bounds that
/// every decode counts against, the inline ones included: at most `width`
/// decodes at a time, and at most `memoryBudget` bytes of their estimated peak
/// memory (`ImageDecoder.estimatedPeakBytes`) at once.
///
/// HTTP handlers are async tasks on a pool with one thread per core; decoding
/// a 12-MP JPEG there would stall every other request (health checks included),
/// so it runs on this pool's threads and the handler awaits it. A decode that
/// does not fit waits, first come first served, so a large image is not passed
/// over forever by small ones; one that waits past `maxWait` is refused.
final class DecodePool: Sendable {
    enum Refusal: Error, Equatable {
        /// The estimate is larger than the whole budget: it can never run.
        case exceedsBudget(bytes: Int, budget: Int)
        /// No room came free within `maxWait`.
        case timedOut
    }

    let width: Int
    let memoryBudget: Int
    let maxWait: Duration
    private let queue = DispatchQueue(label: "image-decode", qos: .userInitiated, attributes: .concurrent)
    private let state = Locked(State())

    private struct Waiter {
        let id: UInt64
        let bytes: Int
        let admit: @Sendable (Bool) -> Void
    }

    private struct State {
        var running = 0
        var bytesInUse = 0
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0

        func fits(_ bytes: Int, width: Int, budget: Int) -> Bool {
            running < width && bytes <= budget - bytesInUse
        }
    }

    init(width: Int, memoryBudget: Int, maxWait: Duration = .seconds(5)) {
        self.width = max(1, width)
        self.memoryBudget = max(1, memoryBudget)
        self.maxWait = maxWait
    }

    /// Runs `work` on a pool thread once a slot and `bytes` of the budget are free.
    func run<T: Sendable>(bytes: Int, _ work: @escaping @Sendable () -> T) async -> Result<T, Refusal> {
        guard bytes <= memoryBudget else { return .failure(.exceedsBudget(bytes: bytes, budget: memoryBudget)) }
        let admitted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            enqueue(bytes: bytes) { continuation.resume(returning: $0) }
        }
        guard admitted else { return .failure(.timedOut) }
        return .success(await withCheckedContinuation { continuation in
            queue.async { [self] in
                let result = work()
                release(bytes: bytes)
                continuation.resume(returning: result)
            }
        })
    }

    /// Runs `work` on the calling thread when a slot and `bytes` are free now
    /// and nobody is waiting; nil otherwise (then use `run`).
    func runHereIfFree<T>(bytes: Int, _ work: () -> T) -> T? {
        let taken = state.withLock { state -> Bool in
            guard state.waiters.isEmpty, state.fits(bytes, width: width, budget: memoryBudget) else { return false }
            state.running += 1
            state.bytesInUse += bytes
            return true
        }
        guard taken else { return nil }
        defer { release(bytes: bytes) }
        return work()
    }

    private func enqueue(bytes: Int, admit: @escaping @Sendable (Bool) -> Void) {
        let id: UInt64? = state.withLock { state in
            if state.waiters.isEmpty && state.fits(bytes, width: width, budget: memoryBudget) {
                state.running += 1
                state.bytesInUse += bytes
                return nil
            }
            state.nextID += 1
            state.waiters.append(Waiter(id: state.nextID, bytes: bytes, admit: admit))
            return state.nextID
        }
        guard let id else { return admit(true) }
        queue.asyncAfter(deadline: .now() + maxWait.dispatchInterval) { [self] in
            let expired = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            expired?.admit(false)
            // A large waiter leaving the head may let smaller ones behind it in.
            if expired != nil { admitWaiting() }
        }
    }

    private func release(bytes: Int) {
        state.withLock { state in
            state.running -= 1
            state.bytesInUse -= bytes
        }
        admitWaiting()
    }

    /// Admits waiters in arrival order while the first one fits.
    private func admitWaiting() {
        let admitted = state.withLock { state -> [Waiter] in
            var admitted: [Waiter] = []
            while let first = state.waiters.first, state.fits(first.bytes, width: width, budget: memoryBudget) {
                state.waiters.removeFirst()
                state.running += 1
                state.bytesInUse += first.bytes
                admitted.append(first)
            }
            return admitted
        }
        for waiter in admitted { waiter.admit(true) }
    }
}
