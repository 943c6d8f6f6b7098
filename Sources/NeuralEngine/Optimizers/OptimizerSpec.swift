/// An optimizer and its hyper-parameters as data, for configuration files and
/// checkpoints. Encoded with a `type` tag: `{"type": "sgd", "momentum": 0.9, "nesterov": true}`.
public enum OptimizerSpec: Codable, Sendable, Equatable {
    case sgd(momentum: Float = 0.9, nesterov: Bool = false, weightDecay: Float = 5e-4,
             weightDecayFilter: WeightDecayFilter = .all)
    case adamW(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01,
               weightDecayFilter: WeightDecayFilter = .all)

    /// The optimizer over a network's `namedParameters()`.
    public func makeOptimizer(parameters: [(name: String, parameter: Parameter)]) throws(OptimizerError) -> any Optimizer {
        switch self {
        case let .sgd(momentum, nesterov, weightDecay, filter):
            try SGD(parameters: parameters, momentum: momentum, nesterov: nesterov,
                    weightDecay: weightDecay, weightDecayFilter: filter)
        case let .adamW(beta1, beta2, epsilon, weightDecay, filter):
            try AdamW(parameters: parameters, beta1: beta1, beta2: beta2, epsilon: epsilon,
                      weightDecay: weightDecay, weightDecayFilter: filter)
        }
    }

    private enum Tag: String, Codable {
        case sgd
        case adamW = "adamw"
    }

    private enum CodingKeys: String, CodingKey {
        case type, momentum, nesterov, weightDecay, weightDecayFilter, beta1, beta2, epsilon
    }

    /// Absent fields take the defaults above.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let filter = try container.decodeIfPresent(WeightDecayFilter.self, forKey: .weightDecayFilter) ?? .all
        switch try container.decode(Tag.self, forKey: .type) {
        case .sgd:
            self = .sgd(momentum: try container.decodeIfPresent(Float.self, forKey: .momentum) ?? 0.9,
                        nesterov: try container.decodeIfPresent(Bool.self, forKey: .nesterov) ?? false,
                        weightDecay: try container.decodeIfPresent(Float.self, forKey: .weightDecay) ?? 5e-4,
                        weightDecayFilter: filter)
        case .adamW:
            self = .adamW(beta1: try container.decodeIfPresent(Float.self, forKey: .beta1) ?? 0.9,
                          beta2: try container.decodeIfPresent(Float.self, forKey: .beta2) ?? 0.999,
                          epsilon: try container.decodeIfPresent(Float.self, forKey: .epsilon) ?? 1e-8,
                          weightDecay: try container.decodeIfPresent(Float.self, forKey: .weightDecay) ?? 0.01,
                          weightDecayFilter: filter)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .sgd(momentum, nesterov, weightDecay, filter):
            try container.encode(Tag.sgd, forKey: .type)
            try container.encode(momentum, forKey: .momentum)
            try container.encode(nesterov, forKey: .nesterov)
            try container.encode(weightDecay, forKey: .weightDecay)
            try container.encode(filter, forKey: .weightDecayFilter)
        case let .adamW(beta1, beta2, epsilon, weightDecay, filter):
            try container.encode(Tag.adamW, forKey: .type)
            try container.encode(beta1, forKey: .beta1)
            try container.encode(beta2, forKey: .beta2)
            try container.encode(epsilon, forKey: .epsilon)
            try container.encode(weightDecay, forKey: .weightDecay)
            try container.encode(filter, forKey: .weightDecayFilter)
        }
    }
}
