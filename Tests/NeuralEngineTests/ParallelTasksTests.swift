import Dispatch
import Foundation
import Testing
@testable import NeuralEngine

/// The engine's thread pool (CEngineKernels' ThreadPool.c) behind `parallelTasks`: every
/// task runs exactly once per step, across many steps back to back (where a worker still
/// leaving one step must not take a task of the next), with several threads submitting
/// at once, and with a task that asks for parallelism itself.
@Suite struct ParallelTasksTests {
    @Test func everyTaskOfEveryStepRunsExactlyOnce() {
        let steps = 3_000, tasks = 5
        var hits = [Int32](repeating: 0, count: steps * tasks)
        hits.withUnsafeMutableBufferPointer { h in
            let base = h.baseAddress!
            for step in 0..<steps {
                parallelTasks(tasks) { task in base[step * tasks + task] += 1 }
            }
        }
        #expect(hits.allSatisfy { $0 == 1 })
    }

    @Test func concurrentSubmittersAndNestedStepsAllComplete() {
        let submitters = 4, steps = 400, tasks = 3, inner = 4
        let totals = UnsafeMutableBufferPointer<Int>.allocate(capacity: submitters)
        totals.initialize(repeating: 0)
        defer { totals.deallocate() }
        let shared = UncheckedBuffer(totals)
        DispatchQueue.concurrentPerform(iterations: submitters) { submitter in
            for _ in 0..<steps {
                var partial = [Int](repeating: 0, count: tasks)
                partial.withUnsafeMutableBufferPointer { p in
                    let base = p.baseAddress!
                    parallelTasks(tasks) { task in
                        // A step inside a task: runs inline, since the pool is busy.
                        var innerHits = [Int](repeating: 0, count: inner)
                        innerHits.withUnsafeMutableBufferPointer { q in
                            let innerBase = q.baseAddress!
                            parallelTasks(inner) { innerBase[$0] += 1 }
                        }
                        base[task] = innerHits.reduce(0, +)
                    }
                }
                shared.buffer[submitter] += partial.reduce(0, +)
            }
        }
        #expect(Array(totals) == [Int](repeating: steps * tasks * inner, count: submitters))
    }

    @Test func zeroAndOneTaskRunInline() {
        var ran = 0
        parallelTasks(0) { _ in ran += 1 }
        #expect(ran == 0)
        parallelTasks(1) { task in ran += 1 + task }
        #expect(ran == 1)
    }
}

/// Each submitter writes only its own element.
private struct UncheckedBuffer: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Int>
    init(_ buffer: UnsafeMutableBufferPointer<Int>) { self.buffer = buffer }
}
