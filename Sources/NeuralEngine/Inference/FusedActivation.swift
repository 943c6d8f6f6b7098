/// The activation an inference step applies in the pass that adds its bias: none, ReLU,
/// or MobileNetV2's ReLU6 (the same ReLU capped at 6).
enum FusedActivation: Sendable, Equatable {
    case none
    case relu
    case relu6

    /// The activation as a clamp to [lowerBound, upperBound].
    var lowerBound: Float { self == .none ? -.infinity : 0 }
    var upperBound: Float { self == .relu6 ? ReLU6.ceiling : .infinity }

    /// The suffix of a step's label in `profile` (" +relu").
    var label: String {
        switch self {
        case .none: ""
        case .relu: " +relu"
        case .relu6: " +relu6"
        }
    }
}
