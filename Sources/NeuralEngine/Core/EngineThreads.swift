import CBLAS
import CEngineKernels
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
        /// How many `withSerialBLAS` regions are open; OpenBLAS runs on one thread while > 0.
        var serialBLASRegions = 0
        /// Runs once, on the first use of the engine's threading (every Conv2D and Dense
        /// forward passes through here), before the engine's first BLAS call.
        let blasCore: String? = engine_blas_select_core().map { String(cString: $0) }
    }
    private static let state = State()

    /// The OpenBLAS kernel set in use ("SkylakeX", "Haswell", …), nil when unknown.
    /// OpenBLAS 0.3.21 falls back to its slow generic "Prescott" kernels on CPUs it does not
    /// recognise, and its "Zen" set on AMD Zen 3 is not bit-reproducible from call to call;
    /// in both cases the engine selects the kernels the CPU supports ("SkylakeX" or
    /// "Haswell", see `engine_blas_select_core`), unless `OPENBLAS_CORETYPE` is set.
    public static var blasCore: String? { state.blasCore }

    /// Makes sure the one-time BLAS set-up has run; free after the first call.
    /// Call before a BLAS call that is not preceded by any other use of `EngineThreads`.
    @inline(__always)
    public static func prepare() { _ = state }

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
        defer { state.lock.unlock() }
        state.count = clamped
        if state.serialBLASRegions == 0 { openblas_set_num_threads(Int32(clamping: clamped)) }
    }

    /// Runs `body` with OpenBLAS on one thread, so that engine threads can each call BLAS
    /// on their own share of the work without OpenBLAS's thread pool serialising them or
    /// spinning beside them; restores `count` threads when the last open region ends.
    static func withSerialBLAS<Result>(_ body: () throws -> Result) rethrows -> Result {
        state.lock.lock()
        state.serialBLASRegions += 1
        if state.serialBLASRegions == 1 && state.count > 1 { openblas_set_num_threads(1) }
        state.lock.unlock()
        defer {
            state.lock.lock()
            state.serialBLASRegions -= 1
            if state.serialBLASRegions == 0 && state.count > 1 {
                openblas_set_num_threads(Int32(clamping: state.count))
            }
            state.lock.unlock()
        }
        return try body()
    }
}
