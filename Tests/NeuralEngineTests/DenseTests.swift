import Testing
@testable import NeuralEngine

@Suite struct DenseTests {
    @Test func computesInputTimesWeightTransposedPlusBias() {
        var generator = SeededGenerator(seed: 1)
        let layer = Dense(inFeatures: 3, outFeatures: 2, generator: &generator)
        layer.weight.value = Tensor(shape: [2, 3], scalars: [1, 2, 3, -1, 0, 1])
        layer.bias.value = Tensor(shape: [2], scalars: [0.5, -0.5])
        let input = Tensor(shape: [2, 3], scalars: [1, 1, 1, 2, 0, -1])
        #expect(layer.forward(input, training: false).scalars == [6.5, -0.5, -0.5, -3.5])
    }

    @Test func initialisesHeUniformWeightsAndZeroBias() {
        var generator = SeededGenerator(seed: 2)
        let layer = Dense(inFeatures: 200, outFeatures: 100, generator: &generator)
        let bound = (6 / Float(200)).squareRoot()
        #expect(layer.weight.value.shape == [100, 200])
        #expect(layer.weight.value.scalars.allSatisfy { abs($0) <= bound })
        let variance = layer.weight.value.scalars.reduce(0) { $0 + Double($1) * Double($1) } / 20_000
        #expect(abs(variance / (2.0 / 200) - 1) < 0.05)
        #expect(layer.bias.value.scalars.allSatisfy { $0 == 0 })
        #expect(layer.namedParameters().map(\.name) == ["weight", "bias"])
    }

    @Test func gradientsMatchFiniteDifferences() {
        var generator = SeededGenerator(seed: 3)
        let layer = Dense(inFeatures: 7, outFeatures: 5, generator: &generator)
        layer.bias.value = randomTensor([5], seed: 4)
        checkGradients(of: layer, input: randomTensor([4, 7], seed: 5))
    }

    @Test func acceptsUnflattenedInputWithTheRightFeatureCount() {
        var generator = SeededGenerator(seed: 6)
        let layer = Dense(inFeatures: 12, outFeatures: 3, generator: &generator)
        let input = randomTensor([2, 3, 2, 2], seed: 7)
        let flat = layer.forward(input.reshaped([2, 12]), training: false)
        #expect(layer.forward(input, training: true) == flat)
        #expect(layer.backward(randomTensor([2, 3], seed: 8)).shape == [2, 3, 2, 2])
    }

    @Test func aBatchSplitOverThreadsGivesTheSerialResults() {
        // Large enough (64·512·128 multiply-adds per pass) for the rows to be split.
        let input = randomTensor([64, 512], seed: 9), outputGradient = randomTensor([64, 128], seed: 10)
        func run(threads: Int) -> (output: Tensor, inputGradient: Tensor, weightGradient: Tensor, biasGradient: Tensor) {
            EngineThreads.set(threads)
            var generator = SeededGenerator(seed: 11)
            let layer = Dense(inFeatures: 512, outFeatures: 128, generator: &generator)
            let output = layer.forward(input, training: true)
            let inputGradient = layer.backward(outputGradient)
            return (output, inputGradient, layer.weight.gradient, layer.bias.gradient)
        }
        EngineThreadsLock.hold {
            let serial = run(threads: 1)
            for threads in [2, 3] {
                let split = run(threads: threads)
                #expect(maxAbsoluteDifference(split.output, serial.output) < 1e-4)
                #expect(maxAbsoluteDifference(split.inputGradient, serial.inputGradient) < 1e-4)
                #expect(maxAbsoluteDifference(split.weightGradient, serial.weightGradient) < 1e-4)
                #expect(split.biasGradient == serial.biasGradient)
            }
        }
    }
}
