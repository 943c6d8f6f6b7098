import Testing
@testable import NeuralEngine

/// Finite-difference checks through whole small networks, in training mode (batch
/// statistics in BatchNorm, so the check covers its full backward pass).
///
/// The loss is L = Σ logits ⊙ R for a fixed random R, so dL/dlogits = R exactly and the
/// check isolates the network. Central differences in Float32 with the loss summed in
/// Double, at steps h ∈ {1e-2, 1e-3, 3e-4, 1e-4}.
///
/// Why the criterion is not "every coordinate within 1%": with batch statistics, nudging
/// one weight shifts every unit of a channel, so among thousands of ReLU and max-pool units
/// some are always within h of switching. The loss is piecewise smooth with pieces narrower
/// than any usable h (measured: the central difference drifts towards the analytic value as
/// h shrinks from 1e-2 to 1e-4, until float rounding takes over). Each layer is checked
/// coordinate by coordinate in the layer tests; here the network as a whole must agree:
/// - over all checked coordinates, ‖analytic − numeric‖ ≤ 6% of ‖analytic‖ (numeric: the
///   step closest to the analytic value, per coordinate);
/// - no coordinate off by more than 2e-3 + 25% of its magnitude (a sign error, a missing
///   term or a gradient that does not arrive is off by about 100%).
@Suite struct NetworkGradientTests {
    static func loss(_ network: Network, _ input: Tensor, _ weights: Tensor) -> Double {
        let logits = network.forward(input, training: true)
        return zip(logits.scalars, weights.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    static func check(_ spec: ArchitectureSpec, seed: UInt64, batch: Int = 3) throws {
        let network = try buildNetwork(spec, seed: seed, zeroInitResidualGamma: false)
        ArchitectureTestSupport.randomizeBatchNorms(network, seed: seed + 1)
        let input = ArchitectureTestSupport.randomTensor(spec.inputShape(batchSize: batch), seed: seed + 2)
        let weights = ArchitectureTestSupport.randomTensor([batch, spec.classCount], seed: seed + 3)
        network.zeroGradients()
        _ = network.forward(input, training: true)
        let inputGradient = network.backward(weights)
        let steps: [Float] = [1e-2, 1e-3, 3e-4, 1e-4]

        /// Central differences of the loss at each step, `perturb(δ)` adding δ to one coordinate.
        func numeric(_ perturb: (Float) -> Void) -> [Double] {
            steps.map { h in
                perturb(h)
                let plus = loss(network, input, weights)
                perturb(-2 * h)
                let minus = loss(network, input, weights)
                perturb(h)
                return (plus - minus) / (2 * Double(h))
            }
        }
        var errorSquares = 0.0, analyticSquares = 0.0
        func expectClose(_ analytic: Float, _ numerical: [Double], _ what: String) {
            let a = Double(analytic)
            let closest = numerical.min { abs($0 - a) < abs($1 - a) } ?? .nan
            errorSquares += (a - closest) * (a - closest)
            analyticSquares += a * a
            #expect(abs(a - closest) <= 2e-3 + 0.25 * abs(a), "\(what): analytic \(analytic), numeric \(numerical)")
        }

        var generator = SeededGenerator(seed: seed + 4)
        for _ in 0..<6 {
            let index = Int(generator.next() % UInt64(input.count))
            let numericValues: [Double] = steps.map { h in
                var x = input
                x.scalars[index] += h
                let plus = loss(network, x, weights)
                x.scalars[index] -= 2 * h
                let minus = loss(network, x, weights)
                return (plus - minus) / (2 * Double(h))
            }
            expectClose(inputGradient.scalars[index], numericValues, "input[\(index)]")
        }
        for (name, parameter) in network.namedParameters() where parameter.kind == .trainable {
            for _ in 0..<2 {
                let index = Int(generator.next() % UInt64(parameter.value.count))
                let analytic = parameter.gradient.scalars[index]
                let saved = parameter.value.scalars[index]
                let values = numeric { delta in parameter.value.scalars[index] += delta }
                parameter.value.scalars[index] = saved
                expectClose(analytic, values, "\(name)[\(index)]")
            }
        }
        let relativeError = (errorSquares / analyticSquares).squareRoot()
        #expect(analyticSquares > 0)
        #expect(relativeError <= 0.06, "relative error over all checked coordinates: \(relativeError)")
    }

    @Test func basicBlockResNetGradientsMatchFiniteDifferences() throws {
        let spec = ArchitectureSpec(
            family: .resnet(ResNetSpec(stem: .cifar, stemWidth: 4, block: .basic, widths: [4, 6], depths: [1, 1])),
            inputChannels: 3, inputHeight: 6, inputWidth: 6, classCount: 3)
        try Self.check(spec, seed: 100)
    }

    @Test(arguments: [200, 210, 220] as [UInt64])
    func bottleneckResNetWithImagenetStemGradientsMatchFiniteDifferences(seed: UInt64) throws {
        let spec = ArchitectureSpec(
            family: .resnet(ResNetSpec(stem: .imagenet, stemWidth: 8, block: .bottleneck, widths: [4, 4], depths: [1, 1])),
            inputChannels: 1, inputHeight: 16, inputWidth: 16, classCount: 3)
        try Self.check(spec, seed: seed, batch: 4)
    }

    @Test(arguments: [200, 210, 220] as [UInt64])
    func bottleneckResNetWithCifarStemGradientsMatchFiniteDifferences(seed: UInt64) throws {
        let spec = ArchitectureSpec(
            family: .resnet(ResNetSpec(stem: .cifar, stemWidth: 8, block: .bottleneck, widths: [4, 4], depths: [1, 1])),
            inputChannels: 1, inputHeight: 8, inputWidth: 8, classCount: 3)
        try Self.check(spec, seed: seed, batch: 4)
    }

    @Test func vggWithBatchNormAndClassicHeadGradientsMatchFiniteDifferences() throws {
        let spec = ArchitectureSpec(
            family: .vgg(VGGSpec(layers: [.conv(4), .pool, .conv(6), .pool], batchNorm: true,
                                 head: .classic(hidden: [8], dropout: 0))),
            inputChannels: 3, inputHeight: 8, inputWidth: 8, classCount: 3)
        try Self.check(spec, seed: 300)
    }

    /// A small MobileNetV2: a block without expansion, a strided one, and one that adds its input back.
    @Test(arguments: [500, 510] as [UInt64])
    func mobilenetV2GradientsMatchFiniteDifferences(seed: UInt64) throws {
        let spec = ArchitectureSpec(
            family: .mobilenetV2(MobileNetV2Spec(stemWidth: 4, stages: [
                .init(expansion: 1, channels: 4, repeats: 1, stride: 1),
                .init(expansion: 2, channels: 6, repeats: 2, stride: 2),
            ], lastWidth: 8, dropout: 0)),
            inputChannels: 3, inputHeight: 12, inputWidth: 12, classCount: 3)
        try Self.check(spec, seed: seed, batch: 3)
    }

    @Test func vggWithGlobalPoolHeadGradientsMatchFiniteDifferences() throws {
        let spec = ArchitectureSpec(
            family: .vgg(VGGSpec(layers: [.conv(4), .conv(4), .pool, .conv(6)], batchNorm: false, head: .globalAveragePool)),
            inputChannels: 1, inputHeight: 6, inputWidth: 6, classCount: 3)
        try Self.check(spec, seed: 400)
    }
}
