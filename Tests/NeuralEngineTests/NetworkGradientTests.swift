import Testing
@testable import NeuralEngine

/// Finite-difference checks through whole small networks, in training mode (batch
/// statistics in BatchNorm, so the check covers its full backward pass).
///
/// The loss is L = Σ logits ⊙ R for a fixed random R, so dL/dlogits = R exactly and the
/// check isolates the network. Central differences with h = 1e-2 in Float32, the loss summed
/// in Double: the truncation error is O(h²) and rounding about 1e-7·|L|/h, so a tolerance
/// of 2e-3 + 2e-2·|g| separates real bugs (sign, missing term: errors of order |g|) from noise.
/// Dropout is 0. A ReLU or max-pool switching within h of a point would show as an outlier;
/// the seeds are fixed, so a failure is reproducible and can be inspected.
@Suite struct NetworkGradientTests {
    static func loss(_ network: Network, _ input: Tensor, _ weights: Tensor) -> Double {
        let logits = network.forward(input, training: true)
        return zip(logits.scalars, weights.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    static func check(_ spec: ArchitectureSpec, seed: UInt64) throws {
        let network = try buildNetwork(spec, seed: seed, zeroInitResidualGamma: false)
        ArchitectureTestSupport.randomizeBatchNorms(network, seed: seed + 1)
        let input = ArchitectureTestSupport.randomTensor(spec.inputShape(batchSize: 3), seed: seed + 2)
        let weights = ArchitectureTestSupport.randomTensor([3, spec.classCount], seed: seed + 3)
        network.zeroGradients()
        _ = network.forward(input, training: true)
        let inputGradient = network.backward(weights)
        let h: Float = 1e-2

        func numeric(_ perturb: (Float) -> Void) -> Double {
            perturb(h)
            let plus = loss(network, input, weights)
            perturb(-2 * h)
            let minus = loss(network, input, weights)
            perturb(h)
            return (plus - minus) / (2 * Double(h))
        }
        func expectClose(_ analytic: Float, _ numerical: Double, _ what: String) {
            let tolerance = 2e-3 + 2e-2 * abs(Double(analytic))
            #expect(abs(Double(analytic) - numerical) <= tolerance, "\(what): analytic \(analytic), numeric \(numerical)")
        }

        var generator = SeededGenerator(seed: seed + 4)
        for _ in 0..<6 {
            let index = Int(generator.next() % UInt64(input.count))
            let numericValue: Double = {
                var x = input
                x.scalars[index] += h
                let plus = loss(network, x, weights)
                x.scalars[index] -= 2 * h
                let minus = loss(network, x, weights)
                return (plus - minus) / (2 * Double(h))
            }()
            expectClose(inputGradient.scalars[index], numericValue, "input[\(index)]")
        }
        for (name, parameter) in network.namedParameters() where parameter.kind == .trainable {
            for _ in 0..<2 {
                let index = Int(generator.next() % UInt64(parameter.value.count))
                let analytic = parameter.gradient.scalars[index]
                let value = numeric { delta in parameter.value.scalars[index] += delta }
                expectClose(analytic, value, "\(name)[\(index)]")
            }
        }
    }

    @Test func basicBlockResNetGradientsMatchFiniteDifferences() throws {
        let spec = ArchitectureSpec(
            family: .resnet(ResNetSpec(stem: .cifar, stemWidth: 4, block: .basic, widths: [4, 6], depths: [1, 1])),
            inputChannels: 3, inputHeight: 6, inputWidth: 6, classCount: 3)
        try Self.check(spec, seed: 100)
    }

    @Test func bottleneckResNetWithImagenetStemGradientsMatchFiniteDifferences() throws {
        let spec = ArchitectureSpec(
            family: .resnet(ResNetSpec(stem: .imagenet, stemWidth: 4, block: .bottleneck, widths: [2, 3], depths: [1, 1])),
            inputChannels: 1, inputHeight: 12, inputWidth: 12, classCount: 3)
        try Self.check(spec, seed: 200)
    }

    @Test func vggWithBatchNormAndClassicHeadGradientsMatchFiniteDifferences() throws {
        let spec = ArchitectureSpec(
            family: .vgg(VGGSpec(layers: [.conv(4), .pool, .conv(6), .pool], batchNorm: true,
                                 head: .classic(hidden: [8], dropout: 0))),
            inputChannels: 3, inputHeight: 8, inputWidth: 8, classCount: 3)
        try Self.check(spec, seed: 300)
    }

    @Test func vggWithGlobalPoolHeadGradientsMatchFiniteDifferences() throws {
        let spec = ArchitectureSpec(
            family: .vgg(VGGSpec(layers: [.conv(4), .conv(4), .pool, .conv(6)], batchNorm: false, head: .globalAveragePool)),
            inputChannels: 1, inputHeight: 6, inputWidth: 6, classCount: 3)
        try Self.check(spec, seed: 400)
    }
}
