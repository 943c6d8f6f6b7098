import Testing
@testable import NeuralEngine

@Suite struct BatchNorm2DTests {
    func makeLayer(channels: Int = 3) -> BatchNorm2D {
        let layer = BatchNorm2D(channels: channels, momentum: 0.1, epsilon: 1e-5)
        layer.weight.value = randomTensor([channels], seed: 21, scale: 0.5)
        layer.bias.value = randomTensor([channels], seed: 22, scale: 0.5)
        return layer
    }

    @Test func startsAsIdentityStatisticsWithTorchNames() {
        let layer = BatchNorm2D(channels: 4)
        #expect(layer.namedParameters().map(\.name) == ["weight", "bias", "running_mean", "running_var"])
        #expect(layer.weight.value.scalars == [1, 1, 1, 1])
        #expect(layer.bias.value.scalars == [0, 0, 0, 0])
        #expect(layer.runningMean.value.scalars == [0, 0, 0, 0])
        #expect(layer.runningVariance.value.scalars == [1, 1, 1, 1])
        #expect(layer.runningMean.kind == .buffer && layer.runningVariance.kind == .buffer)
        #expect(layer.momentum == 0.1 && layer.epsilon == 1e-5)
        #expect(layer.trainableParameterCount == 8)
    }

    @Test func trainingNormalisesEachChannelWithBatchStatistics() {
        let layer = BatchNorm2D(channels: 3)
        var input = randomTensor([4, 3, 5, 6], seed: 1, scale: 3)
        for i in input.scalars.indices { input.scalars[i] += 2 }
        let output = layer.forward(input, training: true)
        for c in 0..<3 {
            var values: [Double] = []
            for n in 0..<4 { for i in 0..<30 { values.append(Double(output.scalars[(n * 3 + c) * 30 + i])) } }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            #expect(abs(mean) < 1e-5)
            #expect(abs(variance - 1) < 1e-3)
        }
    }

    @Test func trainingMovesRunningStatisticsTowardsBatchMeanAndUnbiasedVariance() {
        let layer = BatchNorm2D(channels: 2, momentum: 0.25)
        let input = randomTensor([3, 2, 2, 2], seed: 2, scale: 2)
        _ = layer.forward(input, training: true)
        for c in 0..<2 {
            var values: [Double] = []
            for n in 0..<3 { for i in 0..<4 { values.append(Double(input.scalars[(n * 2 + c) * 4 + i])) } }
            let mean = values.reduce(0, +) / 12
            let unbiased = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 11
            #expect(abs(Double(layer.runningMean.value.scalars[c]) - 0.25 * mean) < 1e-5)
            #expect(abs(Double(layer.runningVariance.value.scalars[c]) - (0.75 + 0.25 * unbiased)) < 1e-5)
        }
    }

    @Test func evaluationUsesRunningStatisticsAndLeavesThemAlone() {
        let layer = makeLayer(channels: 2)
        layer.runningMean.value = Tensor(shape: [2], scalars: [0.5, -1])
        layer.runningVariance.value = Tensor(shape: [2], scalars: [4, 0.25])
        let input = randomTensor([2, 2, 3, 3], seed: 3)
        let output = layer.forward(input, training: false)
        for n in 0..<2 {
            for c in 0..<2 {
                let mean = layer.runningMean.value.scalars[c], variance = layer.runningVariance.value.scalars[c]
                let gamma = layer.weight.value.scalars[c], beta = layer.bias.value.scalars[c]
                for i in 0..<9 {
                    let at = (n * 2 + c) * 9 + i
                    let expected = gamma * (input.scalars[at] - mean) / (variance + 1e-5).squareRoot() + beta
                    #expect(abs(output.scalars[at] - expected) < 1e-5)
                }
            }
        }
        #expect(layer.runningMean.value.scalars == [0.5, -1])
        #expect(layer.runningVariance.value.scalars == [4, 0.25])
    }

    @Test func trainingGradientsMatchFiniteDifferences() {
        // Small batches make the coupling through the batch mean and variance strong.
        checkGradients(of: makeLayer(), input: randomTensor([2, 3, 3, 4], seed: 4, scale: 2), probes: 72)
        checkGradients(of: makeLayer(channels: 2), input: randomTensor([5, 2, 1, 1], seed: 5))
    }

    @Test func largeBatchesTakeTheParallelPathAndStillMatchFiniteDifferences() {
        // 8 channels × (4·32·32) values: statistics and the affine pass split across threads.
        // With 32k outputs per channel, Float rounding of the forward pass puts ~1e-3 of noise
        // on each difference quotient, hence the wider step and tolerance than the small
        // checks above, which pin the formula down.
        let layer = makeLayer(channels: 8)
        checkGradients(of: layer, input: randomTensor([4, 8, 32, 32], seed: 8, scale: 2), step: 0.1,
                       absoluteTolerance: 2e-3, relativeTolerance: 1e-2, probes: 10)
    }

    @Test func evaluationInputGradientScalesByGammaOverSigma() {
        let layer = makeLayer(channels: 2)
        layer.runningVariance.value = Tensor(shape: [2], scalars: [4, 0.25])
        let input = randomTensor([1, 2, 2, 2], seed: 6)
        _ = layer.forward(input, training: false)
        let dy = randomTensor([1, 2, 2, 2], seed: 7)
        let dx = layer.backward(dy)
        for c in 0..<2 {
            let factor = layer.weight.value.scalars[c] / (layer.runningVariance.value.scalars[c] + 1e-5).squareRoot()
            for i in 0..<4 { #expect(abs(dx.scalars[c * 4 + i] - factor * dy.scalars[c * 4 + i]) < 1e-6) }
        }
    }
}
