import Dispatch

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
@inline(__always)
func parallelTasks(_ tasks: Int, _ body: (Int) -> Void) {
    guard tasks > 1 else {
        if tasks == 1 { body(0) }
        return
    }
    withoutActuallyEscaping(body) { escapable in
        let box = UncheckedSendableBox(escapable)
        DispatchQueue.concurrentPerform(iterations: tasks) { task in box.value(task) }
    }
}

/// Carries a closure over raw pointers into `concurrentPerform`'s `@Sendable` closure.
/// Safe because `concurrentPerform` returns only after every iteration has finished (the
/// closure never outlives the call) and every caller of `parallelFor` and `parallelTasks`
/// writes disjoint ranges from its tasks.
private struct UncheckedSendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Minimum items per task so that each task does roughly `work` scalar operations
/// when one item costs `itemCost` of them.
@inline(__always)
func chunkSize(forItemCost itemCost: Int, work: Int = 32_768) -> Int {
    max(1, work / max(1, itemCost))
}
