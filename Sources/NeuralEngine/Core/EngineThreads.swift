import CBLAS
import Foundation

/// The engine's one threading knob: how many threads OpenBLAS and the engine's own
/// parallel loops (im2col, pooling, normalisation, elementwise) may use.
///
/// The two never nest: the engine parallelises only around BLAS calls, never inside
/// them, so `count` threads are busy at most at any time.
public enum EngineThreads {
    // A lock rather than `Atomic` because the package still declares macOS 14,
    // where Synchronization's `Atomic` is unavailable.
    private final class State: @unchecked Sendable {  // all access goes through `lock`
        let lock = NSLock()
        var count = max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
    private static let state = State()

    /// Number of threads the engine currently uses (at least 1).
    public static var count: Int {
        state.lock.lock()
        defer { state.lock.unlock() }
        return state.count
    }

    /// Sets the engine's parallelism and OpenBLAS's thread count together.
    /// Values below 1 are treated as 1.
    public static func set(_ count: Int) {
        let clamped = max(1, count)
        state.lock.lock()
        state.count = clamped
        state.lock.unlock()
        openblas_set_num_threads(Int32(clamping: clamped))
    }
}
