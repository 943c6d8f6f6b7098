import CEngineKernels
import Testing
@testable import NeuralEngine

/// The depthwise convolution (Depthwise.c) against the dense reference convolution with a
/// block-diagonal filter, finite differences, every kernel set this CPU runs (portable,
/// AVX2, AVX-512), and any thread count.
@Suite struct DepthwiseConv2DTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let kernel: Int, stride: Int, padding: Int, bias: Bool
        let shape: [Int]
        var testDescription: String { "\(kernel)×\(kernel)/\(stride) pad \(padding)\(bias ? "" : " no-bias") on \(shape)" }
    }

    static let cases: [Case] = [
        // MobileNetV2's two kinds, on planes whose rows are and are not whole vectors.
        Case(kernel: 3, stride: 1, padding: 1, bias: false, shape: [2, 3, 8, 16]),
        Case(kernel: 3, stride: 2, padding: 1, bias: true, shape: [3, 4, 9, 13]),
        Case(kernel: 3, stride: 2, padding: 1, bias: false, shape: [1, 5, 14, 14]),
        // Other geometries ONNX graphs may hold: no padding, a 5×5 filter, a wide pad.
        Case(kernel: 3, stride: 1, padding: 0, bias: true, shape: [2, 2, 7, 5]),
        Case(kernel: 5, stride: 1, padding: 2, bias: true, shape: [2, 3, 11, 21]),
        Case(kernel: 3, stride: 2, padding: 2, bias: false, shape: [1, 2, 5, 6]),
        Case(kernel: 1, stride: 1, padding: 0, bias: true, shape: [2, 3, 4, 4]),
    ]

    /// The kernel sets this CPU runs: 0 portable, 1 AVX2 + FMA, 2 AVX-512.
    static let levels = Array(0...engine_cpu_vector_level())

    func makeLayer(_ c: Case, level: Int32) -> DepthwiseConv2D {
        var generator = SeededGenerator(seed: 41)
        let layer = DepthwiseConv2D(channels: c.shape[1], kernelSize: c.kernel, stride: c.stride, padding: c.padding,
                                    bias: c.bias, generator: &generator)
        if let bias = layer.bias { bias.value = randomTensor(bias.value.shape, seed: 42, scale: 0.5) }
        layer.kernelLevelOverride = level
        return layer
    }

    /// The depthwise filter as a dense (C, C, k, k) one, zero between channels.
    static func denseWeight(_ layer: DepthwiseConv2D) -> Tensor {
        let (c, taps) = (layer.channels, layer.kernelSize * layer.kernelSize)
        var dense = [Float](repeating: 0, count: c * c * taps)
        for channel in 0..<c {
            for tap in 0..<taps { dense[(channel * c + channel) * taps + tap] = layer.weight.value.scalars[channel * taps + tap] }
        }
        return Tensor(shape: [c, c, layer.kernelSize, layer.kernelSize], scalars: dense)
    }

    @Test("the forward pass equals the dense convolution with a block-diagonal filter", arguments: cases, levels)
    func forwardMatchesReference(_ c: Case, level: Int32) {
        let layer = makeLayer(c, level: level)
        let input = randomTensor(c.shape, seed: 43)
        let expected = referenceConvolution2D(input: input, weight: Self.denseWeight(layer), bias: layer.bias?.value,
                                              stride: c.stride, padding: c.padding)
        let output = layer.forward(input, training: true)
        #expect(output.shape == expected.shape)
        #expect(maxAbsoluteDifference(output, expected) < 1e-5)
    }

    @Test("gradients match finite differences", arguments: cases, levels)
    func gradientsMatchFiniteDifferences(_ c: Case, level: Int32) {
        checkGradients(of: makeLayer(c, level: level), input: randomTensor(c.shape, seed: 44), probes: 30)
    }

    @Test("every kernel set and thread count gives the same results; one thread count, the same bits")
    func kernelSetsAndThreadCountsAgree() {
        let c = Case(kernel: 3, stride: 2, padding: 1, bias: true, shape: [4, 6, 17, 19])
        func run(level: Int32, threads: Int) -> [Tensor] {
            EngineThreads.set(threads)
            let layer = makeLayer(c, level: level)
            let output = layer.forward(randomTensor(c.shape, seed: 45), training: true)
            let inputGradient = layer.backward(randomTensor(output.shape, seed: 46))
            return [output, inputGradient, layer.weight.gradient, layer.bias!.gradient]
        }
        EngineThreadsLock.hold {
            let portable = run(level: 0, threads: 1)
            for level in Self.levels {
                let serial = run(level: level, threads: 1)
                for (a, b) in zip(serial, portable) { #expect(maxAbsoluteDifference(a, b) < 1e-4) }
                // Each plane and each filter's gradient is one thread's, in one order.
                for threads in [2, 3] { #expect(run(level: level, threads: threads) == serial, "level \(level)") }
            }
        }
    }

    @Test(.enabled(if: engine_cpu_vector_level() < 2, "nothing above AVX-512 to refuse"))
    func aKernelSetTheCPULacksIsRefused() {
        let level = engine_cpu_vector_level()
        var input: [Float] = [1], output: [Float] = [0], weight: [Float] = [1]
        #expect(engine_depthwise_forward(level + 1, &input, 1, 1, &weight, 1, 1, 0, 0, -.infinity, .infinity, &output, 1, 1) == -1)
    }

    @Test func relu6ClampsAndPassesGradientsOnlyInsideItsRange() {
        let layer = ReLU6()
        let input = Tensor(shape: [1, 6], scalars: [-2, 0.5, 3, 5.9, 6.5, 100])
        #expect(layer.forward(input, training: true).scalars == [0, 0.5, 3, 5.9, 6, 6])
        #expect(layer.backward(Tensor(shape: [1, 6], scalars: [1, 2, 3, 4, 5, 6])).scalars == [0, 2, 3, 4, 0, 0])
        // Values 0.02 apart, spread over [-2.4, 7.6]: none is within a probe step of 0 or 6 except by chance.
        let spread = Tensor(shape: [2, 3, 4, 4], scalars: (0..<96).map { Float($0) * 0.105 - 2.39 })
        checkGradients(of: layer, input: spread, step: 1e-3)
    }
}
