import NeuralEngine

/// A network read from another framework's file (a PyTorch state dict saved as
/// safetensors, an ONNX graph), already in our terms: the architecture it is, and
/// its weights under our parameter names. `ModelImport` turns it into a model file.
public struct ImportedNetwork: Sendable {
    /// The architecture; `classCount` is the number of outputs of the source's head.
    public var spec: ArchitectureSpec
    /// One tensor for every name of `buildNetwork(spec).namedParameters()`, buffers
    /// (BatchNorm running statistics) included, in our shapes.
    public var tensors: [String: Tensor]
    /// What was read, for the model's provenance: "safetensors state dict (torchvision names)".
    public var format: String

    public init(spec: ArchitectureSpec, tensors: [String: Tensor], format: String) {
        self.spec = spec
        self.tensors = tensors
        self.format = format
    }
}
