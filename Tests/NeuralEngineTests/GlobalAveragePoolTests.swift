import Testing
@testable import NeuralEngine

@Suite struct GlobalAveragePoolTests {
    @Test func averagesEachPlaneIntoOneFeature() {
        let input = Tensor(shape: [2, 2, 1, 2], scalars: [1, 3, 5, 7, -1, 1, 10, 20])
        let output = GlobalAveragePool().forward(input, training: false)
        #expect(output.shape == [2, 2])
        #expect(output.scalars == [2, 6, 0, 15])
    }

    @Test func gradientsMatchFiniteDifferences() {
        checkGradients(of: GlobalAveragePool(), input: randomTensor([3, 4, 5, 3], seed: 1))
    }
}
