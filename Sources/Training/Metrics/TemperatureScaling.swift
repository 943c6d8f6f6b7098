import Foundation
import NeuralEngine

/// Fits and measures temperature scaling (Guo et al. 2017) on a set of logits with
/// their true labels: the validation images at the end of training, a test set in
/// `evaluate`.
public enum TemperatureScaling {
    /// Confidence bins of the expected calibration error and the reliability diagram,
    /// as in Guo et al.: 15 of equal width over (0, 1].
    public static let binCount = 15

    /// The fit and the diagrams before and after it, for the model file and the report.
    public struct Fit: Codable, Sendable, Equatable {
        public var calibration: ScoreCalibration
        public var before: [ReliabilityBin]
        public var after: [ReliabilityBin]
    }

    /// One confidence bin: how many predictions fell in it, how sure they claimed to be
    /// on average, and how often they were right.
    public struct ReliabilityBin: Codable, Sendable, Equatable {
        public var lower: Double
        public var upper: Double
        public var count: Int
        public var meanConfidence: Double
        public var accuracy: Double
    }

    /// The temperature that minimises the validation images' negative log-likelihood,
    /// with the calibration error before and after; nil for fewer than two images.
    public static func fit(logits: [Float], labels: [Int], classes: Int) -> Fit? {
        guard labels.count >= 2, logits.count == labels.count * classes, classes >= 2 else { return nil }
        // The loss is convex in 1/T, so it has one minimum along log T: a golden-section
        // search over T in [0.05, 20] finds it to well under 0.1 %.
        var low = log(0.05), high = log(20.0)
        let ratio = (5.0.squareRoot() - 1) / 2
        var a = high - ratio * (high - low), b = low + ratio * (high - low)
        var lossA = negativeLogLikelihood(logits, labels, classes, temperature: exp(a))
        var lossB = negativeLogLikelihood(logits, labels, classes, temperature: exp(b))
        for _ in 0..<60 {
            if lossA < lossB {
                high = b; b = a; lossB = lossA
                a = high - ratio * (high - low)
                lossA = negativeLogLikelihood(logits, labels, classes, temperature: exp(a))
            } else {
                low = a; a = b; lossA = lossB
                b = low + ratio * (high - low)
                lossB = negativeLogLikelihood(logits, labels, classes, temperature: exp(b))
            }
        }
        let temperature = Float(exp((low + high) / 2))
        let before = reliability(logits: logits, labels: labels, classes: classes, temperature: 1)
        let after = reliability(logits: logits, labels: labels, classes: classes, temperature: temperature)
        return Fit(calibration: ScoreCalibration(
            temperature: temperature, expectedCalibrationErrorBefore: expectedCalibrationError(before),
            expectedCalibrationErrorAfter: expectedCalibrationError(after), images: labels.count),
            before: before, after: after)
    }

    /// Mean −log p(true class) of softmax(logits / temperature).
    static func negativeLogLikelihood(_ logits: [Float], _ labels: [Int], _ classes: Int, temperature: Double) -> Double {
        var total = 0.0
        for (row, label) in labels.enumerated() {
            let scores = logits[row * classes..<(row + 1) * classes].map { Double($0) / temperature }
            let maximum = scores.max() ?? 0
            let logSum = log(scores.reduce(0) { $0 + exp($1 - maximum) }) + maximum
            total += logSum - scores[label]
        }
        return total / Double(labels.count)
    }

    /// Top-1 confidence and correctness of each image, binned.
    public static func reliability(logits: [Float], labels: [Int], classes: Int, temperature: Float) -> [ReliabilityBin] {
        var counts = [Int](repeating: 0, count: binCount)
        var confidence = [Double](repeating: 0, count: binCount)
        var correct = [Double](repeating: 0, count: binCount)
        for (row, label) in labels.enumerated() {
            let scores = logits[row * classes..<(row + 1) * classes].map { Double($0) / Double(temperature) }
            let maximum = scores.max() ?? 0
            let sum = scores.reduce(0) { $0 + exp($1 - maximum) }
            let predicted = scores.firstIndex(of: maximum) ?? 0
            let top = 1 / sum  // exp(maximum − maximum) / sum
            let bin = min(binCount - 1, max(0, Int((top * Double(binCount)).rounded(.up)) - 1))
            counts[bin] += 1
            confidence[bin] += top
            correct[bin] += predicted == label ? 1 : 0
        }
        var bins: [ReliabilityBin] = []
        for bin in 0..<binCount {
            let n = Double(max(counts[bin], 1))
            bins.append(ReliabilityBin(lower: Double(bin) / Double(binCount), upper: Double(bin + 1) / Double(binCount),
                                       count: counts[bin], meanConfidence: confidence[bin] / n, accuracy: correct[bin] / n))
        }
        return bins
    }

    /// Σ (n_b / N) · |accuracy_b − confidence_b| over the bins.
    public static func expectedCalibrationError(_ bins: [ReliabilityBin]) -> Double {
        let total = bins.reduce(0) { $0 + $1.count }
        guard total > 0 else { return 0 }
        return bins.reduce(0) { $0 + Double($1.count) / Double(total) * abs($1.accuracy - $1.meanConfidence) }
    }
}
