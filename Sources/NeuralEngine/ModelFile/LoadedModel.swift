/// A validated model file in memory: its metadata, its tensors by dotted name, and a
/// content version. Apply it to a network built from `metadata.architecture`.
public struct LoadedModel: Sendable, Equatable {
    /// The file it came from, for messages.
    public let path: String
    public let metadata: ModelMetadata
    public let tensors: [String: Tensor]
    /// Lowercase hex SHA-256 of the file's bytes.
    public let sha256: String
    public let byteCount: Int

    /// The model's version: the first 12 hex digits of the SHA-256 of the file, so the
    /// same bytes always give the same version, whatever their name or date.
    public var version: String { String(sha256.prefix(12)) }

    public init(path: String, metadata: ModelMetadata, tensors: [String: Tensor], sha256: String, byteCount: Int) {
        self.path = path
        self.metadata = metadata
        self.tensors = tensors
        self.sha256 = sha256
        self.byteCount = byteCount
    }

    /// Copies every tensor into the network's parameter of the same dotted name.
    /// Checks everything first and changes nothing on error: every parameter (buffers
    /// included) must have a tensor of its exact shape, and every tensor a parameter.
    public func apply(to network: any Layer) throws(ModelFileError) {
        let parameters = network.namedParameters()
        var missing: [String] = [], wrongShapes: [String] = []
        var seen = Set<String>()
        for (name, parameter) in parameters {
            seen.insert(name)
            guard let tensor = tensors[name] else {
                missing.append(name)
                continue
            }
            if tensor.shape != parameter.value.shape {
                wrongShapes.append("\(name) (file \(tensor.shape), network \(parameter.value.shape))")
            }
        }
        let unexpected = tensors.keys.filter { !seen.contains($0) }.sorted()
        guard missing.isEmpty, unexpected.isEmpty, wrongShapes.isEmpty else {
            throw ModelFileError(path: path, reason: .architectureMismatch(
                missing: missing, unexpected: unexpected, wrongShapes: wrongShapes))
        }
        for (name, parameter) in parameters {
            parameter.value = tensors[name]!  // presence checked above
        }
    }
}
