import Foundation
import Testing
@testable import NeuralEngine

/// The model file and the optimizers on real networks from the architecture builder.
@Suite("Model file with real networks")
struct ModelFileNetworkTests {
    /// A few SGD steps in training mode, so weights and BatchNorm running statistics
    /// all differ from their initial values and a lost buffer would show.
    private func trained(_ preset: String, inputSize: Int, classes: Int, seed: UInt64) throws -> Network {
        let spec = try ArchitectureSpec.preset(preset, inputSize: inputSize, channels: 3, classes: classes)
        let network = try buildNetwork(spec, seed: seed)
        let optimizer = try SGD(parameters: network.namedParameters(), momentum: 0.9, weightDecay: 1e-4)
        let loss = SoftmaxCrossEntropy()
        for step in 0..<2 {
            let batch = ArchitectureTestSupport.randomTensor(spec.inputShape(batchSize: 4), seed: seed + UInt64(step))
            network.zeroGradients()
            let logits = network.forward(batch, training: true)
            _ = network.backward(loss.loss(logits: logits, labels: (0..<4).map { $0 % classes }).gradient)
            optimizer.step(learningRate: 0.05)
        }
        return network
    }

    private func metadata(for network: Network) -> ModelMetadata {
        ModelMetadata(architecture: network.spec, labels: (0..<network.spec.classCount).map { "class \($0)" },
                      preprocessing: Preprocessing(inputWidth: network.spec.inputWidth, inputHeight: network.spec.inputHeight,
                                                   channels: 3, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]))
    }

    @Test(arguments: [("resnet20", 16), ("simple-cnn", 24)])
    func saveThenLoadGivesIdenticalLogits(preset: String, inputSize: Int) throws {
        let directory = try ModelFileFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("\(preset).safetensors")
        let original = try trained(preset, inputSize: inputSize, classes: 3, seed: 21)
        try ModelFile.save(network: original, metadata: metadata(for: original), to: url)

        let loaded = try ModelFile.load(from: url)
        let network = try loaded.makeNetwork()
        #expect(network.spec == original.spec)
        let batch = ArchitectureTestSupport.randomTensor(original.spec.inputShape(batchSize: 3), seed: 99)
        let expected = original.forward(batch, training: false)
        #expect(network.forward(batch, training: false) == expected)
        #expect(InferenceNetwork(network).logits(batch) == InferenceNetwork(original).logits(batch))
        #expect(network.namedParameters().map(\.name) == original.namedParameters().map(\.name))
    }

    @Test func pythonSafetensorsSeesTheDottedNamesOfAResNet() throws {
        let directory = try ModelFileFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("resnet20.safetensors")
        let network = try buildNetwork(try ArchitectureSpec.preset("resnet20", inputSize: 16, channels: 3, classes: 4), seed: 1)
        try ModelFile.save(network: network, metadata: metadata(for: network), to: url)
        let script = """
            import json, sys
            from safetensors.numpy import load_file
            print(json.dumps({n: list(t.shape) for n, t in load_file(sys.argv[1]).items()}))
            """
        guard let shapes = try PythonOracle.json(script, [url.path]) as? [String: [Int]] else { return }
        let expected = Dictionary(uniqueKeysWithValues: network.namedParameters().map { ($0.name, $0.parameter.value.shape) })
        #expect(shapes == expected)
        #expect(shapes["stage2.block0.shortcut.0.weight"] == [32, 16, 1, 1])
        #expect(shapes["stem.bn.running_var"] == [16])
        #expect(shapes["head.weight"] == [4, 64])
    }

    @Test func aFileForAnotherArchitectureIsRefusedNamingTheDifferences() throws {
        let directory = try ModelFileFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        let network = try buildNetwork(try ArchitectureSpec.preset("resnet20", inputSize: 16, channels: 3, classes: 3), seed: 1)
        try ModelFile.save(network: network, metadata: metadata(for: network), to: url)
        let loaded = try ModelFile.load(from: url)

        let moreClasses = try buildNetwork(try ArchitectureSpec.preset("resnet20", inputSize: 16, channels: 3, classes: 4), seed: 1)
        do {
            try loaded.apply(to: moreClasses)
            Issue.record("applied a 3-class file to a 4-class network")
        } catch {
            #expect(error.description.contains("wrong shape head.weight (file [3, 64], network [4, 64]), head.bias (file [3], network [4])"))
        }
        let deeper = try buildNetwork(try ArchitectureSpec.preset("resnet32", inputSize: 16, channels: 3, classes: 3), seed: 1)
        do {
            try loaded.apply(to: deeper)
            Issue.record("applied a resnet20 file to a resnet32")
        } catch {
            #expect(error.description.contains("tensors do not match the architecture: missing stage1.block3.conv1.weight"))
        }

        // Metadata that claims a deeper network than the tensors hold.
        var file = try SafetensorsFile(contentsOf: url)
        var claimed = metadata(for: deeper)
        claimed.labels = loaded.metadata.labels
        file.metadata = try claimed.safetensorsMetadata()
        try file.write(to: url)
        #expect(throws: ModelFileError.self) { try ModelFile.load(from: url).makeNetwork() }
    }

    @Test func savingWithMetadataForAnotherNetworkIsRefused() throws {
        let directory = try ModelFileFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let network = try buildNetwork(try ArchitectureSpec.preset("resnet20", inputSize: 16, channels: 3, classes: 3), seed: 1)
        let other = try buildNetwork(try ArchitectureSpec.preset("resnet32", inputSize: 16, channels: 3, classes: 3), seed: 1)
        do {
            try ModelFile.save(network: network, metadata: metadata(for: other), to: directory.appendingPathComponent("m.safetensors"))
            Issue.record("saved with mismatched metadata")
        } catch {
            #expect(error.description.contains(#"__metadata__ "architecture" is invalid: it describes resnet32, not the resnet20 being saved"#))
        }
    }

    @Test func aFrozenBackboneAndBatchNormStatisticsAreLeftToTheirOwners() throws {
        let spec = try ArchitectureSpec.preset("resnet20", inputSize: 16, channels: 3, classes: 3)
        let network = try buildNetwork(spec, seed: 5)
        network.setBackboneFrozen(true)
        for optimizer in [try SGD(parameters: network.namedParameters(), momentum: 0.9, weightDecay: 0.1) as any Optimizer,
                          try AdamW(parameters: network.namedParameters())] {
            #expect(optimizer.parameters.allSatisfy { $0.parameter.kind == .trainable })
            #expect(!optimizer.parameters.contains { $0.name == "stem.bn.running_mean" })
            network.zeroGradients()
            let logits = network.forward(ArchitectureTestSupport.randomTensor(spec.inputShape(batchSize: 2), seed: 3), training: true)
            _ = network.backward(SoftmaxCrossEntropy().loss(logits: logits, labels: [0, 2]).gradient)
            let before = network.namedParameters().map { ($0.name, $0.parameter.value) }
            optimizer.step(learningRate: 0.1)
            for ((name, old), (_, parameter)) in zip(before, network.namedParameters()) {
                if name.hasPrefix("head.") {
                    #expect(parameter.value != old, "\(name) should be trained")
                } else {
                    #expect(parameter.value == old, "\(name) should be untouched")
                }
            }
        }
    }
}
