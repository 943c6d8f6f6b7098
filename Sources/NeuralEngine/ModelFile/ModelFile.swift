import Foundation

/// Saving and loading a trained network as one self-describing safetensors file:
/// every named parameter (buffers included) as an F32 tensor, plus `ModelMetadata`
/// (see `ModelMetadata+Safetensors`). Python's `safetensors` opens these files.
public enum ModelFile {
    /// Writes the network's parameters and the metadata atomically: a reader (the
    /// hot-reloading server) sees the previous file or the new one, never a partial one.
    /// Refuses non-finite weights, which no loader would accept.
    public static func save(network: any Layer, metadata: ModelMetadata, to url: URL) throws(ModelFileError) {
        let path = url.path
        var tensors: [String: Tensor] = [:]
        for (name, parameter) in network.namedParameters() {
            guard tensors[name] == nil, name != SafetensorsHeader.metadataKey else {
                throw ModelFileError(path: path, reason: .invalidTensorName(name))
            }
            tensors[name] = parameter.value
        }
        let strings: [String: String]
        do throws(ModelFileError.Reason) {
            try checkFinite(tensors)
            // A file whose metadata describes another network could never be loaded.
            if let network = network as? Network, network.spec != metadata.architecture {
                throw .invalidMetadata(key: ModelMetadata.Key.architecture, detail:
                    "it describes \(metadata.architecture.preset ?? "a different network"), not the \(network.spec.preset ?? "network") being saved")
            }
            guard metadata.labels.count == metadata.architecture.classCount else {
                throw .invalidMetadata(key: ModelMetadata.Key.labels, detail:
                    "\(metadata.labels.count) labels for an architecture with \(metadata.architecture.classCount) classes")
            }
            strings = try metadata.safetensorsMetadata()
        } catch {
            throw ModelFileError(path: path, reason: error)
        }
        try SafetensorsFile(tensors: tensors, metadata: strings).write(to: url)
    }

    /// Reads the whole file once, then validates the container, the metadata and every
    /// weight. Shapes are checked against a network by `LoadedModel.apply(to:)`.
    public static func load(from url: URL) throws(ModelFileError) -> LoadedModel {
        let bytes = try WholeFileReader.read(url)
        return try load(bytes: bytes, path: url.path)
    }

    /// As `load(from:)`, for bytes already in memory; `path` names them in errors.
    public static func load(bytes: [UInt8], path: String) throws(ModelFileError) -> LoadedModel {
        let file = try SafetensorsFile(bytes: bytes, path: path)
        do throws(ModelFileError.Reason) {
            let metadata = try ModelMetadata(safetensorsMetadata: file.metadata)
            try checkFinite(file.tensors)
            try checkHeadWidth(metadata, file.tensors)
            let digest = SHA256.hexDigest(bytes)
            return LoadedModel(path: path, metadata: metadata, tensors: file.tensors,
                               sha256: digest, byteCount: bytes.count)
        } catch {
            throw ModelFileError(path: path, reason: error)
        }
    }

    /// A feature-based detector must read as many features as the head takes (`head.weight` is (classes, features)).
    private static func checkHeadWidth(_ metadata: ModelMetadata, _ tensors: [String: Tensor]) throws(ModelFileError.Reason) {
        guard let detector = metadata.outOfDistribution, let head = tensors["head.weight"], head.rank == 2 else { return }
        if let problem = detector.problem(classCount: metadata.architecture.classCount, headInputs: head.shape[1]) {
            throw .invalidMetadata(key: ModelMetadata.Key.outOfDistribution, detail: problem)
        }
    }

    /// Names the first NaN or infinity, in name order so the report is reproducible.
    private static func checkFinite(_ tensors: [String: Tensor]) throws(ModelFileError.Reason) {
        for name in tensors.keys.sorted() {
            let scalars = tensors[name]!.scalars
            if let index = scalars.firstIndex(where: { !$0.isFinite }) {
                throw .nonFiniteValue(tensor: name, index: index, value: scalars[index])
            }
        }
    }
}
