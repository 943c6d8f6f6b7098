import ArgumentParser
import Foundation
import Training

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Accuracy, top-5, per-class precision/recall/F1 and the confusion matrix of a model on labelled data.")

    @Option(help: "The model file (.safetensors).") var model: String
    @Option(help: "A folder with one subfolder per class, or an IDX images file.") var data: String
    @Option(help: "Class names for IDX data, one per line.") var labels: String?
    @Option(help: "Images per batch.") var batchSize = 128
    @Option(help: "Compute threads (default: all cores).") var threads: Int?
    @Flag(help: "Print the results as JSON.") var json = false
    @Flag(name: .customLong("flip-tta"), inversion: .prefixedNo,
          help: "Test-time augmentation: average each image's logits with its mirror image's (for models trained with --horizontal-flip). Default: as the model file says, as the server does.")
    var flipTTA: Bool?

    func run() throws {
        let result = try ModelEvaluation.run(model: model, data: data, labels: labels, batchSize: batchSize, threads: threads,
                                              flipAveraging: flipTTA)
        print(json ? result.json() : result.text())
    }
}
