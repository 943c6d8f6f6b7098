import Foundation
import NeuralEngine

/// `classifier-train evaluate`: a saved model on a labelled folder or IDX file,
/// preprocessed exactly as the model file says (the server's path).
public enum ModelEvaluation {
    public struct Result: Sendable {
        public var modelPath: String
        public var dataSummary: String
        public var report: ClassificationReport
        public var classNames: [String]
        public var failures: [String]
        public var seconds: Double
        /// Whether logits were averaged with the mirror images' (`--flip-tta`).
        public var flipAveraged = false
        /// The model's calibrated temperature, if it has one (scores and loss use it, as the server does).
        public var temperature: Float?
        /// Expected calibration error (15 bins) of the scores as served, and with plain softmax.
        public var expectedCalibrationError = 0.0
        public var expectedCalibrationErrorUncalibrated = 0.0
        /// The model file's out-of-distribution method, and the share of these images it
        /// answers "unknown" for at its stored threshold (nil without a detector).
        public var outOfDistributionMethod: String?
        public var acceptanceRate: Double?
        public var rejectedFraction: Double?

        /// For `--json`: accuracy, top-5, per-class rows, the confusion matrix.
        public func json() -> String {
            struct Output: Encodable {
                var model: String
                var data: String
                var images: Int
                var accuracy: Double
                var top5Accuracy: Double?
                var loss: Double?
                var classes: [ClassificationReport.Row]
                var macroAverage: ClassificationReport.Row
                var weightedAverage: ClassificationReport.Row
                var labels: [String]
                var confusionMatrix: [[Int]]
                var unreadableImages: [String]
                var seconds: Double
                var flipTTA: Bool
                var temperature: Float?
                var expectedCalibrationError: Double
                var expectedCalibrationErrorUncalibrated: Double
                var outOfDistributionMethod: String?
                var acceptanceRate: Double?
                var rejectedFraction: Double?
            }
            let n = report.confusion.classCount
            let output = Output(
                model: modelPath, data: dataSummary, images: report.confusion.total, accuracy: report.accuracy,
                top5Accuracy: report.top5Accuracy, loss: report.loss, classes: report.rows,
                macroAverage: report.macroAverage, weightedAverage: report.weightedAverage, labels: classNames,
                confusionMatrix: (0..<n).map { a in (0..<n).map { report.confusion[a, $0] } },
                unreadableImages: failures, seconds: seconds, flipTTA: flipAveraged, temperature: temperature,
                expectedCalibrationError: expectedCalibrationError,
                expectedCalibrationErrorUncalibrated: expectedCalibrationErrorUncalibrated,
                outOfDistributionMethod: outOfDistributionMethod, acceptanceRate: acceptanceRate,
                rejectedFraction: rejectedFraction)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            return (try? encoder.encode(output)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }

        public func text() -> String {
            var out = "model: \(modelPath)\ndata: \(dataSummary)\n"
            if flipAveraged { out += "test-time augmentation: logits averaged with the horizontally flipped image's\n" }
            out += String(format: "accuracy: %.4f on %d images", report.accuracy, report.confusion.total)
            if let top5 = report.top5Accuracy { out += String(format: ", top-5 accuracy: %.4f", top5) }
            if let loss = report.loss { out += String(format: ", loss: %.4f", loss) }
            out += String(format: " (%.1fs)\n", seconds)
            if let temperature {
                out += String(format: "calibration: temperature %.3f; expected calibration error %.4f (%.4f with plain softmax)\n\n",
                              temperature, expectedCalibrationError, expectedCalibrationErrorUncalibrated)
            } else {
                out += String(format: "calibration: none in the model file; expected calibration error %.4f\n\n", expectedCalibrationError)
            }
            if let method = outOfDistributionMethod, let rate = acceptanceRate, let rejected = rejectedFraction {
                out += String(format: "unknown: %.2f%% of these images are out of distribution by %@ (threshold set to accept %.0f%% of validation images)\n\n",
                              rejected * 100, method, rate * 100)
            } else {
                out += "unknown: no out-of-distribution data in the model file (classifier-train calibrate adds it)\n\n"
            }
            out += report.formatted() + "\nconfusion matrix (rows: true class, columns: predicted)\n"
            out += report.formattedConfusion()
            if !failures.isEmpty {
                out += "\n\(failures.count) unreadable image(s) skipped:\n" + failures.map { "  " + $0 }.joined(separator: "\n") + "\n"
            }
            return out
        }
    }

