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
