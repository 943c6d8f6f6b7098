import Testing
@testable import NeuralEngine

@Suite struct Conv2DTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let channels: Int, filters: Int, kernel: Int, stride: Int, padding: Int, bias: Bool
        let shape: [Int]
        var testDescription: String {
            "\(channels)→\(filters) k\(kernel) s\(stride) p\(padding)\(bias ? "" : " no-bias") on \(shape)"
        }
    }

    static let cases: [Case] = [
        Case(channels: 3, filters: 4, kernel: 3, stride: 1, padding: 1, bias: true, shape: [2, 3, 7, 6]),
        Case(channels: 2, filters: 5, kernel: 3, stride: 2, padding: 1, bias: true, shape: [3, 2, 9, 8]),
        Case(channels: 3, filters: 2, kernel: 5, stride: 1, padding: 2, bias: false, shape: [2, 3, 6, 6]),
        Case(channels: 1, filters: 3, kernel: 7, stride: 2, padding: 3, bias: true, shape: [2, 1, 11, 10]),
        Case(channels: 4, filters: 6, kernel: 1, stride: 1, padding: 0, bias: true, shape: [3, 4, 5, 5]),
        Case(channels: 4, filters: 3, kernel: 1, stride: 2, padding: 0, bias: false, shape: [2, 4, 7, 7]),
        Case(channels: 2, filters: 3, kernel: 3, stride: 3, padding: 0, bias: true, shape: [2, 2, 8, 10]),
        Case(channels: 2, filters: 2, kernel: 2, stride: 1, padding: 1, bias: true, shape: [1, 2, 4, 3]),
        // Padding wider than half the kernel: whole kernel rows and columns see only zeros.
        Case(channels: 2, filters: 2, kernel: 3, stride: 2, padding: 2, bias: true, shape: [2, 2, 5, 4]),
        Case(channels: 3, filters: 2, kernel: 3, stride: 1, padding: 3, bias: false, shape: [1, 3, 4, 5]),
        // Maps so small that some taps only ever read padding and are skipped (ActiveTaps):
        // the centre tap alone on 1×1, four taps for 2×2 → 1×1 at stride 2.
        Case(channels: 3, filters: 4, kernel: 3, stride: 1, padding: 1, bias: true, shape: [3, 3, 1, 1]),
        Case(channels: 2, filters: 3, kernel: 3, stride: 2, padding: 1, bias: false, shape: [2, 2, 2, 2]),
        Case(channels: 2, filters: 3, kernel: 3, stride: 1, padding: 1, bias: true, shape: [2, 2, 1, 3]),
    ]

    func makeLayer(_ c: Case, seed: UInt64 = 1) -> Conv2D {
        var generator = SeededGenerator(seed: seed)
        let layer = Conv2D(inChannels: c.channels, outChannels: c.filters, kernelSize: c.kernel,
                           stride: c.stride, padding: c.padding, bias: c.bias, generator: &generator)
        if let bias = layer.bias { bias.value = randomTensor(bias.value.shape, seed: seed + 7, scale: 0.5) }
        return layer
    }

    @Test("im2col and 1×1 paths equal the reference convolution", arguments: cases)
    func matchesReferenceConvolution(_ c: Case) {
        let layer = makeLayer(c)
        let input = randomTensor(c.shape, seed: 3)
        let expected = referenceConvolution2D(input: input, weight: layer.weight.value,
                                           bias: layer.bias?.value, stride: c.stride, padding: c.padding)
        let output = layer.forward(input, training: false)
        #expect(output.shape == expected.shape)
        #expect(output.shape == layer.outputShape(for: c.shape))
        #expect(maxAbsoluteDifference(output, expected) < 1e-4)
    }

    @Test("batches split into several im2col groups give the same result", arguments: cases.filter { $0.kernel > 1 })
    func groupedBatchesMatchReferenceConvolution(_ c: Case) {
        let layer = makeLayer(c)
        var shape = c.shape
        shape[0] = 5
        let input = randomTensor(shape, seed: 4)
        let g = layer.geometry(for: shape)
        layer.columnBudget = 2 * g.patchSize * g.outputPlane  // groups of 2, 2, 1
        let expected = referenceConvolution2D(input: input, weight: layer.weight.value,
                                           bias: layer.bias?.value, stride: c.stride, padding: c.padding)
        #expect(maxAbsoluteDifference(layer.forward(input, training: false), expected) < 1e-4)
        checkGradients(of: layer, input: input, probes: 25)
    }

    @Test func skippedTapsAreThoseThatOnlyReadPadding() {
        func taps(_ size: (Int, Int), stride: Int) -> [Int]? {
            ActiveTaps(ConvolutionGeometry(channels: 1, height: size.0, width: size.1, kernelHeight: 3,
                                           kernelWidth: 3, stride: stride, padding: 1))?.indices
        }
        #expect(taps((1, 1), stride: 1) == [4])
        #expect(taps((2, 2), stride: 2) == [4, 5, 7, 8])
        #expect(taps((1, 3), stride: 1) == [3, 4, 5])
        #expect(taps((2, 2), stride: 1) == nil)  // every tap reads the input somewhere
        #expect(taps((28, 28), stride: 1) == nil)  // beyond the indexed im2col's planes
    }

    @Test("gradients match finite differences", arguments: cases)
    func gradientsMatchFiniteDifferences(_ c: Case) {
        let layer = makeLayer(c)
        checkGradients(of: layer, input: randomTensor(c.shape, seed: 5))
    }

    @Test("convolutions large enough to split across threads match the oracle and finite differences",
          arguments: [Case(channels: 8, filters: 8, kernel: 3, stride: 1, padding: 1, bias: true, shape: [4, 8, 32, 32]),
                      Case(channels: 8, filters: 6, kernel: 3, stride: 2, padding: 1, bias: false, shape: [4, 8, 32, 32])])
    func parallelPathsMatchOracle(_ c: Case) {
        let layer = makeLayer(c)
        let input = randomTensor(c.shape, seed: 12)
        // Above the per-task work threshold: im2col, col2im and the scatter run in parallel
        // whenever EngineThreads.count > 1 (the default on a multi-core machine).
        let g = layer.geometry(for: c.shape)
        #expect(c.shape[0] * c.channels / chunkSize(forItemCost: 9 * g.outputPlane) >= 2)
        let expected = referenceConvolution2D(input: input, weight: layer.weight.value,
                                           bias: layer.bias?.value, stride: c.stride, padding: c.padding)
        #expect(maxAbsoluteDifference(layer.forward(input, training: false), expected) < 1e-4)
        checkGradients(of: layer, input: input, probes: 30)
    }

    @Test func weightsFollowTruncatedHeNormalInitialisationAndBiasStartsAtZero() {
        var generator = SeededGenerator(seed: 11)
        let layer = Conv2D(inChannels: 32, outChannels: 64, kernelSize: 3, generator: &generator)
        let w = layer.weight.value.scalars.map(Double.init)
        let mean = w.reduce(0, +) / Double(w.count)
        let std = (w.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(w.count)).squareRoot()
        let expected = (2.0 / Double(32 * 9)).squareRoot()
        #expect(abs(mean) < 0.05 * expected)
        #expect(abs(std / expected - 1) < 0.03)
        // Truncated at two standard deviations of the underlying normal, as Keras draws it.
        let bound = 2 * expected / 0.87962566103423978
        #expect(w.allSatisfy { abs($0) <= bound * (1 + 1e-6) })
        #expect(w.contains { abs($0) > 0.9 * bound })
        #expect(layer.bias?.value.scalars.allSatisfy { $0 == 0 } == true)
        #expect(layer.weight.value.shape == [64, 32, 3, 3])
        #expect(layer.namedParameters().map(\.name) == ["weight", "bias"])
    }

    @Test func sameSeedGivesSameWeights() {
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
        let x = Conv2D(inChannels: 3, outChannels: 8, kernelSize: 3, generator: &a)
        let y = Conv2D(inChannels: 3, outChannels: 8, kernelSize: 3, generator: &b)
        #expect(x.weight.value == y.weight.value)
    }

    @Test func withoutBiasThereIsOnlyAWeight() {
        var generator = SeededGenerator(seed: 2)
        let layer = Conv2D(inChannels: 3, outChannels: 8, kernelSize: 1, bias: false, generator: &generator)
        #expect(layer.bias == nil)
        #expect(layer.namedParameters().map(\.name) == ["weight"])
        #expect(layer.isPointwise)
    }

    @Test func backwardAccumulatesIntoParameterGradients() {
        let c = Conv2DTests.cases[1]
        let layer = makeLayer(c)
        let input = randomTensor(c.shape, seed: 8)
        let dy = randomTensor(layer.outputShape(for: c.shape), seed: 9)
        layer.zeroGradients()
        _ = layer.forward(input, training: true)
        _ = layer.backward(dy)
        let once = layer.weight.gradient
        _ = layer.backward(dy)
        let twice = layer.weight.gradient
        let doubled = Tensor(shape: once.shape, scalars: once.scalars.map { 2 * $0 })
        #expect(maxAbsoluteDifference(twice, doubled) < 1e-4)
    }

    @Test func frozenWeightsReceiveNoGradientButInputGradientFlows() {
        let c = Conv2DTests.cases[0]
        let layer = makeLayer(c)
        layer.zeroGradients()
        layer.weight.isFrozen = true
        let input = randomTensor(c.shape, seed: 8)
        _ = layer.forward(input, training: true)
        let dx = layer.backward(randomTensor(layer.outputShape(for: c.shape), seed: 9))
        #expect(layer.weight.gradient.scalars.allSatisfy { $0 == 0 })
        #expect(dx.scalars.contains { $0 != 0 })
    }
}
