import Foundation
import NeuralEngine

/// `classifier-train compare-ood`: measures the out-of-distribution scores against each
/// other on one model: statistics from the training split of `data` (as `calibrate` takes
/// them), in-distribution test images against each out-of-distribution set, reported as
/// AUROC and FPR at 95 % TPR, with the cost of each score beside the forward pass.
/// Benchmarks/OOD/run.sh runs it for BENCHMARKS.md.
public enum OutOfDistributionComparison {
    /// One method against one out-of-distribution set.
    public struct Row: Codable, Sendable {
        public var method: String
        public var outOfDistribution: String
        public var images: Int
        public var areaUnderROC: Double
        public var falsePositiveRateAt95: Double
    }

    public struct Result: Codable, Sendable {
        public var model: String
        public var fitImages: Int
        public var inDistributionImages: Int
        public var rows: [Row]
        /// Seconds per image: the forward pass alone (batch 1, as served), and each method's
        /// score on top of it.
        public var forwardSeconds: Double
        public var scoreSeconds: [String: Double]

        /// A Markdown table for BENCHMARKS.md.
        public func table() -> String {
            var out = "model: \(model); statistics from \(fitImages) training images; \(inDistributionImages) in-distribution test images\n\n"
            out += "| method | out-of-distribution set | images | AUROC | FPR at 95 % TPR |\n| --- | --- | ---: | ---: | ---: |\n"
            for row in rows {
                out += String(format: "| %@ | %@ | %d | %.4f | %.4f |\n", row.method, row.outOfDistribution, row.images,
                              row.areaUnderROC, row.falsePositiveRateAt95)
            }
            out += String(format: "\nforward pass: %.1f µs per image (batch 1); score on top of it:", forwardSeconds * 1e6)
            for (method, seconds) in scoreSeconds.sorted(by: { $0.key < $1.key }) {
                out += String(format: " %@ %.2f µs;", method, seconds * 1e6)
            }
            return out + "\n"
        }
    }

    public static func run(model path: String, data: String, valSplit: Double = 0.1, seed: UInt64 = 1,
                           inDistribution: String, outOfDistribution: [String], threads: Int? = nil) throws -> Result {
        EngineThreads.set(threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let served = try ServedModel(path: path)
        let all = try served.dataset(data, labelled: true)
        let (fitSet, validationSet) = served.split(all, fraction: valSplit, seed: seed)
        let fit = try served.inputs(fitSet, what: data)
        let validation = try served.inputs(validationSet, what: "the validation split of \(data)")
        let test = try served.inputs(try served.dataset(inDistribution, labelled: true), what: inDistribution)
        var sets: [(name: String, inputs: DetectorInputs)] = []
        for ood in outOfDistribution {
            sets.append((setName(ood), try served.inputs(try served.dataset(ood, labelled: false), what: ood)))
        }
        if sets.count > 1 {
            sets.append(("all of them", DetectorInputs(
                logits: sets.flatMap(\.inputs.logits), features: sets.flatMap(\.inputs.features),
                labels: sets.flatMap(\.inputs.labels), classes: test.classes, width: test.width)))
        }

        var scorers: [(String, (DetectorInputs) -> [Double])] = []
        for method in OutOfDistributionDetector.Method.allCases {
            guard let detector = OutOfDistributionFitting.fit(method, fit: fit, validation: validation) else { continue }
            let name = method == .nearestNeighbours
                ? "knn (k=\(OutOfDistributionFitting.neighbourK), \(min(OutOfDistributionFitting.neighbourBankSize, fit.count)) training images)"
                : method.rawValue
            scorers.append((name, { OutOfDistributionFitting.scores(detector, $0) }))
        }

        var rows: [Row] = []
        var scoreSeconds: [String: Double] = [:]
        for (name, scorer) in scorers {
            let started = ProgressPrinter.now()
            let inScores = scorer(test)
            scoreSeconds[name] = (ProgressPrinter.now() - started) / Double(test.count)
            for set in sets {
                let outScores = scorer(set.inputs)
                rows.append(Row(method: name, outOfDistribution: set.name, images: set.inputs.count,
                                areaUnderROC: OutOfDistributionMeasures.areaUnderROC(inDistribution: inScores, outOfDistribution: outScores),
                                falsePositiveRateAt95: OutOfDistributionMeasures.falsePositiveRate(
                                    inDistribution: inScores, outOfDistribution: outScores)))
            }
        }
        return Result(model: path, fitImages: fit.count, inDistributionImages: test.count, rows: rows,
                      forwardSeconds: forwardSecondsPerImage(served), scoreSeconds: scoreSeconds)
    }

    /// A folder's name, with its parent's for a split folder ("hymenoptera/train").
    static func setName(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardized
        let last = url.lastPathComponent
        return ["train", "val", "test"].contains(last) ? url.deletingLastPathComponent().lastPathComponent + "/" + last : last
    }

    /// The median of 200 single-image forward passes (mirror included when served so).
    static func forwardSecondsPerImage(_ served: ServedModel) -> Double {
        let image = Tensor(zeros: served.metadata.architecture.inputShape(batchSize: 1))
        let flips = served.metadata.preprocessing.averagesFlips
        var times: [Double] = []
        for _ in 0..<200 {
            let started = ProgressPrinter.now()
            _ = flips ? FlipAveraging.averagedLogits(image) { served.inference.logits($0) } : served.inference.logits(image)
            times.append(ProgressPrinter.now() - started)
        }
        return times.sorted()[times.count / 2]
    }
}
