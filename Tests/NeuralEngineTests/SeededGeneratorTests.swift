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
