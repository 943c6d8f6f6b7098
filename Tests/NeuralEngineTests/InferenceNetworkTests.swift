import Testing
@testable import NeuralEngine

/// The fused inference path against the training graph in evaluation mode, with
/// BatchNorms given non-trivial statistics so that folding is really tested.
/// Tolerance: 1e-4 relative to the largest logit (absolute 1e-4 when logits are below 1).
@Suite struct InferenceNetworkTests {
    static func compare(_ name: String, size: Int, channels: Int, batch: Int, algorithm: ConvolutionAlgorithm) throws {
        let spec = try ArchitectureSpec.preset(name, inputSize: size, channels: channels, classes: 6)
        let network = try buildNetwork(spec, seed: 31, zeroInitResidualGamma: false)
        ArchitectureTestSupport.randomizeBatchNorms(network, seed: 32)
        let input = ArchitectureTestSupport.randomTensor(spec.inputShape(batchSize: batch), seed: 33)
        let expected = network.forward(input, training: false)
        let fast = InferenceNetwork(network, algorithm: algorithm)
        let logits = fast.logits(input)
        #expect(logits.shape == expected.shape)
        let scale = max(1, ArchitectureTestSupport.maxAbs(expected))
        let difference = ArchitectureTestSupport.maxAbsDifference(logits, expected)
        #expect(difference <= 1e-4 * scale, "\(name)@\(size) \(algorithm): max difference \(difference), scale \(scale)")
    }

    @Test(arguments: [
        ("simple-cnn", 24, 3), ("simple-cnn", 28, 1), ("vgg11-bn", 32, 3), ("vgg13", 32, 1), ("resnet18", 64, 3),
        ("resnet50", 32, 3), ("resnet20", 16, 1), ("resnet32", 15, 3), ("mobilenet-v2", 64, 3), ("mobilenet-v2", 33, 1),
    ], ConvolutionAlgorithm.allCases)
    func fusedLogitsEqualEvaluationModeGraph(preset: (String, Int, Int), algorithm: ConvolutionAlgorithm) throws {
        try Self.compare(preset.0, size: preset.1, channels: preset.2, batch: 3, algorithm: algorithm)
    }

    @Test func resultsDoNotDependOnTheBatchOrOnEarlierCalls() throws {
        let spec = try ArchitectureSpec.preset("resnet20", inputSize: 12, channels: 3, classes: 4)
        let network = try buildNetwork(spec, seed: 4, zeroInitResidualGamma: false)
        ArchitectureTestSupport.randomizeBatchNorms(network, seed: 5)
        let fast = InferenceNetwork(network)
        let batch = ArchitectureTestSupport.randomTensor(spec.inputShape(batchSize: 5), seed: 6)
        // Compares the bits of two runs: no other test may change the thread count between them.
        EngineThreadsLock.hold {
            let all = fast.logits(batch)
            // One image at a time, after a bigger batch (the buffers are reused, not shrunk).
            let imageSize = 3 * 12 * 12
            for n in 0..<5 {
                let one = Tensor(shape: [1, 3, 12, 12], scalars: Array(batch.scalars[n * imageSize..<(n + 1) * imageSize]))
                let logits = fast.logits(one)
                let row = Tensor(shape: [1, 4], scalars: Array(all.scalars[n * 4..<(n + 1) * 4]))
                // Different GEMM widths sum in different orders: equal to float rounding, not bitwise.
                #expect(ArchitectureTestSupport.maxAbsDifference(logits, row) <= 1e-4 * max(1, ArchitectureTestSupport.maxAbs(row)))
            }
            #expect(fast.logits(batch) == all)
        }
    }

    /// The Winograd kernel sets this CPU runs (2 AVX-512, 1 AVX2 + FMA, 0 portable): each is tested.
    static let winogradLevels = Array(0...WinogradConvolution.bestLevel)

