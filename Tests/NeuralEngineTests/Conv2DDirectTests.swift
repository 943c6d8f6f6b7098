import CEngineKernels
import Testing
@testable import NeuralEngine

/// The direct 3×3 kernels (Conv2D+Direct.swift) against the naive convolution, finite
/// differences and the im2col path, for every kernel set this CPU runs (AVX-512, AVX2).
/// Each layer picks its kernel set through `directLevelOverride`, so nothing global changes
/// under the suites running beside this one.
@Suite(.enabled(if: !DirectConvolution.availableLevels.isEmpty, "the CPU has neither AVX2 nor AVX-512"))
struct Conv2DDirectTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let channels: Int, filters: Int, bias: Bool
        let shape: [Int]
        var testDescription: String { "\(channels)→\(filters)\(bias ? "" : " no-bias") on \(shape)" }
    }

    static let cases: [Case] = [
        // Planes whose flat length is and is not a multiple of the vector width; blocks of
        // vectors that straddle two images (8×8: 80 positions, 5 of 16 lanes each).
        Case(channels: 3, filters: 8, bias: true, shape: [2, 3, 8, 8]),
        Case(channels: 5, filters: 16, bias: false, shape: [3, 5, 9, 13]),
        Case(channels: 1, filters: 8, bias: true, shape: [1, 1, 12, 8]),
        Case(channels: 16, filters: 16, bias: false, shape: [2, 16, 11, 10]),
        Case(channels: 8, filters: 24, bias: true, shape: [5, 8, 8, 9]),
        // The output channels of the input-gradient convolution (here 3) are not a whole
        // block: the packed weights are padded with zeros.
        Case(channels: 3, filters: 16, bias: true, shape: [2, 3, 2, 30]),
        // Large enough planes that a share is padded and convolved in several chunks, and that
        // the weight gradient takes each plane in several tiles of positions (the last partial).
        Case(channels: 8, filters: 8, bias: true, shape: [13, 8, 40, 40]),
    ]

    static var levels: [Int32] { DirectConvolution.availableLevels }

    func makeLayer(_ c: Case, level: Int32) -> Conv2D {
        var generator = SeededGenerator(seed: 31)
        let layer = Conv2D(inChannels: c.channels, outChannels: c.filters, kernelSize: 3, padding: 1, bias: c.bias,
                           generator: &generator)
        if let bias = layer.bias { bias.value = randomTensor(bias.value.shape, seed: 32, scale: 0.5) }
        layer.directLevelOverride = level
        return layer
    }

    @Test("the forward pass equals the naive convolution", arguments: cases, levels)
    func forwardMatchesNaiveConvolution(_ c: Case, level: Int32) {
        let layer = makeLayer(c, level: level)
        let g = layer.geometry(for: c.shape)
        #expect(layer.directKernelLevel(g) == level)
        let input = randomTensor(c.shape, seed: 33)
        let expected = referenceConvolution2D(input: input, weight: layer.weight.value, bias: layer.bias?.value,
                                           stride: 1, padding: 1)
        for training in [false, true] {
            #expect(maxAbsoluteDifference(layer.forward(input, training: training), expected) < 1e-4)
        }
        #expect(layer.directTrainingLevel == level)
    }

    @Test("gradients match finite differences", arguments: cases.prefix(3), levels)
    func gradientsMatchFiniteDifferences(_ c: Case, level: Int32) {
        checkGradients(of: makeLayer(c, level: level), input: randomTensor(c.shape, seed: 34), probes: 30)
    }

    @Test("output, input gradient and parameter gradients agree with the im2col path", arguments: cases, levels)
    func agreesWithIm2colPath(_ c: Case, level: Int32) {
        let input = randomTensor(c.shape, seed: 35)
        func run(_ layer: Conv2D) -> (Tensor, Tensor, Tensor, Tensor?) {
            layer.zeroGradients()
            let output = layer.forward(input, training: true)
            let inputGradient = layer.backward(randomTensor(output.shape, seed: 36))
            return (output, inputGradient, layer.weight.gradient, layer.bias?.gradient)
        }
        let direct = run(makeLayer(c, level: level))
        let reference = makeLayer(c, level: 0)
        #expect(reference.directKernelLevel(reference.geometry(for: c.shape)) == nil)
        let im2col = run(reference)
        #expect(maxAbsoluteDifference(direct.0, im2col.0) < 1e-4)
        #expect(maxAbsoluteDifference(direct.1, im2col.1) < 1e-4)
        #expect(maxAbsoluteDifference(direct.2, im2col.2) < 1e-3)
        if let directBias = direct.3, let im2colBias = im2col.3 {
            #expect(maxAbsoluteDifference(directBias, im2colBias) < 1e-3)
        }
    }

    @Test("a batch split across threads gives the serial result, and the same bits for the same thread count",
          arguments: levels)
    func threadCountDoesNotChangeTheResult(level: Int32) {
        let c = Case(channels: 4, filters: 8, bias: true, shape: [5, 4, 10, 9])
        func run(threads: Int) -> [Tensor] {
            EngineThreads.set(threads)
            let layer = makeLayer(c, level: level)
            let input = randomTensor(c.shape, seed: 37)
            let output = layer.forward(input, training: true)
            let inputGradient = layer.backward(randomTensor(output.shape, seed: 38))
            return [output, inputGradient, layer.weight.gradient, layer.bias!.gradient]
        }
        EngineThreadsLock.hold {
            let serial = run(threads: 1)
            for threads in [2, 3] {
                let split = run(threads: threads)
                for (a, b) in zip(split, serial) { #expect(maxAbsoluteDifference(a, b) < 1e-4) }
                #expect(split == run(threads: threads))
            }
        }
    }

    @Test("a frozen weight gets no gradient; the input gradient still flows", arguments: levels)
    func frozenWeight(level: Int32) {
        let c = Case(channels: 2, filters: 8, bias: false, shape: [2, 2, 9, 9])
        let layer = makeLayer(c, level: level)
        layer.weight.isFrozen = true
        let input = randomTensor(c.shape, seed: 39)
        let output = layer.forward(input, training: true)
        let inputGradient = layer.backward(randomTensor(output.shape, seed: 40))
        #expect(layer.weight.gradient.scalars.allSatisfy { $0 == 0 })
        let reference = makeLayer(c, level: 0)
        _ = reference.forward(input, training: true)
        #expect(maxAbsoluteDifference(inputGradient, reference.backward(randomTensor(output.shape, seed: 40))) < 1e-4)
    }

    @Test func largePlanesAreProcessedInSeveralChunks() {
        let c = Self.cases.last!
        let layer = makeLayer(c, level: Self.levels[0])
        let chunks = layer.chunks(of: 0..<c.shape[0], planeStride: engine_direct3x3_plane_stride(40, 40))
        #expect(chunks.count > 1)
        #expect(chunks.first?.lowerBound == 0 && chunks.last?.upperBound == c.shape[0])
        #expect(zip(chunks, chunks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
    }

    @Test func layersOutsideTheKernelsTakeTheIm2colPath() {
        var generator = SeededGenerator(seed: 41)
        let level = Self.levels[0]
        func kernelLevel(_ channels: Int, _ filters: Int, kernel: Int = 3, stride: Int = 1, padding: Int = 1,
                         side: Int = 16) -> Int32? {
            let layer = Conv2D(inChannels: channels, outChannels: filters, kernelSize: kernel, stride: stride,
                               padding: padding, generator: &generator)
            layer.directLevelOverride = level
            return layer.directKernelLevel(layer.geometry(for: [1, channels, side, side]))
        }
        #expect(kernelLevel(16, 16) == level)
        #expect(kernelLevel(16, 32, stride: 2) == nil)
        #expect(kernelLevel(16, 16, kernel: 1, padding: 0) == nil)
        #expect(kernelLevel(16, 16, kernel: 5, padding: 2) == nil)
        #expect(kernelLevel(16, 16, padding: 0) == nil)
        #expect(kernelLevel(16, 10) == nil)  // not a whole number of weight-gradient blocks
        #expect(kernelLevel(16, 16, side: 4) == nil)  // too narrow: most lanes would be padding
    }
}
