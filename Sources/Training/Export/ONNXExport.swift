import Foundation
import NeuralEngine
import ONNXFormat

/// `classifier-train export MODEL --onnx OUT.onnx`: one of our model files as an ONNX
/// graph (opset 17) that onnxruntime runs with the same logits.
///
/// Input `input` (batch, C, H, W) with a symbolic batch, output `logits` (batch, classes).
/// The file's labels, preprocessing and architecture travel as `metadata_props`, in the
/// same JSON as the model file's own metadata, so a server of the ONNX file can label
/// and preprocess as ours does.
public enum ONNXExport {
    public static let opset: Int64 = 17
    /// Opset 17 needs IR version 8; the newest IR (what `onnx` writes by default) is
    /// refused by older onnxruntime releases.
    public static let irVersion: Int64 = 8
    public static let producerName = "ImageClassifier"
    public static let inputName = "input"
    public static let outputName = "logits"

    /// What was written, for the command's one line of output.
    public struct Summary: Sendable, Equatable {
        public var nodeCount: Int
        public var initializerCount: Int
        public var byteCount: Int
    }

    /// Reads the model file at `modelPath`, writes the ONNX graph to `outputPath` atomically.
    @discardableResult
    public static func export(modelPath: String, to outputPath: String) throws -> Summary {
        let model: LoadedModel
        let network: Network
        do {
            model = try ModelFile.load(from: URL(fileURLWithPath: modelPath))
            network = try model.makeNetwork()
        } catch {
            throw TrainingError.incompatibleModel(path: modelPath, reason: "\(error)")
        }
        let proto = try modelProto(network: network, metadata: model.metadata)
        let bytes: [UInt8]
        do {
            bytes = try proto.serializedBytes()
        } catch {
            throw TrainingError.outputNotWritable(path: outputPath, reason: "cannot encode the ONNX graph: \(error)")
        }
        do {
            try AtomicFileWriter.write(bytes, to: URL(fileURLWithPath: outputPath))
        } catch {
            throw TrainingError.outputNotWritable(path: outputPath, reason: "\(error)")
        }
        return Summary(nodeCount: proto.graph.node.count, initializerCount: proto.graph.initializer.count,
                       byteCount: bytes.count)
    }

    /// The whole ONNX model for a network and its metadata.
    static func modelProto(network: Network, metadata: ModelMetadata) throws -> Onnx_ModelProto {
        var builder = ONNXGraphBuilder()
        _ = try builder.add(network, input: inputName)
        builder.renameLastOutput(to: outputName)

        let spec = network.spec
        var graph = Onnx_GraphProto()
        graph.name = spec.preset ?? "classifier"
        graph.node = builder.nodes
        graph.initializer = builder.initializers
        graph.input = [valueInfo(inputName, dims: [nil, spec.inputChannels, spec.inputHeight, spec.inputWidth])]
        graph.output = [valueInfo(outputName, dims: [nil, spec.classCount])]

        var proto = Onnx_ModelProto()
        proto.irVersion = irVersion
        proto.producerName = producerName
        var opsetID = Onnx_OperatorSetIdProto()
        opsetID.domain = ""
        opsetID.version = opset
        proto.opsetImport = [opsetID]
        proto.graph = graph
        let strings: [String: String]
        do {
            strings = try metadata.safetensorsMetadata()
        } catch {
            throw TrainingError.invalidConfiguration("cannot encode the model's metadata: \(error)")
        }
        proto.metadataProps = [ModelMetadata.Key.labels, ModelMetadata.Key.preprocessing, ModelMetadata.Key.architecture]
            .compactMap { key in strings[key].map { entry(key, $0) } }
        return proto
    }

    /// A FLOAT tensor value; a nil dimension is the symbolic `batch`.
    private static func valueInfo(_ name: String, dims: [Int?]) -> Onnx_ValueInfoProto {
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { size in
            var dimension = Onnx_TensorShapeProto.Dimension()
            if let size { dimension.dimValue = Int64(size) } else { dimension.dimParam = "batch" }
            return dimension
        }
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensorType.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = tensorType
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = type
        return info
    }

    private static func entry(_ key: String, _ value: String) -> Onnx_StringStringEntryProto {
        var entry = Onnx_StringStringEntryProto()
        entry.key = key
        entry.value = value
        return entry
    }
}
