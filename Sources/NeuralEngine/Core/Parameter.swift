/// A named tensor owned by a layer: a trainable weight with its gradient, or a
/// buffer such as BatchNorm's running statistics that is saved but not trained.
///
/// A class, so that optimizers, the model file and the layer that uses it all
/// see the same storage.
public final class Parameter {
    public enum Kind: String, Sendable, Codable {
        case trainable
        case buffer
    }

    /// The local name inside its layer ("weight", "bias", "running_mean").
    /// Dotted full names come from `Layer.namedParameters()`.
    public let name: String
    public let kind: Kind
    public var value: Tensor
    /// Same shape as `value`; backward passes add into it.
    public var gradient: Tensor
    /// A frozen parameter keeps its value: optimizers skip it.
    public var isFrozen = false

    public init(name: String, value: Tensor, kind: Kind = .trainable) {
        self.name = name
        self.kind = kind
        self.value = value
        self.gradient = Tensor(zeros: kind == .trainable ? value.shape : [0])
    }

    public var isTrainable: Bool { kind == .trainable && !isFrozen }
}
