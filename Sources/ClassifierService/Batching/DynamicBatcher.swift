import Foundation

/// Groups concurrent requests into one forward pass.
///
/// Callers `submit` already-preprocessed inputs from any thread. One dedicated
/// thread takes the oldest waiting input, waits up to `maxWait` for more (never
/// past `maxBatchSize`), and calls `forward` once for the whole group; a batch
/// of 8 costs far less than 8 batches of 1 because the weights are streamed
/// through the cache once (Clipper, Crankshaw et al. NSDI 2017; TF Serving's
/// batching). Decoding stays outside this loop, on the callers' threads.
///
/// The wait is only worth it when company is on its way. Callers `announce`
/// inputs when they start decoding them; the batch thread waits only while
/// announced inputs have not arrived yet. A lone client therefore never pays
/// `maxWait` (TF Serving and Triton do: a fixed queue delay), while under load
/// batches still fill, from inputs that queued during the previous forward pass
/// and from the ones being decoded.
///
/// A lone input need not go through the batch thread at all: `runIfIdle` runs it on
/// the caller's thread when nothing is queued, announced or running, which saves the
/// two thread hand-offs that waking the batch thread and being woken by it cost (part of
/// the 0.34 ms per request that hand-offs took on the 2-core VM, BENCHMARKS.md). A forward pass, inline or batched, is never concurrent
/// with another.
///
/// The queue is bounded: when `capacity` inputs are already waiting, `submit`
/// fails at once with `BatcherError.overloaded` so the server can answer 503 +
/// Retry-After instead of letting latency grow without bound.
///
/// `forward` returns one result per input, in order; an input-specific failure
/// fails only that input.
public final class DynamicBatcher<Input: Sendable, Output: Sendable>: @unchecked Sendable {
    // @unchecked: all mutable state (`queue`, `isStopped`, `announced`, `forwardBusy`) is guarded by `condition`.
    public typealias Forward = @Sendable ([Input]) -> [Result<Output, any Error>]
    public typealias Completion = @Sendable (Result<Output, any Error>) -> Void

    public struct Observer: Sendable {
        /// Called with the size of every batch before its forward pass.
        public var batchStarted: @Sendable (Int) -> Void = { _ in }
        /// Called with the forward pass's duration in seconds.
        public var batchFinished: @Sendable (Int, Double) -> Void = { _, _ in }
        /// Called whenever the number of waiting inputs changes.
        public var queueDepthChanged: @Sendable (Int) -> Void = { _ in }
        public init() {}
    }

    private struct Job {
        let input: Input
        let completion: Completion
        let enqueued: UInt64
    }

    public let maxBatchSize: Int
    public let maxWait: Double
    public let capacity: Int
    private let forward: Forward
    private let observer: Observer
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var queueHead = 0
    private var isStopped = false
    /// Inputs announced and not yet submitted or withdrawn.
    private var announced = 0
    /// A forward pass is running, inline or on the batch thread.
    private var forwardBusy = false
    private var running = false
    private var thread: Thread?

    /// - Parameters:
    ///   - maxWait: seconds the first input of a batch waits for company.
    public init(maxBatchSize: Int, maxWait: Double, capacity: Int, observer: Observer = Observer(),
                forward: @escaping Forward) {
        self.maxBatchSize = max(1, maxBatchSize)
        self.maxWait = max(0, maxWait)
        self.capacity = max(1, capacity)
        self.observer = observer
        self.forward = forward
        // Weak: a batcher dropped before its thread first runs is already gone
        // then (unowned crashed there); while `loop` runs, the call holds it.
        let thread = Thread { [weak self] in self?.loop() }
        thread.name = "inference-batcher"
        // The batch loop runs the forward pass itself: give it the priority of
        // user-facing work so decoding threads do not starve it.
        thread.qualityOfService = .userInitiated
        self.thread = thread
        thread.start()
    }

    deinit {
        stop()
    }

