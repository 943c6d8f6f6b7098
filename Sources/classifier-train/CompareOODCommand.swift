import ArgumentParser
import Foundation
import Training

struct CompareOODCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare-ood",
        abstract: "AUROC and FPR at 95 % TPR of each out-of-distribution score on one model (Benchmarks/OOD/run.sh).")

    @Argument(help: "The model file (.safetensors).") var model: String
    @Option(help: "The labelled training images the statistics come from.") var data: String
    @Option(help: "Fraction of --data held out for the thresholds, as calibrate does.") var valSplit = 0.1
    @Option(help: "Seed of the split.") var seed: UInt64 = 1
    @Option(name: .customLong("in"), help: "In-distribution test images (labelled).") var inDistribution: String
    @Option(name: .customLong("ood"), help: "A folder of out-of-distribution images (any subfolders); repeatable.")
    var outOfDistribution: [String]
    @Option(help: "Compute threads (default: all cores).") var threads: Int?
    @Flag(help: "Print the results as JSON.") var json = false

    func run() throws {
        guard !outOfDistribution.isEmpty else { throw ValidationError("give at least one --ood folder") }
        let result = try OutOfDistributionComparison.run(
            model: model, data: data, valSplit: valSplit, seed: seed, inDistribution: inDistribution,
            outOfDistribution: outOfDistribution, threads: threads)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(result.table(), terminator: "")
        }
    }
}
