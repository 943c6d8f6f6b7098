import Testing
@testable import NeuralEngine

/// Sequential and Residual fuse BatchNorm2D → ReLU and ReLU → 2×2 MaxPool2D pairs in
/// training passes (`LayerChain`): the fused passes must give the bits of the two layers
/// run one by one.
@Suite struct LayerChainTests {
    func makePair() -> (BatchNorm2D, ReLU) {
        let norm = BatchNorm2D(channels: 3)
        norm.weight.value = randomTensor([3], seed: 51, scale: 0.8)
        norm.bias.value = randomTensor([3], seed: 52, scale: 0.5)
        return (norm, ReLU())
    }

    @Test func fusedPassesGiveTheBitsOfTheLayersOneByOne() {
        let input = randomTensor([4, 3, 5, 7], seed: 53, scale: 2)
        let outputGradient = randomTensor([4, 3, 5, 7], seed: 54)

        let (norm, relu) = makePair()
        let separate = relu.forward(norm.forward(input, training: true), training: true)
        let separateGradient = norm.backward(relu.backward(outputGradient))

        let (fusedNorm, fusedReLU) = makePair()
        let chain = Sequential([fusedNorm, fusedReLU])
        let fused = chain.forward(input, training: true)
        #expect(fusedReLU.fusedIntoPrevious)
        let fusedGradient = chain.backward(outputGradient)

        #expect(fused == separate)
        #expect(fusedGradient == separateGradient)
        #expect(fusedNorm.weight.gradient == norm.weight.gradient)
        #expect(fusedNorm.bias.gradient == norm.bias.gradient)
        #expect(fusedNorm.runningMean.value == norm.runningMean.value)
        #expect(fusedNorm.runningVariance.value == norm.runningVariance.value)
        // Some values were rectified, so the mask mattered.
        #expect(fused.scalars.contains(0) && fused.scalars.contains { $0 > 0 })
    }

    @Test func evaluationRunsUnfused() {
        let (norm, relu) = makePair()
        let chain = Sequential([norm, relu])
        let input = randomTensor([2, 3, 4, 4], seed: 55)
        _ = chain.forward(input, training: true)
        let evaluated = chain.forward(input, training: false)
        #expect(!relu.fusedIntoPrevious)
        #expect(evaluated == relu.forward(norm.forward(input, training: false), training: false))
    }

    @Test("a convolution, BatchNorm and ReLU chain, and a residual block, match finite differences")
    func gradientsMatchFiniteDifferences() {
        var generator = SeededGenerator(seed: 56)
        let (norm, relu) = makePair()
        let chain = Sequential([
            Conv2D(inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, generator: &generator), norm, relu,
        ])
        checkGradients(of: chain, input: randomTensor([3, 2, 5, 5], seed: 57), step: 1e-3,
                       absoluteTolerance: 2e-3, relativeTolerance: 2e-2, probes: 30)
        let (norm1, relu1) = makePair()
        let block = Residual(body: [
            ("conv1", Conv2D(inChannels: 3, outChannels: 3, kernelSize: 3, padding: 1, generator: &generator)),
            ("bn1", norm1), ("relu", relu1),
            ("conv2", Conv2D(inChannels: 3, outChannels: 3, kernelSize: 3, padding: 1, generator: &generator)),
        ], shortcut: nil)
        checkGradients(of: block, input: randomTensor([3, 3, 5, 5], seed: 58), step: 1e-3,
                       absoluteTolerance: 2e-3, relativeTolerance: 2e-2, probes: 30)
        #expect(relu1.fusedIntoPrevious)
    }

    @Test("ReLU → MaxPool2D fused gives the bits of the two layers", arguments: [(6, 8), (7, 5)])
    func fusedReLUAndPoolGiveTheBitsOfTheLayersOneByOne(_ size: (Int, Int)) {
        // Mostly negative, so that some windows have no positive value (their gradient is 0)
        // and ties at zero decide nothing; -0.0 and exact ties among positives included.
        var input = randomTensor([3, 4, size.0, size.1], seed: 61, scale: 1)
        for i in input.scalars.indices {
            input.scalars[i] -= 0.6
            if i % 17 == 0 { input.scalars[i] = -0.0 }
            if i % 23 == 1 { input.scalars[i] = input.scalars[i - 1] }
        }
        let pooledShape = MaxPool2D(kernelSize: 2, stride: 2).outputShape(for: input.shape)
        let outputGradient = randomTensor(pooledShape, seed: 62)

        let relu = ReLU(), pool = MaxPool2D(kernelSize: 2, stride: 2)
        let separate = pool.forward(relu.forward(input, training: true), training: true)
        let separateGradient = relu.backward(pool.backward(outputGradient))

        let fusedReLU = ReLU(), fusedPool = MaxPool2D(kernelSize: 2, stride: 2)
        let chain = Sequential([fusedReLU, fusedPool])
        let fused = chain.forward(input, training: true)
        #expect(fusedReLU.fusedIntoNext && fusedPool.rectifiedInput)
        let fusedGradient = chain.backward(outputGradient)
        #expect(fused == separate)
        #expect(fusedGradient == separateGradient)
        #expect(fused.scalars.contains(0) && fused.scalars.contains { $0 > 0 })

        // Evaluation fuses the pair too, with the same values.
        #expect(chain.forward(input, training: false) == pool.forward(relu.forward(input, training: false), training: false))
        #expect(!fusedPool.rectifiedInput)
    }

    @Test func aPoolOtherThanTwoByTwoIsNotFused() {
        let relu = ReLU(), pool = MaxPool2D(kernelSize: 3, stride: 2, padding: 1)
        let chain = Sequential([relu, pool])
        let input = randomTensor([2, 2, 6, 6], seed: 63)
        let output = chain.forward(input, training: true)
        #expect(!relu.fusedIntoNext && !pool.rectifiedInput)
        #expect(output == MaxPool2D(kernelSize: 3, stride: 2, padding: 1)
            .forward(ReLU().forward(input, training: false), training: false))
        #expect(chain.backward(randomTensor(output.shape, seed: 64)).shape == input.shape)
    }
}
