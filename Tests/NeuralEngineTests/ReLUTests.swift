import Testing
@testable import NeuralEngine

@Suite struct ReLUTests {
    @Test func zeroesNegativesAndKeepsPositives() {
        let input = Tensor(shape: [1, 5], scalars: [-2, -0.5, 0, 0.5, 3])
        #expect(ReLU().forward(input, training: false).scalars == [0, 0, 0, 0.5, 3])
    }

    @Test func gradientPassesOnlyWhereTheInputWasPositive() {
        let layer = ReLU()
        _ = layer.forward(Tensor(shape: [4], scalars: [-1, 2, 0, 5]), training: true)
        #expect(layer.backward(Tensor(shape: [4], scalars: [10, 20, 30, 40])).scalars == [0, 20, 0, 40])
    }

    @Test func gradientsMatchFiniteDifferences() {
        checkGradients(of: ReLU(), input: wellSeparatedTensor([2, 3, 4, 5], seed: 1), step: 5e-3)
    }

    @Test func largeTensorsTakeTheParallelPathAndAgree() {
        let input = randomTensor([4, 8, 64, 64], seed: 2)
        let output = ReLU().forward(input, training: false)
        #expect(output.scalars == input.scalars.map { $0 > 0 ? $0 : 0 })
    }
}
