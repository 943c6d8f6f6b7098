import Testing
@testable import NeuralEngine

@Suite(.serialized) struct EngineThreadsTests {
    @Test func countCanBeSetAndIsAtLeastOne() {
        let original = EngineThreads.count
        defer { EngineThreads.set(original) }
        EngineThreads.set(1)
        #expect(EngineThreads.count == 1)
        EngineThreads.set(0)
        #expect(EngineThreads.count == 1)
        EngineThreads.set(3)
        #expect(EngineThreads.count == 3)
    }

    @Test func parallelForCoversEveryIndexExactlyOnce() {
        let original = EngineThreads.count
        defer { EngineThreads.set(original) }
        EngineThreads.set(4)
        var hits = [Int32](repeating: 0, count: 10_007)
        hits.withUnsafeMutableBufferPointer { h in
            let base = h.baseAddress!
            parallelFor(10_007, minimumChunk: 100) { range in for i in range { base[i] += 1 } }
        }
        #expect(hits.allSatisfy { $0 == 1 })
    }
}
