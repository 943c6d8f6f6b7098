/// Splits a batch of images into one contiguous share per engine thread, for layers whose
/// per-image work is a chain of small BLAS calls (convolutions on small planes).
///
/// Why not let OpenBLAS thread each call instead: on a 28×28 ResNet-20 step most GEMMs
/// are around 16×784×144, too small to split well, and OpenBLAS's idle workers spin in
/// `sched_yield` between calls. `perf` showed a quarter of a training step's CPU time in
/// the scheduler that way. One share per thread, each with serial BLAS and its own
/// scratch, synchronises once per layer instead of once per GEMM.
struct BatchSplit {
    let images: Int
    let tasks: Int

    init(images: Int, threads: Int = EngineThreads.count) {
        self.images = images
        tasks = max(1, min(threads, images))
    }

    /// The images of share `task`; shares differ in size by at most one image.
    func range(of task: Int) -> Range<Int> {
        (images * task / tasks)..<(images * (task + 1) / tasks)
    }

    /// The size of the largest share, which sizes each share's scratch.
    var largestShare: Int { (images + tasks - 1) / tasks }

    /// Runs `body(task, images)` for every share: in parallel with OpenBLAS kept serial, or
    /// inline (leaving OpenBLAS its threads) when there is one share; then `finally` (the
    /// reduction of the shares' results), still with serial BLAS. `body` must write only
    /// memory that belongs to its share.
    func run(finally: () -> Void = {}, _ body: (_ task: Int, _ images: Range<Int>) -> Void) {
        if tasks == 1 {
            body(0, 0..<images)
            finally()
            return
        }
        EngineThreads.withSerialBLAS {
            parallelFor(tasks) { shares in
                for task in shares { body(task, range(of: task)) }
            }
            finally()
        }
    }
}
