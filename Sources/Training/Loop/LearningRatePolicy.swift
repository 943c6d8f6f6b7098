import NeuralEngine

/// The learning rate at every optimiser step, from the engine's schedules.
/// Steps are batches, so short runs still get smooth curves. `--warmup` (epochs)
/// is the cosine schedule's linear warm-up, one-cycle's rising phase, and for
/// `constant` and `step` a linear ramp in front (Goyal et al. 2017, §2.2).
public struct LearningRatePolicy: Sendable {
    public let schedule: any LearningRateSchedule
    public let warmupSteps: Int
    public let peak: Double
    /// The run's planned optimiser steps (`--epochs` × steps per epoch).
    public let totalSteps: Int
    /// Whether the ramp is applied here (constant, step) or inside the schedule.
    let externalWarmup: Bool

    public init(configuration c: TrainingConfiguration, stepsPerEpoch: Int) throws {
        let perEpoch = max(1, stepsPerEpoch)
        let total = max(2, c.epochs * perEpoch)
        let warmup = min(total - 1, Int((c.warmup * Double(perEpoch)).rounded()))
        let peak = Float(c.effectiveLearningRate)
        self.peak = c.effectiveLearningRate
        totalSteps = total
        warmupSteps = warmup
        do {
            switch c.lrSchedule {
            case .constant:
                schedule = try ConstantSchedule(learningRate: peak)
                externalWarmup = true
            case .step:
                schedule = try StepDecaySchedule(initial: peak, stepSize: c.lrStep * perEpoch, gamma: Float(c.lrGamma))
                externalWarmup = true
            case .cosine:
                schedule = try CosineWarmupSchedule(peak: peak, warmupSteps: warmup, totalSteps: total)
                externalWarmup = false
            case .onecycle:
                let fraction = warmup > 0 ? Double(warmup) / Double(total) : 0.3
                schedule = try OneCycleSchedule(maximum: peak, totalSteps: total, pctStart: min(max(fraction, 0.01), 0.99))
                externalWarmup = false
            }
        } catch {
            throw TrainingError.invalidConfiguration("\(error)")
        }
    }

    /// Learning rate for step `step` (0-based, counted over the whole run).
    public func rate(at step: Int) -> Double {
        if externalWarmup && step < warmupSteps {
            return peak * Double(step + 1) / Double(warmupSteps + 1)
        }
        return Double(schedule.learningRate(step: step))
    }
}
