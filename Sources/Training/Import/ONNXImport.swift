import Foundation
import NeuralEngine
import ONNXFormat
import SwiftProtobuf

/// An ONNX classifier graph as one of our networks: the ResNets and VGGs that
/// `torch.onnx.export` writes for torchvision's models (BatchNorm folded into the Conv
/// or kept), and the graphs `classifier-train export` writes.
///
/// Reading goes in three steps: the graph into our layers' vocabulary
/// (`ONNXGraphReader`), that into an architecture (`ONNXArchitectureRecognition`), and
/// the network that architecture builds, layer by layer beside the graph, into tensors
/// under our names (`ONNXWeightAssignment`).
public enum ONNXImport {
    /// Files larger than this are refused before reading: protobuf caps a message at 2 GiB.
    static let byteLimit = 2 << 30

    public static func read(contentsOf url: URL) throws -> ImportedNetwork {
        let path = url.path
        do {
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            guard let size else { throw ONNXImportError("no such file, or it cannot be read") }
            guard size <= byteLimit else {
                throw ONNXImportError("the file has \(size) bytes, beyond protobuf's 2 GiB")
            }
            let bytes: Data
            do {
                bytes = try Data(contentsOf: url)
            } catch {
                throw ONNXImportError("cannot read the file: \(error.localizedDescription)")
            }
            return try network(from: bytes)
        } catch let error as ONNXImportError {
            throw TrainingError.cannotImport(path: path, reason: error.reason)
        }
    }

    static func network(from bytes: Data) throws -> ImportedNetwork {
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: bytes)
        } catch {
            throw ONNXImportError("not an ONNX model (the protobuf does not decode: \(error))")
        }
        guard model.hasGraph, !model.graph.node.isEmpty else {
            throw ONNXImportError("not an ONNX model: it has no graph")
        }
        let opsets = model.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        guard let opset = opsets.first?.version else {
            throw ONNXImportError("the model imports no version of the default ONNX operator set")
        }
        if let other = model.opsetImport.first(where: { !($0.domain.isEmpty || $0.domain == "ai.onnx") }) {
            throw ONNXImportError("the model uses the operator set '\(other.domain)'; only the default ONNX operators can be imported")
        }

        var reader = try ONNXGraphReader(graph: model.graph)
        let operations = try reader.read()
        let spec = try ONNXArchitectureRecognition.spec(
            of: operations, input: inputDimensions(reader.input), dropoutRate: reader.dropoutRates.first)
        let network: Network
        do {
            // Only the structure is wanted; every tensor is replaced by the graph's.
            network = try buildNetwork(spec, seed: 0)
        } catch {
            throw ONNXImportError("the graph reads as an architecture we cannot build: \(error)")
        }
        let assignment = try ONNXWeightAssignment(network: network, operations: operations)
        for (name, tensor) in assignment.tensors where !tensor.isFinite {
            throw ONNXImportError("the tensor for \(name) holds a NaN or an infinity")
        }
        let producer = model.producerName.isEmpty ? "unknown"
            : [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        return ImportedNetwork(spec: spec, tensors: assignment.tensors, format: "ONNX (opset \(opset), producer \(producer))")
    }

    /// (C, H, W) of an input (batch, C, H, W); nil for a symbolic or absent dimension.
    private static func inputDimensions(_ input: Onnx_ValueInfoProto) throws -> [Int?] {
        guard input.type.tensorType.hasShape else { return [nil, nil, nil] }
        let dims = input.type.tensorType.shape.dim
        guard dims.count == 4 else {
            throw ONNXImportError("the graph's input '\(input.name)' has \(dims.count) dimensions; an image batch (N, C, H, W) has 4")
        }
        return dims.dropFirst().map { dimension -> Int? in
            if case .dimValue(let size)? = dimension.value, size > 0, size <= 1 << 16 { return Int(size) }
            return nil
        }
    }
}
