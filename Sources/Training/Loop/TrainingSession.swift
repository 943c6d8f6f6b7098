import Foundation
import NeuralEngine

/// One `classifier-train train` run: resolves the configuration and the data,
/// builds (or loads) the network, trains epoch by epoch, keeps the best epoch in
/// `--out`, a resumable checkpoint beside it, and writes the report.
public enum TrainingSession {
    /// `givenKeys`: the option names given on the command line (with `--resume`
    /// they override the checkpoint's configuration; only run-time ones may).
    public static func run(configuration input: TrainingConfiguration, givenKeys: Set<String> = [],
                           arguments: [String] = [], printer: ProgressPrinter = ProgressPrinter()) throws -> TrainingOutcome {
        var configuration = input
        var checkpoint: TrainingCheckpoint?
        if let resume = input.resume {
            let loaded = try TrainingCheckpoint.read(from: resume)
            configuration = try resumedConfiguration(saved: loaded.state.configuration, given: input, givenKeys: givenKeys)
            checkpoint = loaded
        }
        try configuration.validate()
        try configuration.checkOutputWritable()
        EngineThreads.set(configuration.threads ?? ProcessInfo.processInfo.activeProcessorCount)

        let base = try configuration.initFrom.map(TransferLearning.load)
        if let base, let preset = base.metadata.architecture.preset {
            if givenKeys.contains("arch") && configuration.arch != preset {
                throw TrainingError.invalidConfiguration(
                    "--arch \(configuration.arch) differs from the --init-from model's \(preset); leave --arch out")
            }
            configuration.arch = preset
        }
        let data = try TrainingData.resolve(&configuration, base: base?.metadata.preprocessing)
        let trainer = try Trainer(configuration: configuration, data: data, base: base, checkpoint: checkpoint,
                                  arguments: arguments, printer: printer)
        return try trainer.run()
    }

    /// A resumed run keeps the checkpoint's configuration; only `epochs` (to train
    /// longer) and run-time settings may change. Anything else given differently is an error.
    static func resumedConfiguration(saved: TrainingConfiguration, given: TrainingConfiguration,
                                     givenKeys: Set<String>) throws -> TrainingConfiguration {
        var resumed = saved
        resumed.resume = given.resume
        // The checkpoint already holds every weight; the --init-from model is not needed again.
        resumed.initFrom = nil
        let allowed: Set<String> = ["epochs", "threads", "workers", "cache-mb", "resume", "early-stopping"]
        // Given values are not validated yet: a NaN flag must compare as different, not stop the encoder.
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: ConfigurationLoader.nonFinite.positiveInfinity,
            negativeInfinity: ConfigurationLoader.nonFinite.negativeInfinity, nan: ConfigurationLoader.nonFinite.nan)
        let givenJSON = try JSONSerialization.jsonObject(with: encoder.encode(given)) as? [String: Any] ?? [:]
        let savedJSON = try JSONSerialization.jsonObject(with: encoder.encode(saved)) as? [String: Any] ?? [:]
        for key in givenKeys.sorted() where !allowed.contains(key) {
            let a = givenJSON[key].map { "\($0)" }, b = savedJSON[key].map { "\($0)" }
            if a != b {
                throw TrainingError.invalidConfiguration(
                    "--\(key) cannot change when resuming (the checkpoint has \(b ?? "none")); only --epochs, --early-stopping, --threads, --workers and --cache-mb may")
            }
        }
        if givenKeys.contains("epochs") { resumed.epochs = given.epochs }
        if givenKeys.contains("early-stopping") { resumed.earlyStopping = given.earlyStopping }
        if givenKeys.contains("threads") { resumed.threads = given.threads }
        if givenKeys.contains("workers") { resumed.workers = given.workers }
        if givenKeys.contains("cache-mb") { resumed.cacheMb = given.cacheMb }
        return resumed
    }
}
