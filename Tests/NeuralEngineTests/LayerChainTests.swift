import Testing
@testable import NeuralEngine

/// Sequential and Residual fuse BatchNorm2D → ReLU pairs in training passes
/// (`LayerChain`): the fused passes must give the bits of the two layers run one by one.
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
}
