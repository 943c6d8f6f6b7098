/// Linear warm-up to `peak`, then cosine annealing to `minimum` (Goyal et al. 2017
/// for the warm-up; Loshchilov & Hutter 2017 for the cosine).
///
/// Warm-up rises from peak/(w+1) at step 0 to peak at step w (never 0, which would
/// waste a step); the cosine then falls from peak at step w to exactly `minimum` at
/// the last step, totalSteps − 1, and stays there.
public struct CosineWarmupSchedule: LearningRateSchedule, Codable, Equatable {
    public let peak: Float
    public let warmupSteps: Int
    public let totalSteps: Int
    public let minimum: Float

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, minimum: Float = 0) throws(LearningRateScheduleError) {
        try Self.require(peak > 0 && peak.isFinite, "the peak learning rate must be > 0, got \(peak)")
        try Self.require(minimum >= 0 && minimum <= peak, "the minimum must be in [0, peak], got \(minimum)")
        try Self.require(warmupSteps >= 0, "warm-up steps must be ≥ 0, got \(warmupSteps)")
        try Self.require(totalSteps > warmupSteps, "total steps (\(totalSteps)) must exceed warm-up steps (\(warmupSteps))")
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minimum = minimum
    }

    public func learningRate(step: Int) -> Float {
        let step = max(step, 0)
        if step < warmupSteps {
            return peak * Float(step + 1) / Float(warmupSteps + 1)
        }
        let span = max(totalSteps - 1 - warmupSteps, 1)
        return Self.cosineAnneal(from: peak, to: minimum, progress: Double(step - warmupSteps) / Double(span))
    }

    private enum CodingKeys: String, CodingKey { case peak, warmupSteps, totalSteps, minimum }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(peak: try container.decode(Float.self, forKey: .peak),
                      warmupSteps: try container.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? 0,
                      totalSteps: try container.decode(Int.self, forKey: .totalSteps),
                      minimum: try container.decodeIfPresent(Float.self, forKey: .minimum) ?? 0)
    }
}