    /// One 3×3 convolution with bias, a residual and ReLU, run by `algorithm` on kernel set `level`.
    static func convolve(_ algorithm: ConvolutionAlgorithm, level: Int32 = WinogradConvolution.bestLevel,
                         height: Int, width: Int, c: Int, k: Int, n: Int) -> [Float] {
        var generator = SeededGenerator(seed: UInt64(height * 100 + width * 10 + c))
        // He-scaled weights and unit inputs: outputs of order 1, as in a trained network.
        let std = (2 / Float(c * 9)).squareRoot()
        let weight = (0..<k * c * 9).map { _ in generator.nextNormal() * std }
        let bias = (0..<k).map { _ in generator.nextNormal() }
        let input = (0..<c * n * height * width).map { _ in generator.nextNormal() }
        let residual = (0..<k * n * height * width).map { _ in generator.nextNormal() }
        let conv = FusedConvolution(inChannels: c, outChannels: k, kernelSize: 3, stride: 1, padding: 1,
                                    weight: weight, bias: bias, scale: nil, shift: nil, activation: .relu,
                                    algorithm: algorithm, winogradLevel: level)
        #expect((conv.tile(forBatch: n) != 0) == (algorithm != .im2col))
        var output = [Float](repeating: .nan, count: k * n * height * width)
        var workspace = [Float](repeating: 0, count: max(1, conv.workspaceSize(batch: n, height: height, width: width)))
        input.withUnsafeBufferPointer { x in
            residual.withUnsafeBufferPointer { r in
                output.withUnsafeMutableBufferPointer { y in
                    workspace.withUnsafeMutableBufferPointer { w in
                        conv.run(input: x.baseAddress!, output: y.baseAddress!, residual: r.baseAddress!,
                                 batch: n, height: height, width: width, workspace: w.baseAddress!,
                                 workspaceCount: w.count)
                    }
                }
            }
        }
        return output
    }

    /// Each Winograd variant on each kernel set against im2col + GEMM on one convolution,
    /// with partial tiles at the edges (sizes not multiples of 2 or 4), partial blocks of
    /// tiles and of output channels (k = 7), a residual, bias and ReLU, and wide channel
    /// sums (C = 64) where transform rounding accumulates.
    @Test(arguments: [ConvolutionAlgorithm.winograd2x2, .winograd4x4], winogradLevels)
    func winogradMatchesDirectConvolutionOnOddSizes(algorithm: ConvolutionAlgorithm, level: Int32) throws {
        for (height, width, c) in [(7, 7, 5), (9, 5, 5), (1, 1, 5), (2, 3, 5), (13, 11, 64), (8, 8, 64), (30, 29, 3)] {
            let direct = Self.convolve(.im2col, height: height, width: width, c: c, k: 7, n: 2)
            let fast = Self.convolve(algorithm, level: level, height: height, width: width, c: c, k: 7, n: 2)
            #expect(direct.allSatisfy { $0.isFinite })
            let difference = zip(direct, fast).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
            #expect(difference <= 1e-4, "\(algorithm) level \(level) \(height)×\(width)×\(c): \(difference)")
        }
    }

    /// The Winograd kernels sum every output over input channels in one order, whichever
    /// thread, block of tiles or lane computes it: 1, 2 and 3 threads give the same bits,
    /// whether the work is split by tiles (many tiles) or by output channels (few tiles).
    @Test(arguments: winogradLevels)
    func winogradBitsDoNotDependOnTheThreadSplit(level: Int32) {
        EngineThreadsLock.hold {
            for (height, width, n) in [(40, 36, 3), (7, 7, 1)] {
                EngineThreads.set(1)
                let serial = Self.convolve(.winograd4x4, level: level, height: height, width: width, c: 16, k: 40, n: n)
                for threads in [2, 3] {
                    EngineThreads.set(threads)
                    let split = Self.convolve(.winograd4x4, level: level, height: height, width: width, c: 16, k: 40, n: n)
                    #expect(split == serial, "level \(level), \(threads) threads, \(height)×\(width)×\(n)")
                }
            }
        }
    }

