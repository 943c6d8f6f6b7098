import CBLAS
import Foundation
import Testing
@testable import NeuralEngine

/// `BatchSplit` gives each engine thread a share of the batch with its own scratch and
/// private weight gradient: the result must not depend on the thread count beyond
/// rounding, and must be bit-identical for a given thread count, whether the forward
/// pass's columns were kept for the weight gradient or rebuilt.
@Suite(.serialized) struct Conv2DBatchSplitTests {
    struct Run: Equatable {
        let output: Tensor, inputGradient: Tensor, weightGradient: Tensor, biasGradient: Tensor?
    }

    func run(threads: Int, kernel: Int, padding: Int, stride: Int, keepColumns: Bool = true,
             height: Int = 9, width: Int = 7) -> Run {
        let original = EngineThreads.count
        EngineThreads.set(threads)
        defer { EngineThreads.set(original) }
        var generator = SeededGenerator(seed: 21)
        let layer = Conv2D(inChannels: 3, outChannels: 5, kernelSize: kernel, stride: stride, padding: padding,
                           generator: &generator)
        if !keepColumns { layer.keptColumnsBudget = 0 }
        // Five images: shares of 2+3 (two threads) and 1+2+2 (three threads).
        let input = randomTensor([5, 3, height, width], seed: 22)
        layer.zeroGradients()
        let output = layer.forward(input, training: true)
        let dx = layer.backward(randomTensor(output.shape, seed: 23))
        return Run(output: output, inputGradient: dx, weightGradient: layer.weight.gradient,
                   biasGradient: layer.bias?.gradient)
    }

    @Test("shares give the serial result, and the same bits for the same thread count",
          arguments: [(3, 1, 1), (3, 0, 2), (1, 0, 1)])
    func threadCountDoesNotChangeTheResult(kernel: Int, padding: Int, stride: Int) {
        EngineThreadsLock.hold { checkThreadCounts(kernel: kernel, padding: padding, stride: stride) }
    }

    func checkThreadCounts(kernel: Int, padding: Int, stride: Int) {
        let serial = run(threads: 1, kernel: kernel, padding: padding, stride: stride)
        for threads in [2, 3, 8] {
            let split = run(threads: threads, kernel: kernel, padding: padding, stride: stride)
            #expect(maxAbsoluteDifference(split.output, serial.output) < 1e-5)
            #expect(maxAbsoluteDifference(split.inputGradient, serial.inputGradient) < 1e-5)
            #expect(maxAbsoluteDifference(split.weightGradient, serial.weightGradient) < 1e-4)
            #expect(split == run(threads: threads, kernel: kernel, padding: padding, stride: stride))
            // Columns kept from the forward pass or rebuilt by im2col: the same products.
            #expect(split == run(threads: threads, kernel: kernel, padding: padding, stride: stride,
                                 keepColumns: false))
        }
    }

    @Test("with skipped kernel taps (1×1 and 2×2 maps), shares still give the serial result and the same bits",
          arguments: [(1, 1), (2, 2)])
    func skippedTapsKeepTheSplitExact(height: Int, width: Int) {
        EngineThreadsLock.hold { checkSkippedTaps(height: height, width: width) }
    }

    func checkSkippedTaps(height: Int, width: Int) {
        let stride = height == 1 ? 1 : 2
        let serial = run(threads: 1, kernel: 3, padding: 1, stride: stride, height: height, width: width)
        for threads in [2, 3] {
            let split = run(threads: threads, kernel: 3, padding: 1, stride: stride, height: height, width: width)
            #expect(maxAbsoluteDifference(split.output, serial.output) < 1e-5)
            #expect(maxAbsoluteDifference(split.inputGradient, serial.inputGradient) < 1e-5)
            #expect(maxAbsoluteDifference(split.weightGradient, serial.weightGradient) < 1e-4)
            #expect(split == run(threads: threads, kernel: 3, padding: 1, stride: stride, height: height, width: width))
            #expect(split == run(threads: threads, kernel: 3, padding: 1, stride: stride, keepColumns: false,
                                 height: height, width: width))
        }
    }

    @Test func sharesCoverTheBatchOnceAndDifferByAtMostOneImage() {
        for images in 1...9 {
            for threads in 1...4 {
                let split = BatchSplit(images: images, threads: threads)
                let sizes = (0..<split.tasks).map { split.range(of: $0).count }
                #expect(sizes.reduce(0, +) == images)
                #expect(sizes.max()! - sizes.min()! <= 1 && sizes.max() == split.largestShare)
                #expect(split.tasks == min(images, threads))
            }
        }
    }

    @Test func openBLASGetsItsThreadsBackAfterASplit() {
        EngineThreadsLock.hold(checkOpenBLASThreads)
    }

    func checkOpenBLASThreads() {
        EngineThreads.set(2)
        var insideThreads: Int32 = 0
        EngineThreads.withSerialBLAS {
            EngineThreads.withSerialBLAS { insideThreads = openblas_get_num_threads() }
        }
        #expect(insideThreads == 1)
        // Other suites run convolutions in parallel with this one and open regions of their
        // own; once none is open, OpenBLAS must be back to the engine's thread count.
        var restored = false
        for _ in 0..<2_000 where !restored {
            restored = openblas_get_num_threads() == 2
            if !restored { usleep(1_000) }
        }
        #expect(restored)
    }
}
