import Foundation
import NeuralEngine
import Testing
@testable import Training

/// What `classifier-train import` refuses, each with a reason that names the key, the
/// file or the way out, and fine-tuning an imported network on real photos.
@Suite(.serialized) struct ModelImportTests {
    /// Our resnet18 saved under torchvision's names, the rules restated here on their own
    /// (conv1/bn1, layerI.J, downsample, fc) so that a mistake in the importer's copy shows.
    func torchvisionResNet18(classes: Int = 1000) throws -> [String: Tensor] {
        let network = try buildNetwork(ArchitectureSpec.preset("resnet18", inputSize: 64, channels: 3, classes: classes), seed: 1)
        var tensors: [String: Tensor] = [:]
        for (name, parameter) in network.namedParameters() {
            var key = name.replacingOccurrences(of: "stem.conv.", with: "conv1.")
                .replacingOccurrences(of: "stem.bn.", with: "bn1.")
                .replacingOccurrences(of: ".shortcut.", with: ".downsample.")
            if key.hasPrefix("head.") { key = "fc." + key.dropFirst(5) }
            if key.hasPrefix("stage") {
                let parts = key.split(separator: ".", maxSplits: 2)
                key = "layer\(parts[0].dropFirst(5)).\(parts[1].dropFirst(5)).\(parts[2])"
            }
            tensors[key] = parameter.value
        }
        return tensors
    }