    /// A calibration times each 3×3 stride-1 convolution's paths per batch size and keeps
    /// the fastest; the logits stay those of the graph, for calibrated batch sizes and
    /// for those in between (which use the smaller calibrated size's choices).
    @Test func calibrationChoosesAPathPerConvolutionAndBatchAndKeepsTheLogits() throws {
        let spec = try ArchitectureSpec.preset("resnet20", inputSize: 16, channels: 3, classes: 5)
        let network = try buildNetwork(spec, seed: 12, zeroInitResidualGamma: false)
        ArchitectureTestSupport.randomizeBatchNorms(network, seed: 13)
        let fast = InferenceNetwork(network)
        #expect(fast.convolutionPlan.isEmpty)
        let choices = fast.calibrate(batchSizes: [4, 1, 4], repetitions: 1)
        // resnet20: 19 convolutions of 3×3, two of them strided, and two 1×1 projections.
        // The 17 of stride 1 have three paths of the engine's own; with oneDNN every
        // convolution is a candidate, oneDNN or im2col for the others.
        let oneDNN = FusedConvolution.oneDNNEnabled && OneDNNConvolution.isAvailable
        #expect(choices.count == 2 * (oneDNN ? 21 : 17))
        #expect(Set(choices.map(\.batch)) == [1, 4])
        for choice in choices {
            let winograd = choice.step.hasPrefix("conv 3×3/1")
            let paths = Set(winograd ? ["im2col", "winograd-2x2", "winograd-4x4"] : ["im2col"])
                .union(oneDNN ? ["onednn"] : [])
            #expect(paths.contains(choice.path))
            #expect(Set(choice.milliseconds.keys) == paths, "\(choice.step)")
            #expect(choice.milliseconds[choice.path] == choice.milliseconds.values.min())
        }
        #expect(fast.convolutionPlan == choices)
        for batch in [1, 2, 4, 7] {
            let input = ArchitectureTestSupport.randomTensor(spec.inputShape(batchSize: batch), seed: UInt64(20 + batch))
            let expected = network.forward(input, training: false)
            let difference = ArchitectureTestSupport.maxAbsDifference(fast.logits(input), expected)
            #expect(difference <= 1e-4 * max(1, ArchitectureTestSupport.maxAbs(expected)), "batch \(batch): \(difference)")
        }
        // An explicit algorithm is kept as asked.
        #expect(InferenceNetwork(network, algorithm: .im2col).calibrate(batchSizes: [1]).isEmpty)
    }

    @Test func measuredChoicesApplyFromTheirBatchSizeOn() {
        let conv = FusedConvolution(inChannels: 8, outChannels: 8, kernelSize: 3, stride: 1, padding: 1,
                                    weight: [Float](repeating: 0.1, count: 8 * 8 * 9), bias: nil, scale: nil, shift: nil,
                                    activation: .none, algorithm: .winograd4x4)
        #expect(conv.tile(forBatch: 3) == 4)
        conv.record(tile: 2, forBatch: 1)
        conv.record(tile: 0, forBatch: 8)
        #expect([1, 5, 7, 8, 100].map { conv.tile(forBatch: $0) } == [2, 2, 2, 0, 0])
        conv.record(tile: 4, forBatch: 8)   // measured again: replaces
        #expect(conv.tile(forBatch: 9) == 4)
        let strided = FusedConvolution(inChannels: 8, outChannels: 8, kernelSize: 3, stride: 2, padding: 1,
                                       weight: [Float](repeating: 0.1, count: 8 * 8 * 9), bias: nil, scale: nil,
                                       shift: nil, activation: .none, algorithm: .winograd4x4)
        #expect(strided.candidateTiles.filter { $0 != FusedConvolution.oneDNNPath } == [0])
        #expect(strided.tile(forBatch: 1) == 0)
    }

