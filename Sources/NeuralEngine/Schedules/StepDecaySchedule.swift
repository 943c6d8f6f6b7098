/// Multiplies the rate by `gamma` every `stepSize` steps, as PyTorch's `StepLR`:
/// η(t) = η₀ · γ^⌊t / stepSize⌋ (the ResNet paper divides by 10 at fixed epochs).
public struct StepDecaySchedule: LearningRateSchedule, Codable, Equatable {
    public let initial: Float
    public let stepSize: Int
    public let gamma: Float

    public init(initial: Float, stepSize: Int, gamma: Float = 0.1) throws(LearningRateScheduleError) {
        try Self.require(initial > 0 && initial.isFinite, "the initial learning rate must be > 0, got \(initial)")
        try Self.require(stepSize > 0, "the step size must be > 0, got \(stepSize)")
        try Self.require(gamma > 0 && gamma <= 1, "gamma must be in (0, 1], got \(gamma)")
        self.initial = initial
        self.stepSize = stepSize
        self.gamma = gamma
    }

    public func learningRate(step: Int) -> Float {
        Float(Double(initial) * pow(Double(gamma), Double(max(step, 0) / stepSize)))
    }

    private enum CodingKeys: String, CodingKey { case initial, stepSize, gamma }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(initial: try container.decode(Float.self, forKey: .initial),
                      stepSize: try container.decode(Int.self, forKey: .stepSize),
                      gamma: try container.decodeIfPresent(Float.self, forKey: .gamma) ?? 0.1)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
