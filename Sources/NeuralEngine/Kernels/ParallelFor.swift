import CEngineKernels

/// Splits `0..<count` into at most `EngineThreads.count` contiguous chunks of at least
/// `minimumChunk` items and runs `body` on each, in parallel when there is more than one.
///
/// Small loops run inline: dispatching costs microseconds, which dominates below a few
/// tens of thousands of scalar operations.
@inline(__always)
func parallelFor(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let tasks = min(EngineThreads.count, count / max(1, minimumChunk))
    if tasks <= 1 {
        body(0..<count)
        return
    }
    parallelTasks(tasks) { task in body((count * task / tasks)..<(count * (task + 1) / tasks)) }
}

/// Runs `body(task)` for every task in `0..<tasks`, in parallel when there is more than
/// one, and returns when all have finished. The caller decides the split (and so the
/// thread count); each task must write only its own share of any buffer.
///
/// The tasks run on the engine's own pool (CEngineKernels' ThreadPool.c), whose workers
/// stay awake between the steps of one inference; a step started while another runs
/// (from another thread, or from inside a task) runs its tasks inline.
@inline(__always)
func parallelTasks(_ tasks: Int, _ body: (Int) -> Void) {
    guard tasks > 1 else {
        if tasks == 1 { body(0) }
        return
    }
    withoutActuallyEscaping(body) { escapable in
        // The closure outlives no task: engine_parallel_run returns after the last one.
        var closure = escapable
        withUnsafeMutablePointer(to: &closure) { pointer in
            engine_parallel_run(tasks, { context, task in
                context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(task)
            }, pointer)
        }
    }
}

/// Minimum items per task so that each task does roughly `work` scalar operations
/// when one item costs `itemCost` of them.
@inline(__always)
func chunkSize(forItemCost itemCost: Int, work: Int = 32_768) -> Int {
    max(1, work / max(1, itemCost))
}