    @Test func automaticUsesWinogradOnlyOnWideConvolutions() throws {
        #expect(ConvolutionAlgorithm.automatic.winogradTile(inChannels: 16, outChannels: 16) == 0)
        #expect(ConvolutionAlgorithm.automatic.winogradTile(inChannels: 64, outChannels: 64) == 4)
        #expect(ConvolutionAlgorithm.im2col.winogradTile(inChannels: 512, outChannels: 512) == 0)
        let spec = try ArchitectureSpec.preset("resnet20", inputSize: 16, channels: 3, classes: 3)
        let paths = InferenceNetwork(try buildNetwork(spec, seed: 1))
            .profile(ArchitectureTestSupport.randomTensor(spec.inputShape(batchSize: 1), seed: 2))
            .map(\.description).filter { $0.hasPrefix("conv 3×3/1") }
        // The stem and stage 1 (16 channels) by im2col; stages 2 and 3 less their first, strided, convolution.
        #expect(paths.filter { $0.contains("winograd") }.count == 10)
        #expect(paths.filter { $0.contains("16→16") && $0.contains("winograd") }.isEmpty)
    }

    @Test func checkedLogitsRefusesWrongShapesAndNonFiniteInput() throws {
        let spec = try ArchitectureSpec.preset("resnet20", inputSize: 8, channels: 1, classes: 3)
        let fast = InferenceNetwork(try buildNetwork(spec, seed: 1))
        #expect(throws: InferenceError.wrongInputShape(expected: [1, 8, 8], got: [2, 3, 8, 8])) {
            try fast.checkedLogits(Tensor(zeros: [2, 3, 8, 8]))
        }
        #expect(throws: InferenceError.wrongInputShape(expected: [1, 8, 8], got: [0, 1, 8, 8])) {
            try fast.checkedLogits(Tensor(zeros: [0, 1, 8, 8]))
        }
        var bad = Tensor(zeros: [1, 1, 8, 8])
        bad.scalars[3] = .nan
        #expect(throws: InferenceError.nonFiniteInput) { try fast.checkedLogits(bad) }
        #expect(try fast.checkedLogits(Tensor(zeros: [2, 1, 8, 8])).shape == [2, 3])
    }
}

/// The inference Dense layer shares its output features among threads, and takes a
/// matrix-vector product for a lone image: both against the plain sum.
@Suite struct FusedDenseTests {
    @Test(arguments: [1, 3])
    func matchesTheSumOnAnyBatchAndThreadCount(batch: Int) {
        var generator = SeededGenerator(seed: UInt64(40 + batch))
        let inputs = 97, outputs = 301
        let weight = (0..<outputs * inputs).map { _ in generator.nextNormal() * 0.1 }
        let bias = (0..<outputs).map { _ in generator.nextNormal() }
        let x = (0..<batch * inputs).map { _ in generator.nextNormal() }
        let dense = FusedDense(weight: weight, bias: bias, inFeatures: inputs, outFeatures: outputs, relu: true)
        var expected = [Float](repeating: 0, count: batch * outputs)
        for n in 0..<batch {
            for o in 0..<outputs {
                var sum = Double(bias[o])
                for i in 0..<inputs { sum += Double(weight[o * inputs + i]) * Double(x[n * inputs + i]) }
                expected[n * outputs + o] = Float(max(sum, 0))
            }
        }
        EngineThreadsLock.hold {
            for threads in [1, 2, 3] {
                EngineThreads.set(threads)
                var y = [Float](repeating: .nan, count: batch * outputs)
                y.withUnsafeMutableBufferPointer { out in dense.run(input: x, output: out.baseAddress!, batch: batch) }
                let difference = zip(y, expected).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
                #expect(difference <= 1e-4, "batch \(batch), \(threads) threads: \(difference)")
            }
        }
    }
}
