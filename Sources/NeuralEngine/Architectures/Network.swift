/// A whole classifier built from an `ArchitectureSpec`: a backbone (everything
/// up to the last Dense layer) and a head (that layer, named `head`).
///
/// The split exists for transfer learning: freeze the backbone, train a new head.
/// Parameter names are those of the members, without a `backbone.` prefix, so a
/// model file reads `stage1.block0.conv1.weight` and `head.weight`.
public final class Network: Layer {
    public let spec: ArchitectureSpec
    public let backbone: Sequential
    public let head: Dense

    public init(spec: ArchitectureSpec, backbone: Sequential, head: Dense) {
        self.spec = spec
        self.backbone = backbone
        self.head = head
    }

    public var children: [(name: String, layer: any Layer)] {
        backbone.members + [(name: "head", layer: head)]
    }

    /// input (N, C, H, W) → logits (N, classes).
    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        head.forward(backbone.forward(input, training: training), training: training)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        backbone.backward(head.backward(outputGradient))
    }

    /// Adds every parameter's gradient for `outputGradient`, as `backward` does, without
    /// the gradient with respect to the input, which training discards: the backbone's
    /// first layer, when it is a convolution, skips its input-gradient pass. On a
    /// one-channel image that pass is the step's least efficient (the direct kernels block
    /// eight output channels, here one).
    public func accumulateParameterGradients(_ outputGradient: Tensor) {
        let first = leadingConvolution
        first?.skipsInputGradient = true
        defer { first?.skipsInputGradient = false }
        _ = backward(outputGradient)
    }

    /// The layer that sees the input first and alone: the backbone's first leaf through
    /// nested `Sequential`s (not into a `Residual`, whose shortcut reads the input too),
    /// when it is a convolution.
    var leadingConvolution: Conv2D? {
        var layer: any Layer = backbone
        while let sequence = layer as? Sequential, let first = sequence.members.first { layer = first.layer }
        return layer as? Conv2D
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        head.outputShape(for: backbone.outputShape(for: inputShape))
    }

    /// The backbone's output (N, features): what the head sees.
    public func features(_ input: Tensor, training: Bool) -> Tensor {
        backbone.forward(input, training: training)
    }

    /// Freezes (or unfreezes) every backbone parameter; optimizers skip frozen ones.
    public func setBackboneFrozen(_ frozen: Bool) {
        for (_, parameter) in backbone.namedParameters() { parameter.isFrozen = frozen }
    }
}
