import Foundation
import Testing
@testable import ClassifierService

@Suite struct DynamicBatcherTests {
    final class Sizes: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [Int] = []
        func append(_ size: Int) { lock.lock(); storage.append(size); lock.unlock() }
        var all: [Int] { lock.lock(); defer { lock.unlock() }; return storage }
    }

    @Test func concurrentRequestsShareOneForwardPass() async throws {
        let sizes = Sizes()
        let batcher = DynamicBatcher<Int, Int>(maxBatchSize: 8, maxWait: 0.2, capacity: 64) { inputs in
            sizes.append(inputs.count)
            return inputs.map { .success($0 * 10) }
        }
        batcher.announce(8)  // as the service does before decoding
        let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for value in 0..<8 {
                group.addTask { (value, try await batcher.submit(value, announced: true)) }
            }
            return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
        }
        #expect(results == Dictionary(uniqueKeysWithValues: (0..<8).map { ($0, $0 * 10) }))
        // Eight arrivals well inside the wait make one full batch.
        #expect(sizes.all == [8])
        batcher.stop()
    }

    @Test func aLoneRequestWaitsNoLongerThanMaxWait() throws {
        let batcher = DynamicBatcher<Int, Int>(maxBatchSize: 8, maxWait: 0.01, capacity: 8) { inputs in
            inputs.map { .success($0 + 1) }
        }
        let started = Date()
        #expect(try batcher.submitAndWait(41) == 42)
        #expect(Date().timeIntervalSince(started) < 1.0)
        batcher.stop()
    }

    @Test func aLoneRequestWithNothingAnnouncedDoesNotWait() throws {
        let sizes = Sizes()
        let batcher = DynamicBatcher<Int, Int>(maxBatchSize: 8, maxWait: 30, capacity: 8) { inputs in
            sizes.append(inputs.count)
            return inputs.map { .success($0 + 1) }
        }
        let started = Date()
        #expect(try batcher.submitAndWait(1) == 2)
        #expect(try batcher.submitAndWait(2, announced: false) == 3)
        // Far below the 30 s maxWait: nobody else was on the way.
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(sizes.all == [1, 1])
        batcher.stop()
    }

    @Test func aBatchWaitsForAnnouncedInputsAndStopsWaitingWhenTheyAreWithdrawn() throws {
        let sizes = Sizes()
        let batcher = DynamicBatcher<Int, Int>(maxBatchSize: 8, maxWait: 30, capacity: 8) { inputs in
            sizes.append(inputs.count)
            return inputs.map { .success($0) }
        }
        batcher.announce(3)
        let done = DispatchGroup()
        done.enter()
        try batcher.submit(1, announced: true) { _ in done.leave() }
        usleep(100_000)
        // Still waiting for the two announced inputs: nothing has run.
        #expect(sizes.all.isEmpty)
        done.enter()
        try batcher.submit(2, announced: true) { _ in done.leave() }
        batcher.withdraw(1)  // the third image failed to decode
        let started = Date()
        done.wait()
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(sizes.all == [2])
        batcher.stop()
    }

    @Test func anIdleBatcherRunsALoneInputInlineAndABusyOneDeclines() throws {
        let sizes = Sizes()
        let gate = DispatchSemaphore(value: 0)
        let entered = DispatchSemaphore(value: 0)
        var observer = DynamicBatcher<Int, Int>.Observer()
        observer.batchFinished = { size, _ in sizes.append(size) }
        let batcher = DynamicBatcher<Int, Int>(maxBatchSize: 8, maxWait: 30, capacity: 8, observer: observer) { inputs in
            if inputs.contains(-1) {  // hold the forward pass until the test opens the gate
                entered.signal()
                gate.wait()
            }
            return inputs.map { .success($0 * 2) }
        }
        // Idle: runs on this thread, counted as a batch of one, and settles its announcement.
        batcher.announce(1)
        #expect(try batcher.runIfIdle(21, announced: true)?.get() == 42)
        #expect(sizes.all == [1])
        // Another input announced: it would be worth waiting for, so decline.
        batcher.announce(2)
        #expect(batcher.runIfIdle(1, announced: true) == nil)
        batcher.withdraw(2)
        // A forward pass running on the batch thread: decline, and submit instead.
        let held = Thread { _ = try? batcher.submitAndWait(-1) }
        held.start()
        entered.wait()
        #expect(batcher.runIfIdle(5) == nil)
        let box = ResultBox<Int>()
        try batcher.submit(5) { box.fulfil($0) }
        gate.signal()
        #expect(try box.wait().get() == 10)
        batcher.stop()
        #expect(batcher.runIfIdle(5) == nil)  // stopped
    }

    @Test func aFullQueueRefusesAtOnce() throws {
        let gate = DispatchSemaphore(value: 0)
        let batcher = DynamicBatcher<Int, Int>(maxBatchSize: 1, maxWait: 0, capacity: 2) { inputs in
            gate.wait()
            return inputs.map { .success($0) }
        }
        let done = DispatchGroup()
        // One input runs (blocked in forward), two wait, the fourth is refused.
        for value in 0..<3 {
            done.enter()
            try batcher.submit(value) { _ in done.leave() }
            if value == 0 { while batcher.queueDepth > 0 { usleep(1_000) } }
        }
        #expect(throws: BatcherError.overloaded(queueDepth: 2)) { try batcher.submit(99) { _ in } }
        for _ in 0..<3 { gate.signal() }
        done.wait()
        batcher.stop()
    }

    @Test func perInputFailuresFailOnlyThatInput() throws {
        struct Odd: Error {}
        let batcher = DynamicBatcher<Int, Int>(maxBatchSize: 4, maxWait: 0.05, capacity: 8) { inputs in
            inputs.map { $0 % 2 == 1 ? .failure(Odd()) : .success($0) }
        }
        #expect(try batcher.submitAndWait(2) == 2)
        #expect(throws: Odd.self) { try batcher.submitAndWait(3) }
        batcher.stop()
    }

    @Test func stopRunsWhatIsQueuedThenRefusesNewInputs() throws {
        let batcher = DynamicBatcher<Int, Int>(maxBatchSize: 2, maxWait: 0.05, capacity: 16) { inputs in
            usleep(20_000)
            return inputs.map { .success($0) }
        }
        let answered = ConcurrentResults<Int>(count: 6)
        let group = DispatchGroup()
        for value in 0..<6 {
            group.enter()
            try batcher.submit(value) { result in
                answered[value] = try? result.get()
                group.leave()
            }
        }
        batcher.stop()
        group.wait()
        #expect((0..<6).map { answered[$0] } == [0, 1, 2, 3, 4, 5])
        #expect(throws: BatcherError.stopped) { try batcher.submit(7) { _ in } }
    }
}
