/// The learning rate for each optimizer step, counted from 0. Whether a step is one
/// batch or one epoch is the caller's choice; `totalSteps` must use the same unit.
public protocol LearningRateSchedule: Sendable {
    func learningRate(step: Int) -> Float
}

public struct LearningRateScheduleError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { "learning-rate schedule: \(message)" }
}

extension LearningRateSchedule {
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws(LearningRateScheduleError) {
        if !condition { throw LearningRateScheduleError(message()) }
    }

    /// Cosine interpolation from `start` (progress 0) to `end` (progress 1), as
    /// SGDR (Loshchilov & Hutter 2017) and PyTorch's `_annealing_cos`.
    static func cosineAnneal(from start: Float, to end: Float, progress: Double) -> Float {
        let clamped = min(max(progress, 0), 1)
        return Float(Double(end) + (Double(start) - Double(end)) / 2 * (1 + cos(Double.pi * clamped)))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
