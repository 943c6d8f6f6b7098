import Foundation

/// The bounded queue between the loader thread and the training loop.
/// `next()` blocks until a batch is ready or the epoch is over.
public final class BatchStream: @unchecked Sendable, Sequence, IteratorProtocol {
    // @unchecked: every field is read and written under `condition`.
    private let condition = NSCondition()
    private var queue: [Batch] = []
    private var finished = false
    private var cancelled = false
    private let capacity: Int
    /// Batches the epoch will produce at most (fewer if images fail to load).
    public let batchCount: Int

    init(capacity: Int, batchCount: Int) {
        self.capacity = capacity
        self.batchCount = batchCount
    }

    deinit { cancel() }

    /// Blocks while the queue is full; false when the consumer cancelled.
    func put(_ batch: Batch) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        queue.append(batch)
        condition.broadcast()
        return true
    }

    func finish() {
        condition.lock(); defer { condition.unlock() }
        finished = true
        condition.broadcast()
    }

    var isCancelled: Bool { condition.lock(); defer { condition.unlock() }; return cancelled }

    /// Stops the producer early (early stopping, errors); pending batches are dropped.
    public func cancel() {
        condition.lock(); defer { condition.unlock() }
        cancelled = true
        queue.removeAll()
        condition.broadcast()
    }

    public func next() -> Batch? {
        condition.lock(); defer { condition.unlock() }
        while queue.isEmpty && !finished && !cancelled { condition.wait() }
        if queue.isEmpty { return nil }
        let batch = queue.removeFirst()
        condition.broadcast()
        return batch
    }
}
