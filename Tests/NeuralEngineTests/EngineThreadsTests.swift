import Foundation
import Testing
@testable import NeuralEngine

@Suite(.serialized) struct EngineThreadsTests {
    @Test func countCanBeSetAndIsAtLeastOne() {
        EngineThreadsLock.hold {
            EngineThreads.set(1)
            #expect(EngineThreads.count == 1)
            EngineThreads.set(0)
            #expect(EngineThreads.count == 1)
            EngineThreads.set(3)
            #expect(EngineThreads.count == 3)
        }
    }

    @Test func parallelForCoversEveryIndexExactlyOnce() {
        EngineThreadsLock.hold {
            EngineThreads.set(4)
            var hits = [Int32](repeating: 0, count: 10_007)
            hits.withUnsafeMutableBufferPointer { h in
                let base = h.baseAddress!
                parallelFor(10_007, minimumChunk: 100) { range in for i in range { base[i] += 1 } }
            }
            #expect(hits.allSatisfy { $0 == 1 })
        }
    }
}

@Suite struct BLASCoreSelectionTests {
    /// CPU feature flags from /proc/cpuinfo (Linux), empty elsewhere.
    static var cpuFlags: Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: ":").last?.split(separator: " ").map(String.init) ?? [])
    }

    @Test func openBLASDoesNotRunGenericKernelsOnAVX2Machines() {
        let core = EngineThreads.blasCore
        #expect(core != nil)
        let flags = Self.cpuFlags
        // The engine itself sets OPENBLAS_CORETYPE when it corrects the choice, so only an
        // explicit request for Prescott excuses it.
        guard flags.contains("avx2"), flags.contains("fma"),
              ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]?.lowercased() != "prescott" else { return }
        #expect(core != "Prescott", "OpenBLAS fell back to SSE3 kernels on a CPU with AVX2")
    }

    @Test func sgemmStillComputesCorrectlyAfterTheSelection() {
        EngineThreads.prepare()
        var generator = SeededGenerator(seed: 1)
        let dense = Dense(inFeatures: 37, outFeatures: 19, generator: &generator)
        let input = randomTensor([11, 37], seed: 2)
        let output = dense.forward(input, training: false)
        for row in 0..<11 {
            for column in 0..<19 {
                var sum = 0.0
                for k in 0..<37 {
                    sum += Double(input.scalars[row * 37 + k]) * Double(dense.weight.value.scalars[column * 37 + k])
                }
                #expect(abs(Double(output.scalars[row * 19 + column]) - sum) < 1e-4)
            }
        }
    }
}
