import ArgumentParser
import Foundation
import NeuralEngine
import Training

struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Add temperature scaling and the out-of-distribution (\"unknown\") verdict to an existing model file.",
        discussion: """
            What training stores at its end, for a model written before it did, or imported: statistics of the head's \
            input features from the training images, and a threshold that accepts --acceptance-rate of the \
            validation images. Use the data the model was trained on, with the same --val-split and --seed.
            """)

    @Argument(help: "The model file (.safetensors).") var model: String
    @Option(help: "The labelled images: a folder with one subfolder per class, or an IDX images file.") var data: String
    @Option(help: "Validation images, in the same form (default: --val-split of --data).") var val: String?
    @Option(help: "Fraction of --data held out for the thresholds, stratified and seeded as training does it.") var valSplit = 0.1
    @Option(help: "Seed of the split.") var seed: UInt64 = 1
    @Option(help: "Class names for IDX data, one per line.") var labels: String?
    @Option(help: "knn, mahalanobis, energy or max-softmax.") var method = OutOfDistributionFitting.defaultMethod.rawValue
    @Option(help: "Share of in-distribution validation images to accept.") var acceptanceRate = OutOfDistributionFitting.defaultAcceptanceRate
    @Option(help: "Where to write the model (default: over the input, atomically).") var out: String?
    @Option(help: "Compute threads (default: all cores).") var threads: Int?

    func run() throws {
        guard let method = OutOfDistributionDetector.Method(rawValue: method) else {
            throw ValidationError("--method must be one of: "
                + OutOfDistributionDetector.Method.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let result = try ModelCalibration.run(model: model, data: data, labels: labels, val: val, valSplit: valSplit,
                                              seed: seed, method: method, acceptanceRate: acceptanceRate, out: out,
                                              threads: threads)
        print(result.formatted(), terminator: "")
    }
}