    /// `flipAveraging`: average each image's logits with its mirror image's (`FlipAveraging`);
    /// nil does what the model file's preprocessing says, as the server does.
    public static func run(model path: String, data: String, labels: String? = nil, batchSize: Int = 128,
                           threads: Int? = nil, flipAveraging requested: Bool? = nil) throws -> Result {
        guard batchSize >= 1 else { throw TrainingError.invalidConfiguration("--batch-size must be at least 1") }
        EngineThreads.set(threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let model = try TransferLearning.load(path)
        let metadata = model.metadata
        let flipAveraging = requested ?? metadata.preprocessing.averagesFlips
        let network: Network
        do {
            network = try buildNetwork(metadata.architecture, seed: 0)
            try model.apply(to: network)
        } catch {
            throw TrainingError.incompatibleModel(path: path, reason: "\(error)")
        }
        let loader = try WorkingImageLoader(preprocessing: metadata.preprocessing)
        let labelNames = try labels.map(LabelTables.read)
        let dataset = try TrainingData.open(data, labels: labelNames ?? (IDXDataset.isIDX(path: data) ? nil : nil),
                                            expectedClasses: nil, loader: loader)
        // Evaluation data's classes are matched to the model's by name.
        let mapping = try classMapping(data: dataset.classNames, model: metadata.labels, dataPath: data)
        let remapped = RelabelledDataset(base: dataset, classNames: metadata.labels, mapping: mapping)
        let p = metadata.preprocessing
        let batches = BatchLoader(
            dataset: remapped, batchSize: batchSize,
            normalizer: BatchNormalizer(width: p.inputWidth, height: p.inputHeight, channels: p.channels, mean: p.mean, std: p.std),
            cache: ImageCache(count: remapped.count, budgetBytes: 0), failures: FailureLog(), workers: 2)
        let started = ProgressPrinter.now()
        let inference = InferenceNetwork(network)
        var accumulator = EvaluationAccumulator(classCount: metadata.labels.count)
        let crossEntropy = SoftmaxCrossEntropy()
        let temperature = metadata.calibration?.temperature ?? 1
        let detector = metadata.outOfDistribution
        var rejected = 0
        for batch in batches.epoch(shuffleSeed: nil, augmentSeed: nil) {
            let logits: Tensor
            if let detector {
                // Scored as the server scores: the raw logits and the head's input of the same pass.
                let output = inference.logitsAndFeatures(batch.images, averagingFlips: flipAveraging)
                logits = output.logits
                let inputs = DetectorInputs(logits: logits.scalars, features: output.features?.scalars ?? [],
                                            labels: batch.labels, classes: logits.shape[1], width: output.features?.shape[1] ?? 0)
                if !detector.needsFeatures || output.features != nil {
                    rejected += OutOfDistributionFitting.scores(detector, inputs).filter { !($0 <= detector.threshold) }.count
                }
            } else {
                logits = flipAveraging
                    ? FlipAveraging.averagedLogits(batch.images) { inference.logits($0) }
                    : inference.logits(batch.images)
            }
            // The loss of the scores as served; predictions do not depend on the temperature.
            let scaled = Tensor(shape: logits.shape, scalars: logits.scalars.map { $0 / temperature })
            accumulator.add(logits: logits, labels: batch.labels, loss: crossEntropy.loss(logits: scaled, labels: batch.labels).loss)
        }
        guard accumulator.count > 0 else { throw TrainingError.noUsableImages(data) }
        func calibrationError(_ t: Float) -> Double {
            TemperatureScaling.expectedCalibrationError(TemperatureScaling.reliability(
                logits: accumulator.logits, labels: accumulator.labels, classes: metadata.labels.count, temperature: t))
        }
        var result = Result(modelPath: path, dataSummary: dataset.summary, report: accumulator.report(classNames: metadata.labels),
                            classNames: metadata.labels, failures: batches.failures.lines, seconds: ProgressPrinter.now() - started,
                            flipAveraged: flipAveraging)
        result.temperature = metadata.calibration?.temperature
        result.expectedCalibrationError = calibrationError(temperature)
        result.expectedCalibrationErrorUncalibrated = calibrationError(1)
        if let detector {
            result.outOfDistributionMethod = detector.method.rawValue
            result.acceptanceRate = detector.acceptanceRate
            result.rejectedFraction = Double(rejected) / Double(accumulator.count)
        }
        return result
    }

    /// For each data class, the model's output index, by name: exactly, or else ignoring
    /// case and punctuation (a folder cannot be called "T-shirt/top", so "T-shirt-top" matches it).
    static func classMapping(data: [String], model: [String], dataPath: String) throws -> [Int] {
        if data == model { return Array(model.indices) }
        func key(_ name: String) -> String { String(name.lowercased().filter { $0.isLetter || $0.isNumber }) }
        var mapping: [Int] = []
        var unknown: [String] = []
        for name in data {
            if let index = model.firstIndex(of: name) ?? model.firstIndex(where: { key($0) == key(name) }) {
                mapping.append(index)
            } else {
                unknown.append(name)
            }
        }
        guard unknown.isEmpty else {
            // An IDX file outside a known set has only label numbers for names.
            let hint = unknown.allSatisfy { Int($0) != nil } ? "; give the class names with --labels FILE" : ""
            throw TrainingError.invalidConfiguration(
                "\(dataPath) has classes the model does not know: \(unknown.prefix(5).joined(separator: ", ")) (model classes: \(model.joined(separator: ", ")))\(hint)")
        }
        return mapping
    }
}
