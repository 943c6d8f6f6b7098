import Foundation
import NeuralEngine

/// `classifier-train import`: another framework's network (a state dict saved as
/// safetensors, or an ONNX graph) becomes one of our model files, with its
/// architecture, labels, torchvision's evaluation preprocessing and the source's
/// SHA-256, ready to serve, inspect, or fine-tune with `--init-from`.
public enum ModelImport {
    public struct Request: Sendable {
        public var source: String
        public var out: String
        /// A preset the source must be (an assertion: the architecture is recognised anyway).
        public var arch: String?
        public var inputSize: Int?
        public var labelsPath: String?
        /// The command line, for the model's provenance.
        public var arguments: [String]

        public init(source: String, out: String, arch: String? = nil, inputSize: Int? = nil,
                    labelsPath: String? = nil, arguments: [String] = []) {
            self.source = source
            self.out = out
            self.arch = arch
            self.inputSize = inputSize
            self.labelsPath = labelsPath
            self.arguments = arguments
        }
    }

    public struct Outcome: Sendable {
        public var metadata: ModelMetadata
        public var source: ImportedSource
        public var seconds: Double
    }

    /// ImageNet's channel statistics, which torchvision's and timm's weights expect.
    static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    static let imageNetStd: [Float] = [0.229, 0.224, 0.225]

    public static func run(_ request: Request) throws -> Outcome {
        let started = Date()
        let path = request.source
        let bytes: [UInt8]
        do {
            bytes = try WholeFileReader.read(URL(fileURLWithPath: path))
        } catch {
            throw TrainingError.cannotImport(path: path, reason: error.reason.text)
        }
        var imported: ImportedNetwork
        do throws(ImportFailure) {
            switch try ImportFormat.detect(bytes, path: path) {
            case .safetensors:
                imported = try StateDictImport.read(bytes: bytes, path: path, arch: request.arch, inputSize: request.inputSize)
            case .onnx:
                imported = try onnx(bytes, request: request)
            }
        } catch {
            throw TrainingError.cannotImport(path: path, reason: error.reason)
        }
        let spec = imported.spec
        let labels = try labels(request, classes: spec.classCount)
        let network = try buildNetwork(spec, seed: 0)
        for (name, parameter) in network.namedParameters() {
            guard let tensor = imported.tensors[name], tensor.shape == parameter.value.shape else {
                throw TrainingError.cannotImport(path: path, reason: "no tensor of the right shape for \(name)")
            }
            parameter.value = tensor
        }
        let source = ImportedSource(path: path, sha256: SHA256.hexDigest(bytes), format: imported.format)
        let metadata = ModelMetadata(
            architecture: spec, labels: labels, preprocessing: preprocessing(for: spec),
            provenance: Provenance(createdAt: ISO8601DateFormatter().string(from: Date()),
                                   arguments: request.arguments, importedFrom: source))
        do {
            try ModelFile.save(network: network, metadata: metadata, to: URL(fileURLWithPath: request.out))
        } catch {
            if case .nonFiniteValue = error.reason {
                throw TrainingError.cannotImport(path: path, reason: error.reason.text)
            }
            throw TrainingError.outputNotWritable(path: request.out, reason: error.reason.text)
        }
        return Outcome(metadata: metadata, source: source, seconds: Date().timeIntervalSince(started))
    }

    /// An ONNX graph; its input size is the graph's, so `--input-size` may only confirm it.
    private static func onnx(_ bytes: [UInt8], request: Request) throws(ImportFailure) -> ImportedNetwork {
        let imported: ImportedNetwork
        do {
            imported = try ONNXImport.network(from: Data(bytes))
        } catch let error as ONNXImportError {
            throw ImportFailure(error.reason)
        } catch {
            throw ImportFailure("\(error)")
        }
        let spec = imported.spec
        if let arch = request.arch, arch != spec.preset {
            throw ImportFailure("--arch \(arch) was given, but the graph is \(spec.preset ?? "a ResNet or VGG that is not a preset"); leave --arch out")
        }
        if let size = request.inputSize, size != spec.inputWidth || size != spec.inputHeight {
            throw ImportFailure("--input-size \(size) was given, but the graph's input is \(spec.inputWidth)×\(spec.inputHeight)")
        }
        return imported
    }

    /// torchvision's evaluation transform: the shorter side to input / 0.875 (256 for
    /// 224), a centre crop, then ImageNet's mean and standard deviation.
    static func preprocessing(for spec: ArchitectureSpec) -> Preprocessing {
        let gray = spec.inputChannels == 1
        return Preprocessing(
            inputWidth: spec.inputWidth, inputHeight: spec.inputHeight, channels: spec.inputChannels,
            // A one-channel network gets the mean of ImageNet's three channels.
            mean: gray ? [imageNetMean.reduce(0, +) / 3] : imageNetMean,
            std: gray ? [imageNetStd.reduce(0, +) / 3] : imageNetStd,
            resize: .shorterSide, cropFraction: 0.875)
    }

    private static func labels(_ request: Request, classes: Int) throws -> [String] {
        if let labelsPath = request.labelsPath {
            let names = try LabelTables.read(path: labelsPath)
            guard names.count == classes else {
                throw TrainingError.labelsFile(path: labelsPath, reason: "\(names.count) names for a network with \(classes) outputs")
            }
            return names
        }
        guard classes == ImageNetClassNames.all.count else {
            throw TrainingError.invalidConfiguration(
                "the network has \(classes) outputs, not ImageNet's 1000: name them with --labels FILE (one per line, in output order)")
        }
        return ImageNetClassNames.all
    }
}