    func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], _ name: String = #function) throws -> String {
        let path = TestSupport.temporaryDirectory(name).appendingPathComponent("weights.safetensors").path
        try SafetensorsFile(tensors: tensors, metadata: metadata).write(to: URL(fileURLWithPath: path))
        return path
    }

    func importError(_ source: String, labels: String? = nil, arch: String? = nil) -> String {
        let out = TestSupport.temporaryDirectory().appendingPathComponent("out.safetensors").path
        do {
            _ = try ModelImport.run(ModelImport.Request(source: source, out: out, arch: arch, labelsPath: labels))
            return "no error"
        } catch {
            #expect(!FileManager.default.fileExists(atPath: out), "a failed import left \(out)")
            return "\(error)"
        }
    }

    @Test func ourRestatementOfTorchvisionsNamesImports() throws {
        let source = try write(torchvisionResNet18())
        let out = TestSupport.temporaryDirectory().appendingPathComponent("out.safetensors").path
        let outcome = try ModelImport.run(ModelImport.Request(source: source, out: out, inputSize: 64))
        #expect(outcome.metadata.architecture.preset == "resnet18")
        #expect(try ModelFile.load(from: URL(fileURLWithPath: out)).metadata.labels.count == 1000)
    }

    @Test func aMissingKeyIsNamedInTheSourcesTerms() throws {
        var tensors = try torchvisionResNet18()
        tensors["layer2.0.downsample.0.weight"] = nil
        #expect(importError(try write(tensors)).contains("missing key layer2.0.downsample.0.weight"))
    }

    @Test func aWrongShapeAndAnUnexpectedKeyAreNamed() throws {
        var tensors = try torchvisionResNet18()
        tensors["layer3.1.bn2.running_var"] = Tensor(zeros: [7])
        tensors["aux_logits.weight"] = Tensor(zeros: [3])
        let message = importError(try write(tensors))
        #expect(message.contains("layer3.1.bn2.running_var is [7], expected [256]"), "\(message)")
        #expect(message.contains("unexpected key aux_logits.weight"), "\(message)")
    }

    @Test func aTruncatedFileIsRefused() throws {
        let path = try write(try torchvisionResNet18())
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        let message = importError(path)
        #expect(message.hasPrefix("cannot import \(path): ") && message.contains("truncated"), "\(message)")
    }

    @Test func picklesAreRefusedWithTheWayToSafetensors() throws {
        let folder = TestSupport.temporaryDirectory()
        for (name, bytes) in [("zip.pth", [0x50, 0x4B, 0x03, 0x04, 0, 0]), ("legacy.pt", [0x80, 0x02, 0x7D, 0x71])] {
            let path = folder.appendingPathComponent(name).path
            try Data(bytes.map(UInt8.init)).write(to: URL(fileURLWithPath: path))
            let message = importError(path)
            #expect(message.contains("PyTorch pickle") && message.contains("save_file"), "\(message)")
        }
    }

    @Test func otherFilesAreRefusedForWhatTheyAre() throws {
        let folder = TestSupport.temporaryDirectory()
        let text = folder.appendingPathComponent("notes.txt").path
        try "hello".write(toFile: text, atomically: true, encoding: .utf8)
        #expect(importError(text).contains("not a safetensors state dict or an ONNX file"))
        #expect(importError(folder.appendingPathComponent("absent.safetensors").path).contains("No such file"))

        let efficientnet = try write(["conv_stem.weight": Tensor(zeros: [32, 3, 3, 3]),
                                      "blocks.0.0.conv_dw.weight": Tensor(zeros: [32, 1, 3, 3]),
                                      "blocks.0.0.se.conv_reduce.weight": Tensor(zeros: [8, 32, 1, 1])])
        #expect(importError(efficientnet).contains("EfficientNet"))
        // A MobileNetV2 cut short: its stages are not the paper's, so its strides are unknown.
        let truncated = try write(["features.0.0.weight": Tensor(zeros: [32, 3, 3, 3]),
                                   "features.1.conv.0.0.weight": Tensor(zeros: [32, 1, 3, 3]),
                                   "features.1.conv.1.weight": Tensor(zeros: [16, 32, 1, 1])])
        #expect(importError(truncated).contains("strides"))

        let network = try buildNetwork(ArchitectureSpec.preset("resnet20", inputSize: 16, channels: 3, classes: 2), seed: 0)
        let ours = folder.appendingPathComponent("ours.safetensors")
        try ModelFile.save(network: network, metadata: ModelMetadata(
            architecture: network.spec, labels: ["a", "b"],
            preprocessing: Preprocessing(inputWidth: 16, inputHeight: 16, channels: 3, mean: [0, 0, 0], std: [1, 1, 1])), to: ours)
        #expect(importError(ours.path).contains("already an ImageClassifier model file"))
    }

    @Test func labelsMustMatchTheHeadAndArchMustMatchTheWeights() throws {
        let source = try write(try torchvisionResNet18(classes: 3))
        #expect(importError(source).contains("3 outputs, not ImageNet's 1000: name them with --labels FILE"))
        let labels = TestSupport.temporaryDirectory().appendingPathComponent("labels.txt").path
        try "cats\ndogs\n".write(toFile: labels, atomically: true, encoding: .utf8)
        #expect(importError(source, labels: labels).contains("2 names for a network with 3 outputs"))
        #expect(importError(source, arch: "resnet50").contains("--arch resnet50 was given, but the weights are resnet18"))
    }

    @Test(.enabled(if: TestSupport.trainBinary != nil))
    func theCommandLineSaysOneLineAndExitsNonZero() throws {
        let folder = TestSupport.temporaryDirectory()
        let pickle = folder.appendingPathComponent("model.pth").path
        try Data([0x80, 0x04, 0x95]).write(to: URL(fileURLWithPath: pickle))
        let result = try TestSupport.run(TestSupport.trainBinary!, ["import", pickle, "--out", folder.appendingPathComponent("m.safetensors").path])
        #expect(result.status != 0)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("classifier-train: error: cannot import \(pickle): this is a PyTorch pickle"), "\(result.stderr)")
    }

    @Test(.enabled(if: TestSupport.trainBinary != nil))
    func theCommandLineImportsAndInspectShowsTheSource() throws {
        let source = try write(try torchvisionResNet18())
        let out = TestSupport.temporaryDirectory().appendingPathComponent("imported.safetensors").path
        let result = try TestSupport.run(TestSupport.trainBinary!, ["import", source, "--out", out, "--input-size", "64"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("imported resnet18 from safetensors state dict (torchvision/timm ResNet names): 11689512 parameters, 1000 classes, input 64×64"), "\(result.stdout)")
        let inspect = try TestSupport.run(TestSupport.trainBinary!, ["inspect", "--model", out])
        #expect(inspect.stdout.contains("imported from: \(source) (safetensors state dict"), "\(inspect.stdout)")
        #expect(inspect.stdout.contains("labels (1000): tench, goldfish"))
        #expect(inspect.stdout.contains("and 980 more"))
    }

    /// The user's loop: a torchvision resnet18 imported, then its head fine-tuned on real
    /// photos with the backbone frozen; the loss falls, and the result classifies photos
    /// through the server's inference path and remembers where its weights came from.
    @Test(.enabled(if: TorchOracle.isAvailable && TestSupport.hymenopteraTrain != nil))
    func anImportedResNetFineTunesOnRealPhotos() throws {
        let folder = TestSupport.temporaryDirectory()
        let oracle = try TestSupport.run("/usr/bin/python3", [TorchOracle.script, "resnet18", "1000", "224", folder.path])
        try #require(oracle.status == 0, "\(oracle.stderr)")
        let imported = folder.appendingPathComponent("imported.safetensors").path
        _ = try ModelImport.run(ModelImport.Request(source: folder.appendingPathComponent("model.safetensors").path, out: imported))

        // 24 photos of each class, linked into a small ImageFolder.
        let photos = folder.appendingPathComponent("photos")
        for name in ["ants", "bees"] {
            let source = URL(fileURLWithPath: TestSupport.hymenopteraTrain!).appendingPathComponent(name)
            let target = photos.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            let files = try FileManager.default.contentsOfDirectory(atPath: source.path).filter { $0.hasSuffix(".jpg") }.sorted()
            for file in files.prefix(24) {
                try FileManager.default.createSymbolicLink(at: target.appendingPathComponent(file),
                                                           withDestinationURL: source.appendingPathComponent(file))
            }
        }
        var configuration = TrainingConfiguration()
        configuration.data = photos.path
        configuration.initFrom = imported
        configuration.freezeBackbone = true
        configuration.epochs = 6
        configuration.batchSize = 16
        configuration.optimizer = .adamw
        configuration.lr = 0.003
        configuration.valSplit = 0.25
        configuration.threads = 2
        configuration.out = folder.appendingPathComponent("tuned.safetensors").path
        let outcome = try TrainingSession.run(configuration: configuration, printer: TestSupport.silentPrinter())
        let losses = outcome.history.map(\.trainLoss)
        #expect(losses.count == 6)
        #expect(losses.last! < losses.first!, "train losses \(losses)")

        let tuned = try ModelFile.load(from: URL(fileURLWithPath: outcome.modelPath))
        #expect(tuned.metadata.labels == ["ants", "bees"])
        #expect(tuned.metadata.preprocessing.inputWidth == 224 && tuned.metadata.preprocessing.resize == .shorterSide)
        #expect(tuned.metadata.provenance?.importedFrom?.path == folder.appendingPathComponent("model.safetensors").path)
        let network = try tuned.makeNetwork()
        let logits = try InferenceNetwork(network).checkedLogits(Tensor(zeros: [1, 3, 224, 224]))
        #expect(logits.shape == [1, 2] && logits.isFinite)
    }

    /// Our pixels for an imported model against torchvision's evaluation transform on the
    /// same real JPEGs. Decoders (Pillow's libjpeg against Debian's libjpeg-turbo) and
    /// resampling round differently, so the bound is on the mean difference (under a quarter
    /// of one 8-bit level after normalisation; measured 0.11) and on the share of values more
    /// than two levels apart (measured 1.8 %; a crop one pixel off gives 24–79 %).
    @Test(.enabled(if: TorchOracle.isAvailable && TestSupport.hymenopteraTrain != nil))
    func preprocessingMatchesTorchvisionsEvaluationTransform() throws {
        let spec = try ArchitectureSpec.preset("resnet18", inputSize: 224, channels: 3, classes: 1000)
        let preprocessing = ModelImport.preprocessing(for: spec)
        let root = URL(fileURLWithPath: TestSupport.hymenopteraTrain!)
        var photos: [String] = []
        for name in ["ants", "bees"] {
            let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(name).path)
                .filter { $0.hasSuffix(".jpg") }.sorted()
            photos += files.prefix(4).map { root.appendingPathComponent(name).appendingPathComponent($0).path }
        }
        let out = TestSupport.temporaryDirectory().appendingPathComponent("torchvision.f32")
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/TrainingTests/Scripts/torchvision_preprocess.py").path
        let result = try TestSupport.run("/usr/bin/python3", [script, out.path] + photos)
        try #require(result.status == 0, "\(result.stderr)")
        let theirs = try TorchOracle.floats(out)
        let loader = try WorkingImageLoader(preprocessing: preprocessing)
        let normalizer = BatchNormalizer(width: 224, height: 224, channels: 3, mean: preprocessing.mean, std: preprocessing.std)
        let ours = normalizer.tensor(try photos.map { try loader.load(path: $0) }).scalars
        try #require(ours.count == theirs.count)
        let differences = zip(ours, theirs).map { abs($0 - $1) }
        let mean = differences.reduce(0, +) / Float(differences.count)
        let level: Float = 1 / (255 * 0.229)  // one 8-bit step, in normalised units (the widest channel)
        let farApart = Float(differences.filter { $0 > 2 * level }.count) / Float(differences.count)
        print("preprocessing vs torchvision on \(photos.count) photos: mean |difference| \(mean) (\(mean / level) levels), "
              + "max \(differences.max() ?? 0), share beyond two levels \(farApart)")
        #expect(mean < 0.25 * level, "mean difference \(mean)")
        #expect(farApart < 0.05, "share of values more than two levels apart: \(farApart)")
    }
}
