/// The same learning rate at every step.
public struct ConstantSchedule: LearningRateSchedule, Codable, Equatable {
    public let value: Float

    public init(learningRate: Float) throws(LearningRateScheduleError) {
        try Self.require(learningRate > 0 && learningRate.isFinite, "the learning rate must be > 0, got \(learningRate)")
        value = learningRate
    }

    public func learningRate(step: Int) -> Float { value }

    private enum CodingKeys: String, CodingKey { case value = "learningRate" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(learningRate: try container.decode(Float.self, forKey: .value))
    }
}
