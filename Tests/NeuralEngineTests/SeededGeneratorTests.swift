import Testing
@testable import NeuralEngine

@Test func sameSeedGivesSameStream() {
    var a = SeededGenerator(seed: 42)
    var b = SeededGenerator(seed: 42)
    for _ in 0..<100 { #expect(a.next() == b.next()) }
}

@Test func uniformStaysInUnitInterval() {
    var g = SeededGenerator(seed: 7)
    for _ in 0..<10_000 {
        let u = g.nextUniform()
        #expect(u >= 0 && u < 1)
    }
}

@Test func truncatedNormalStaysWithinTwoAndHasTheTruncatedVariance() {
    var generator = SeededGenerator(seed: 4)
    let draws = (0..<200_000).map { _ in Double(generator.nextTruncatedNormal()) }
    #expect(draws.allSatisfy { abs($0) <= 2 })
    let mean = draws.reduce(0, +) / Double(draws.count)
    let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count)
    // The variance of N(0, 1) truncated to [−2, 2]: 0.87962566² = 0.77374.
    #expect(abs(mean) < 0.01)
    #expect(abs(variance - 0.77374) < 0.01)
}

@Test func namedParametersAreDottedAndOrdered() {
    final class Leaf: Layer {
        let parameters = [Parameter(name: "weight", value: Tensor(zeros: [2])),
                          Parameter(name: "running_mean", value: Tensor(zeros: [2]), kind: .buffer)]
        func forward(_ input: Tensor, training: Bool) -> Tensor { input }
        func backward(_ outputGradient: Tensor) -> Tensor { outputGradient }
        func outputShape(for inputShape: [Int]) -> [Int] { inputShape }
    }
    let net = Sequential(named: [("stem", Leaf()), ("stage1", Sequential([Leaf(), Leaf()]))])
    #expect(net.namedParameters().map(\.name) == [
        "stem.weight", "stem.running_mean",
        "stage1.0.weight", "stage1.0.running_mean", "stage1.1.weight", "stage1.1.running_mean",
    ])
    #expect(net.trainableParameterCount == 6)
}
