import Foundation
import NeuralEngine
import Testing
@testable import Training

/// `classifier-train import` against the oracle: torchvision networks built by Debian's
/// PyTorch, saved as users save them, must give PyTorch's logits once imported, both
/// through the training network and through the server's compiled inference path.
@Suite(.serialized, .enabled(if: TorchOracle.isAvailable)) struct StateDictImportTests {

    /// Runs the oracle and imports its state dict; returns our model, the input and PyTorch's logits.
    func importOracle(_ arch: String, classes: Int, size: Int, flags: [String] = [], labels: [String]? = nil,
                      importedSize: Int? = nil) throws -> (LoadedModel, Tensor, [Float]) {
        let folder = TestSupport.temporaryDirectory("\(arch)\(flags.joined())")
        let result = try TestSupport.run("/usr/bin/python3", [TorchOracle.script, arch, String(classes), String(size), folder.path] + flags)
        try #require(result.status == 0, "oracle: \(result.stderr)")
        var labelsPath: String?
        if let labels {
            labelsPath = folder.appendingPathComponent("labels.txt").path
            try labels.joined(separator: "\n").write(toFile: labelsPath!, atomically: true, encoding: .utf8)
        }
        let out = folder.appendingPathComponent("imported.safetensors").path
        _ = try ModelImport.run(ModelImport.Request(
            source: folder.appendingPathComponent("model.safetensors").path, out: out,
            inputSize: importedSize, labelsPath: labelsPath))
        let model = try ModelFile.load(from: URL(fileURLWithPath: out))
        let input = try TorchOracle.floats(folder.appendingPathComponent("input.f32"))
        let expected = try TorchOracle.floats(folder.appendingPathComponent("logits.f32"))
        return (model, Tensor(shape: [2, 3, size, size], scalars: input), expected)
    }

    /// Ours equals PyTorch's within `tolerance` of the largest logit, on both paths.
    func expectPyTorchLogits(_ model: LoadedModel, _ input: Tensor, _ expected: [Float], tolerance: Float = 1e-4,
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
        let network = try model.makeNetwork()
        let scale = expected.map(abs).max() ?? 1
        let training = network.forward(input, training: false).scalars
        let served = try InferenceNetwork(network).checkedLogits(input).scalars
        for (name, ours) in [("Network.forward", training), ("InferenceNetwork", served)] {
            try #require(ours.count == expected.count, sourceLocation: sourceLocation)
            let worst = zip(ours, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= tolerance * scale, "\(name): max difference \(worst), largest logit \(scale)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test func resnet18WithImageNetHeadGivesPyTorchLogitsAndItsMetadata() throws {
        let (model, input, expected) = try importOracle("resnet18", classes: 1000, size: 224)
        try expectPyTorchLogits(model, input, expected)
        let metadata = model.metadata
        #expect(metadata.architecture.preset == "resnet18")
        #expect(metadata.labels.count == 1000 && metadata.labels[0] == "tench" && metadata.labels[999] == "toilet tissue")
        #expect(metadata.preprocessing.resize == .shorterSide && metadata.preprocessing.inputWidth == 224)
        #expect(metadata.preprocessing.mean == [0.485, 0.456, 0.406] && metadata.preprocessing.std == [0.229, 0.224, 0.225])
        // 224 / 0.875 = 256: torchvision's Resize(256) before CenterCrop(224).
        #expect(Float(metadata.preprocessing.inputWidth) / metadata.preprocessing.cropFraction == 256)
        let source = try #require(metadata.provenance?.importedFrom)
        #expect(source.format.contains("torchvision"))
        let digest = try TestSupport.run("/usr/bin/sha256sum", [source.path]).stdout.prefix(64)
        #expect(source.sha256 == String(digest))
    }

    @Test func resnet50BottlenecksGivePyTorchLogits() throws {
        let (model, input, expected) = try importOracle("resnet50", classes: 10, size: 160,
                                                        labels: (0..<10).map { "class\($0)" }, importedSize: 160)
        #expect(model.metadata.architecture.preset == nil || model.metadata.architecture.preset == "resnet50")
        try expectPyTorchLogits(model, input, expected)
    }

    @Test func vgg11WithBatchNormGivesPyTorchLogits() throws {
        let (model, input, expected) = try importOracle("vgg11_bn", classes: 5, size: 224,
                                                        labels: ["a", "b", "c", "d", "e"])
        #expect(model.metadata.architecture.preset == "vgg11-bn")
        try expectPyTorchLogits(model, input, expected)
    }

    @Test func vgg11InTimmsLayoutGivesPyTorchLogits() throws {
        let (model, input, expected) = try importOracle("vgg11", classes: 3, size: 224, flags: ["--timm-names"],
                                                        labels: ["a", "b", "c"])
        #expect(model.metadata.architecture.preset == "vgg11")
        #expect(model.metadata.provenance?.importedFrom?.format.contains("timm") == true)
        try expectPyTorchLogits(model, input, expected)
    }

    @Test func mobilenetV2WithImageNetHeadGivesPyTorchLogits() throws {
        let (model, input, expected) = try importOracle("mobilenet_v2", classes: 1000, size: 224)
        #expect(model.metadata.architecture.preset == "mobilenet-v2")
        #expect(model.metadata.architecture.parameterCount == 3_504_872)
        #expect(model.metadata.provenance?.importedFrom?.format.contains("torchvision MobileNetV2") == true)
        try expectPyTorchLogits(model, input, expected)
    }

    @Test func mobilenetV2InTimmsNamesGivesPyTorchLogits() throws {
        let (model, input, expected) = try importOracle("mobilenet_v2", classes: 3, size: 160, flags: ["--timm-names"],
                                                        labels: ["a", "b", "c"], importedSize: 160)
        #expect(model.metadata.architecture.preset == "mobilenet-v2")
        #expect(model.metadata.provenance?.importedFrom?.format.contains("timm MobileNetV2") == true)
        try expectPyTorchLogits(model, input, expected)
    }

    @Test func halfPrecisionAndDataParallelKeysAreRead() throws {
        let (model, input, expected) = try importOracle("resnet34", classes: 4, size: 96, flags: ["--half", "--data-parallel"],
                                                        labels: ["w", "x", "y", "z"], importedSize: 96)
        #expect(model.metadata.architecture.preset == "resnet34")
        // Float16 weights carry about three significant digits.
        try expectPyTorchLogits(model, input, expected, tolerance: 2e-2)
    }
}

/// Debian's CPU builds of PyTorch and torchvision under `/usr/bin/python3`, with safetensors.
enum TorchOracle {
    static let isAvailable: Bool = {
        (try? TestSupport.run("/usr/bin/python3", ["-c", "import torch, torchvision, safetensors.torch"]).status) == 0
    }()

    static let script = TestSupport.packageRoot.appendingPathComponent("Tests/TrainingTests/Scripts/torchvision_oracle.py").path

    /// A file of little-endian float32 values, as the oracle scripts write them.
    static func floats(_ url: URL) throws -> [Float] {
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}
