import Testing
@testable import NeuralEngine

@Suite struct DropoutTests {
    @Test func isTheIdentityWhenNotTraining() {
        let layer = Dropout(rate: 0.5, seed: 1)
        let input = randomTensor([3, 10], seed: 2)
        #expect(layer.forward(input, training: false) == input)
        let dy = randomTensor([3, 10], seed: 3)
        #expect(layer.backward(dy) == dy)
    }

    @Test func trainingZeroesAboutRateAndScalesSurvivorsByInverseKeep() {
        let layer = Dropout(rate: 0.3, seed: 4)
        let input = Tensor(repeating: 2, shape: [100, 100])
        let output = layer.forward(input, training: true)
        let kept = output.scalars.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 2 / 0.7) < 1e-5 })
        let dropped = Double(10_000 - kept.count) / 10_000
        #expect(abs(dropped - 0.3) < 0.02)
    }

    @Test func backwardUsesTheForwardMask() {
        let layer = Dropout(rate: 0.5, seed: 5)
        let input = Tensor(repeating: 1, shape: [4, 25])
        let output = layer.forward(input, training: true)
        let dx = layer.backward(Tensor(repeating: 3, shape: [4, 25]))
        #expect(dx.scalars == output.scalars.map { $0 * 3 })
    }

    @Test func sameSeedGivesSameMasksAndDifferentCallsDiffer() {
        let a = Dropout(rate: 0.5, seed: 6), b = Dropout(rate: 0.5, seed: 6)
        let input = Tensor(repeating: 1, shape: [1, 64])
        let first = a.forward(input, training: true)
        #expect(first == b.forward(input, training: true))
        #expect(first != a.forward(input, training: true))
    }

    @Test func rateZeroKeepsEverythingAndRateOneDropsEverything() {
        let input = randomTensor([2, 8], seed: 7)
        #expect(Dropout(rate: 0, seed: 1).forward(input, training: true) == input)
        #expect(Dropout(rate: 1, seed: 1).forward(input, training: true).scalars.allSatisfy { $0 == 0 })
    }
}
