import Testing
@testable import NeuralEngine

@Suite struct FlattenTests {
    @Test func keepsTheBatchAndJoinsTheRest() {
        let input = randomTensor([2, 3, 4, 5], seed: 1)
        let layer = Flatten()
        let output = layer.forward(input, training: true)
        #expect(output.shape == [2, 60])
        #expect(output.scalars == input.scalars)
        #expect(layer.outputShape(for: [7, 2, 2]) == [7, 4])
        #expect(layer.backward(output).shape == [2, 3, 4, 5])
    }

    @Test func gradientsMatchFiniteDifferences() {
        checkGradients(of: Flatten(), input: randomTensor([2, 2, 3, 1], seed: 2))
    }
}