    /// Number of inputs waiting for a forward pass.
    public var queueDepth: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count - queueHead
    }

    /// Nothing queued, announced or running: a request arriving now is alone.
    public var isIdle: Bool {
        condition.lock()
        defer { condition.unlock() }
        return idle(announcedByCaller: 0)
    }

    /// Under `condition`: nothing queued or running, and no announced input but the
    /// caller's own `announcedByCaller`.
    private func idle(announcedByCaller: Int) -> Bool {
        queue.count == queueHead && !forwardBusy && announced - announcedByCaller <= 0
    }

    /// Says that `count` inputs are being prepared and will be submitted with
    /// `announced: true` (or withdrawn) soon: a batch being formed waits for them.
    public func announce(_ count: Int) {
        guard count > 0 else { return }
        condition.lock()
        announced += count
        condition.unlock()
    }

    /// Takes back announced inputs that will not come (their decoding failed).
    public func withdraw(_ count: Int) {
        guard count > 0 else { return }
        condition.lock()
        announced = max(0, announced - count)
        // Only a batch being gathered waits for announcements.
        if queue.count > queueHead { condition.signal() }
        condition.unlock()
    }

    /// Queues one input; `completion` runs on the batch thread when its batch is done.
    /// Throws `BatcherError.overloaded` at once when the queue is full, and
    /// `BatcherError.stopped` after `stop()`. `announced`: the input was announced,
    /// so it settles one announcement whether or not it is accepted.
    public func submit(_ input: Input, announced wasAnnounced: Bool = false,
                       completion: @escaping Completion) throws {
        condition.lock()
        if wasAnnounced {
            announced = max(0, announced - 1)
            if queue.count > queueHead { condition.signal() }
        }
        if isStopped {
            condition.unlock()
            throw BatcherError.stopped
        }
        let depth = queue.count - queueHead
        if depth >= capacity {
            condition.unlock()
            throw BatcherError.overloaded(queueDepth: depth)
        }
        queue.append(Job(input: input, completion: completion, enqueued: DispatchTime.now().uptimeNanoseconds))
        condition.signal()
        condition.unlock()
        observer.queueDepthChanged(depth + 1)
    }

    /// Runs `input` through `forward` on the calling thread, if the batcher is idle:
    /// not stopped, nothing queued, no forward pass running and no other input announced.
    /// Returns nil, having changed nothing, when it is not; the caller then `submit`s.
    /// `announced`: the input was announced; the announcement is settled when it runs.
    public func runIfIdle(_ input: Input, announced wasAnnounced: Bool = false) -> Result<Output, any Error>? {
        condition.lock()
        guard !isStopped, idle(announcedByCaller: wasAnnounced ? 1 : 0) else {
            condition.unlock()
            return nil
        }
        if wasAnnounced { announced = max(0, announced - 1) }
        forwardBusy = true
        condition.unlock()
        let results = observedForward([input])
        endForward()
        return results.first ?? .failure(BatcherError.missingResult)
    }

    /// Queues one input and blocks the calling thread until its result is ready.
    public func submitAndWait(_ input: Input, announced: Bool = false) throws -> Output {
        let box = ResultBox<Output>()
        try submit(input, announced: announced) { result in box.fulfil(result) }
        return try box.wait().get()
    }

    /// Queues one input and suspends until its result is ready.
    public func submit(_ input: Input, announced: Bool = false) async throws -> Output {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Output, any Error>) in
            do {
                try submit(input, announced: announced) { continuation.resume(with: $0) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Stops taking inputs; those already queued are still run. Blocks until the loop has ended.
    public func stop() {
        condition.lock()
        isStopped = true
        condition.broadcast()
        while running {
            condition.wait()
        }
        condition.unlock()
    }

    /// `forward`, reported to the observer with its size and duration.
    private func observedForward(_ inputs: [Input]) -> [Result<Output, any Error>] {
        observer.batchStarted(inputs.count)
        let started = DispatchTime.now().uptimeNanoseconds
        let results = forward(inputs)
        observer.batchFinished(inputs.count, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        return results
    }

    /// Clears `forwardBusy`; after an inline pass the batch thread may be holding inputs
    /// that arrived meanwhile. Only then is it woken: waking it for an empty queue cost a
    /// lone request two context switches and a contended lock.
    private func endForward() {
        condition.lock()
        forwardBusy = false
        if queue.count > queueHead { condition.broadcast() }
        condition.unlock()
    }

    private func loop() {
        // Running from here, not from `init`: `stop` (and so `deinit`) must not wait
        // for a thread that never got to run. Once stopped, the loop still drains.
        condition.lock()
        running = true
        condition.unlock()
        while let batch = nextBatch() {
            let results = observedForward(batch.map(\.input))
            endForward()
            for (index, job) in batch.enumerated() {
                if index < results.count {
                    job.completion(results[index])
                } else {
                    job.completion(.failure(BatcherError.missingResult))
                }
            }
        }
        condition.lock()
        running = false
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until at least one input waits and no inline forward pass runs, then
    /// gathers up to `maxBatchSize` within `maxWait` of the oldest one's arrival, waiting
    /// only while announced inputs are still to come. Marks the forward pass busy.
    /// Nil once stopped and drained.
    private func nextBatch() -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.count == queueHead || forwardBusy {
            if isStopped && queue.count == queueHead { return nil }
            condition.wait()
        }
        let deadlineNanos = queue[queueHead].enqueued + UInt64(maxWait * 1e9)
        while queue.count - queueHead < maxBatchSize && announced > 0 && !isStopped {
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= deadlineNanos { break }
            let remaining = Double(deadlineNanos - now) / 1e9
            _ = condition.wait(until: Date(timeIntervalSinceNow: remaining))
        }
        let take = min(maxBatchSize, queue.count - queueHead)
        let batch = Array(queue[queueHead ..< queueHead + take])
        forwardBusy = true
        queueHead += take
        // Compact now and then instead of removing from the front every time.
        if queueHead > 1024 || queueHead == queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        let depth = queue.count - queueHead
        observer.queueDepthChanged(depth)
        return batch
    }
}

/// Why a submission failed before its forward pass.
public enum BatcherError: Error, Equatable, CustomStringConvertible {
    case overloaded(queueDepth: Int)
    case stopped
    case missingResult

    public var description: String {
        switch self {
        case .overloaded(let depth): return "the inference queue is full (\(depth) images waiting)"
        case .stopped: return "the server is shutting down"
        case .missingResult: return "the forward pass returned fewer results than inputs"
        }
    }
}
