/// The one-cycle policy (Smith & Topin 2018) with PyTorch `OneCycleLR`'s cosine
/// annealing and defaults: from max/divFactor up to `maximum` over the first
/// `pctStart` of the steps, then down to max/(divFactor·finalDivFactor) at the last
/// step, totalSteps − 1. Momentum moves the opposite way, between `maxMomentum` and
/// `baseMomentum`, when an optimizer has one.
public struct OneCycleSchedule: LearningRateSchedule, Codable, Equatable {
    public let maximum: Float
    public let totalSteps: Int
    public let pctStart: Double
    public let divFactor: Float
    public let finalDivFactor: Float
    public let baseMomentum: Float
    public let maxMomentum: Float

    public init(maximum: Float, totalSteps: Int, pctStart: Double = 0.3, divFactor: Float = 25,
                finalDivFactor: Float = 1e4, baseMomentum: Float = 0.85,
                maxMomentum: Float = 0.95) throws(LearningRateScheduleError) {
        try Self.require(maximum > 0 && maximum.isFinite, "the maximum learning rate must be > 0, got \(maximum)")
        try Self.require(totalSteps >= 2, "one-cycle needs at least 2 steps, got \(totalSteps)")
        try Self.require(pctStart > 0 && pctStart < 1, "pct_start must be in (0, 1), got \(pctStart)")
        try Self.require(divFactor >= 1 && finalDivFactor >= 1, "div factors must be ≥ 1")
        try Self.require(baseMomentum <= maxMomentum, "base momentum must not exceed max momentum")
        self.maximum = maximum
        self.totalSteps = totalSteps
        self.pctStart = pctStart
        self.divFactor = divFactor
        self.finalDivFactor = finalDivFactor
        self.baseMomentum = baseMomentum
        self.maxMomentum = maxMomentum
    }

    public var initial: Float { maximum / divFactor }
    public var final: Float { initial / finalDivFactor }

    /// As PyTorch: the warm-up phase ends at step pctStart·total − 1, the decay at total − 1.
    private var warmupEnd: Double { pctStart * Double(totalSteps) - 1 }

    private func phase(_ step: Int) -> (rising: Bool, progress: Double) {
        let step = Double(min(max(step, 0), totalSteps - 1))
        if step <= warmupEnd { return (true, warmupEnd > 0 ? step / warmupEnd : 1) }
        return (false, (step - warmupEnd) / (Double(totalSteps - 1) - warmupEnd))
    }

    public func learningRate(step: Int) -> Float {
        let (rising, progress) = phase(step)
        return rising ? Self.cosineAnneal(from: initial, to: maximum, progress: progress)
                      : Self.cosineAnneal(from: maximum, to: final, progress: progress)
    }

    public func momentum(step: Int) -> Float {
        let (rising, progress) = phase(step)
        return rising ? Self.cosineAnneal(from: maxMomentum, to: baseMomentum, progress: progress)
                      : Self.cosineAnneal(from: baseMomentum, to: maxMomentum, progress: progress)
    }

    private enum CodingKeys: String, CodingKey {
        case maximum, totalSteps, pctStart, divFactor, finalDivFactor, baseMomentum, maxMomentum
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(maximum: try container.decode(Float.self, forKey: .maximum),
                      totalSteps: try container.decode(Int.self, forKey: .totalSteps),
                      pctStart: try container.decodeIfPresent(Double.self, forKey: .pctStart) ?? 0.3,
                      divFactor: try container.decodeIfPresent(Float.self, forKey: .divFactor) ?? 25,
                      finalDivFactor: try container.decodeIfPresent(Float.self, forKey: .finalDivFactor) ?? 1e4,
                      baseMomentum: try container.decodeIfPresent(Float.self, forKey: .baseMomentum) ?? 0.85,
                      maxMomentum: try container.decodeIfPresent(Float.self, forKey: .maxMomentum) ?? 0.95)
    }
}
