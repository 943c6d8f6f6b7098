import Testing
@testable import NeuralEngine

/// Every preset, built small: shapes, a finite loss, a gradient that reaches the
/// input, and the same logits from the same seed.
@Suite struct NetworkTests {
    static let classes = 5

    /// The smallest sensible input for each preset (VGG needs 32 for its five pools).
    static func smallSpec(_ name: String) throws -> ArchitectureSpec {
        let size = ["simple-cnn", "resnet20", "resnet32", "resnet56"].contains(name) ? 16 : 32
        let channels = ["simple-cnn", "resnet20", "vgg11"].contains(name) ? 1 : 3
        return try ArchitectureSpec.preset(name, inputSize: size, channels: channels, classes: classes)
    }

    @Test(arguments: ArchitectureSpec.presetNames)
    func presetTrainsForwardAndBackward(name: String) throws {
        let spec = try Self.smallSpec(name)
        let network = try buildNetwork(spec, seed: 11)
        let input = ArchitectureTestSupport.randomTensor(spec.inputShape(batchSize: 2), seed: 5)
        let logits = network.forward(input, training: true)
        #expect(logits.shape == [2, Self.classes])
        #expect(logits.isFinite)
        let (loss, gradient) = SoftmaxCrossEntropy().loss(logits: logits, labels: [1, 3])
        #expect(loss.isFinite && loss > 0)
        let inputGradient = network.backward(gradient)
        #expect(inputGradient.shape == input.shape)
        #expect(inputGradient.isFinite)
        #expect(ArchitectureTestSupport.maxAbs(inputGradient) > 0, "no gradient reached the input")
        // Every trainable parameter received a finite gradient, and the first layer a non-zero one.
        let parameters = network.namedParameters().filter { $0.parameter.kind == .trainable }
        #expect(parameters.allSatisfy { $0.parameter.gradient.isFinite })
        #expect(ArchitectureTestSupport.maxAbs(parameters[0].parameter.gradient) > 0, "\(parameters[0].name)")
    }

    @Test("parameter gradients without the input's are those of backward", arguments: ArchitectureSpec.presetNames)
    func parameterGradientsWithoutTheInputGradientMatchBackward(name: String) throws {
        let spec = try Self.smallSpec(name)
        let input = ArchitectureTestSupport.randomTensor(spec.inputShape(batchSize: 3), seed: 31)
        let outputGradient = ArchitectureTestSupport.randomTensor([3, Self.classes], seed: 32)
        func gradients(_ pass: (Network) -> Void) throws -> [Tensor] {
            let network = try buildNetwork(spec, seed: 33)
            network.zeroGradients()
            _ = network.forward(input, training: true)
            pass(network)
            return network.namedParameters().map(\.parameter.gradient)
        }
        try EngineThreadsLock.hold {
            let full = try gradients { _ = $0.backward(outputGradient) }
            let parametersOnly = try gradients { $0.accumulateParameterGradients(outputGradient) }
            #expect(parametersOnly == full)
        }
        // Every preset starts with a convolution, which skips its input gradient only for
        // that call: backward afterwards still reaches the input.
        let network = try buildNetwork(spec, seed: 33)
        #expect(network.leadingConvolution != nil)
        _ = network.forward(input, training: true)
        network.accumulateParameterGradients(outputGradient)
        _ = network.forward(input, training: true)
        #expect(ArchitectureTestSupport.maxAbs(network.backward(outputGradient)) > 0)
    }

    @Test(arguments: ArchitectureSpec.presetNames)
    func sameSeedGivesSameLogitsAndOtherSeedsDoNot(name: String) throws {
        let spec = try Self.smallSpec(name)
        let input = ArchitectureTestSupport.randomTensor(spec.inputShape(batchSize: 2), seed: 9)
        // The same bits only for the same thread count, which another suite could change.
        let (first, again, other) = try EngineThreadsLock.hold {
            (try buildNetwork(spec, seed: 21).forward(input, training: false),
             try buildNetwork(spec, seed: 21).forward(input, training: false),
             try buildNetwork(spec, seed: 22).forward(input, training: false))
        }
        #expect(first == again)
        #expect(first != other)
    }

    @Test func backboneAndHeadSplitForTransferLearning() throws {
        let spec = try ArchitectureSpec.preset("resnet20", inputSize: 16, channels: 3, classes: 4)
        let network = try buildNetwork(spec, seed: 2)
        let input = ArchitectureTestSupport.randomTensor(spec.inputShape(batchSize: 3), seed: 1)
        let features = network.features(input, training: false)
        #expect(features.shape == [3, 64])
        #expect(network.head.forward(features, training: false) == network.forward(input, training: false))
        network.setBackboneFrozen(true)
        let frozen = network.namedParameters().filter { $0.parameter.isFrozen }.map(\.name)
        #expect(!frozen.contains("head.weight") && frozen.contains("stem.conv.weight"))
        #expect(frozen.count == network.namedParameters().count - 2)
    }
}
