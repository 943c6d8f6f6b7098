import Foundation
import Testing
@testable import ClassifierService

/// The decode pool's two bounds (issue #19, item 4): decodes at once, and their
/// estimated memory at once; the inline path counts against both.
@Suite struct DecodePoolTests {
    /// Blocks pool work until opened, and counts how many run at once.
    final class Gate: @unchecked Sendable {
        private let condition = NSCondition()
        private var open = false
        private(set) var running = 0
        private(set) var mostAtOnce = 0

        func pass() {
            condition.lock()
            running += 1
            mostAtOnce = max(mostAtOnce, running)
            while !open { condition.wait() }
            running -= 1
            condition.unlock()
        }

        func openUp() {
            condition.lock()
            open = true
            condition.broadcast()
            condition.unlock()
        }

        var current: Int { condition.lock(); defer { condition.unlock() }; return running }
    }

    func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<1_000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
    }

    @Test func decodesWithinTheMemoryBudgetRunTogetherAndTheRestWait() async throws {
        let pool = DecodePool(width: 4, memoryBudget: 100)
        let gate = Gate()
        async let first = pool.run(bytes: 60) { gate.pass(); return 1 }
        async let second = pool.run(bytes: 30) { gate.pass(); return 2 }
        try await waitUntil { gate.current == 2 }
        // 60 + 30 are in; 20 more do not fit, so this one waits although a slot is free.
        async let third = pool.run(bytes: 20) { gate.pass(); return 3 }
        try await Task.sleep(for: .milliseconds(100))
        #expect(gate.current == 2)
        // Nor may a small one run here, ahead of the waiting one.
        #expect(pool.runHereIfFree(bytes: 1) { 0 } == nil)
        gate.openUp()
        let results = await [first, second, third].map { try? $0.get() }
        #expect(results == [1, 2, 3])
        #expect(gate.mostAtOnce == 2)
        #expect(pool.runHereIfFree(bytes: 100) { 7 } == 7)
    }

    @Test func theInlinePathTakesOneOfTheSlots() async throws {
        let pool = DecodePool(width: 1, memoryBudget: 1_000)
        let gate = Gate()
        async let busy = pool.run(bytes: 1) { gate.pass(); return 1 }
        try await waitUntil { gate.current == 1 }
        #expect(pool.runHereIfFree(bytes: 1) { 2 } == nil)
        gate.openUp()
        #expect(try await busy.get() == 1)
        #expect(pool.runHereIfFree(bytes: 1) { 2 } == 2)
    }

    @Test func aDecodeLargerThanTheWholeBudgetIsRefusedAndAWaitHasAnEnd() async throws {
        let pool = DecodePool(width: 2, memoryBudget: 100, maxWait: .milliseconds(100))
        #expect(await pool.run(bytes: 101) { 0 } == .failure(.exceedsBudget(bytes: 101, budget: 100)))
        let gate = Gate()
        async let holder = pool.run(bytes: 100) { gate.pass(); return 1 }
        try await waitUntil { gate.current == 1 }
        #expect(await pool.run(bytes: 50) { 2 } == .failure(.timedOut))
        gate.openUp()
        #expect(try await holder.get() == 1)
        #expect(try await pool.run(bytes: 50) { 2 }.get() == 2)
    }
}
