/// A learning-rate schedule as data, for configuration files and checkpoints.
/// Encoded with a `type` tag: `{"type": "cosine", "peak": 0.1, "warmupSteps": 5, "totalSteps": 100}`.
public enum LearningRateScheduleSpec: Codable, Sendable, Equatable {
    case constant(ConstantSchedule)
    case stepDecay(StepDecaySchedule)
    case cosine(CosineWarmupSchedule)
    case oneCycle(OneCycleSchedule)

    public var schedule: any LearningRateSchedule {
        switch self {
        case .constant(let schedule): schedule
        case .stepDecay(let schedule): schedule
        case .cosine(let schedule): schedule
        case .oneCycle(let schedule): schedule
        }
    }

    public func learningRate(step: Int) -> Float { schedule.learningRate(step: step) }

    private enum Tag: String, Codable {
        case constant, step, cosine
        case oneCycle = "one-cycle"
    }

    private enum CodingKeys: String, CodingKey { case type }

    public init(from decoder: any Decoder) throws {
        let tag = try decoder.container(keyedBy: CodingKeys.self).decode(Tag.self, forKey: .type)
        // Each schedule's decoder runs its validating init, so a bad value in a
        // configuration file is an error naming the problem.
        switch tag {
        case .constant: self = .constant(try ConstantSchedule(from: decoder))
        case .step: self = .stepDecay(try StepDecaySchedule(from: decoder))
        case .cosine: self = .cosine(try CosineWarmupSchedule(from: decoder))
        case .oneCycle: self = .oneCycle(try OneCycleSchedule(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .constant(let schedule):
            try container.encode(Tag.constant, forKey: .type)
            try schedule.encode(to: encoder)
        case .stepDecay(let schedule):
            try container.encode(Tag.step, forKey: .type)
            try schedule.encode(to: encoder)
        case .cosine(let schedule):
            try container.encode(Tag.cosine, forKey: .type)
            try schedule.encode(to: encoder)
        case .oneCycle(let schedule):
            try container.encode(Tag.oneCycle, forKey: .type)
            try schedule.encode(to: encoder)
        }
    }
}
