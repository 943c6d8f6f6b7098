import Foundation
import NeuralEngine

/// `classifier-train calibrate`: gives a model file that has none (one written before
/// either existed, an import) what training now stores at its end: temperature scaling of
/// the scores and the out-of-distribution detector, from a labelled data set split as
/// training splits it. Deterministic: the same file, data, split and seed give the same bytes.
public enum ModelCalibration {
    public struct Result: Sendable {
        public var modelPath: String
        public var outputPath: String
        public var fitImages: Int
        public var validationImages: Int
        public var temperature: TemperatureScaling.Fit?
        public var detector: OutOfDistributionDetector

        public func formatted() -> String {
            var out = "calibrated \(modelPath) → \(outputPath)\n"
            out += "statistics from \(fitImages) images, thresholds from \(validationImages) validation images\n"
            if let c = temperature?.calibration {
                out += String(format: "temperature %.3f; expected calibration error %.4f → %.4f\n", c.temperature,
                              c.expectedCalibrationErrorBefore, c.expectedCalibrationErrorAfter)
            }
            out += String(format: "out of distribution: %@, threshold %.4g accepts %.0f%% of the validation images\n",
                          detector.method.rawValue, detector.threshold, detector.acceptanceRate * 100)
            return out
        }
    }

    /// - Parameters:
    ///   - data: the labelled images; `val` the validation images, or else `valSplit` of `data`
    ///     (stratified, `seed`) is held out for the thresholds, as training holds it out.
    ///   - out: where to write (default: over `model`, atomically).
    public static func run(model path: String, data: String, labels: String? = nil, val: String? = nil,
                           valSplit: Double = 0.1, seed: UInt64 = 1,
                           method: OutOfDistributionDetector.Method = OutOfDistributionFitting.defaultMethod,
                           acceptanceRate: Double = OutOfDistributionFitting.defaultAcceptanceRate,
                           out: String? = nil, threads: Int? = nil) throws -> Result {
        guard acceptanceRate > 0, acceptanceRate < 1 else {
            throw TrainingError.invalidConfiguration("--acceptance-rate must be between 0 and 1, got \(acceptanceRate)")
        }
        guard val != nil || (valSplit > 0 && valSplit < 1) else {
            throw TrainingError.invalidConfiguration("--val-split must be between 0 and 1 (or give --val), got \(valSplit)")
        }
        EngineThreads.set(threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let served = try ServedModel(path: path)
        let labelNames = try labels.map { try LabelTables.read(path: $0) }
        let all = try served.dataset(data, labels: labelNames, labelled: true)
        let (fitSet, validationSet): (any ImageDataset, any ImageDataset)
        if let val {
            (fitSet, validationSet) = (all, try served.dataset(val, labels: labelNames, labelled: true))
        } else {
            (fitSet, validationSet) = served.split(all, fraction: valSplit, seed: seed)
        }
        let fit = try served.inputs(fitSet, what: data)
        let validation = try served.inputs(validationSet, what: val ?? "the validation split of \(data)")
        let classes = served.metadata.labels.count
        let temperature = TemperatureScaling.fit(logits: validation.logits, labels: validation.labels, classes: classes)
        guard let detector = OutOfDistributionFitting.fit(method, fit: fit, validation: validation,
                                                          acceptanceRate: acceptanceRate) else {
            throw TrainingError.noUsableImages("\(data): the \(method.rawValue) statistics could not be computed")
        }
        var metadata = served.metadata
        metadata.calibration = temperature?.calibration ?? metadata.calibration
        metadata.outOfDistribution = detector
        let output = out ?? path
        do {
            try ModelFile.save(network: served.network, metadata: metadata, to: URL(fileURLWithPath: output))
        } catch {
            throw TrainingError.outputNotWritable(path: output, reason: "\(error)")
        }
        return Result(modelPath: path, outputPath: output, fitImages: fit.count, validationImages: validation.count,
                      temperature: temperature, detector: detector)
    }
}
