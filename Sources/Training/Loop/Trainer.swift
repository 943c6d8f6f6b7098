import Foundation
import NeuralEngine

/// The epoch loop of one run and the state it carries between epochs.
final class Trainer {
    let configuration: TrainingConfiguration
    let data: TrainingData
    let network: Network
    let printer: ProgressPrinter
    let arguments: [String]
    let trainLoader: BatchLoader
    let validationLoader: BatchLoader?
    let failures = FailureLog()
    let validationFailures = FailureLog()
    let loss: WeightedCrossEntropy
    let evaluationLoss: WeightedCrossEntropy
    let optimizer: any TrainingOptimizer
    let policy: LearningRatePolicy
    let paths: (model: String, report: String, checkpoint: String)
    /// The fewest images a training step may have (`ArchitectureSpec.minimumTrainingBatchSize`);
    /// a smaller batch, left by failed images or the end of the data, is skipped.
    let minimumTrainingBatch: Int
    /// Validation scores the model as it will be served: averaged with mirror images when
    /// its preprocessing says so (`--flip-tta`).
    var averagesFlips: Bool { data.preprocessing.averagesFlips }
    var labelMapping: [String] = []
    /// The published weights an `--init-from` model was first imported from, kept in this model's provenance.
    var importedFrom: ImportedSource?
    /// Set at the start of `run` when the configuration has a time budget.
    var timeBudget: TimeBudget?
    /// How long the last validation pass and model write took: the reserve kept back from a
    /// time budget so that the final epoch's evaluation still fits inside it.
    var lastEpochEndSeconds = 0.0
    var lastStepRate: Double?
    /// Set when an epoch was cut short by the time budget: the run ends after it.
    var endedAtTimeBudget = false

    // State saved in the checkpoint.
    var epoch = 0
    var step = 0
    var history: [EpochRecord] = []
    var bestEpoch: Int?
    var bestAccuracy: Double?
    var bestEvaluation: ClassificationReport?
    /// Temperature scaling fitted on the best epoch's validation logits (none without validation data).
    var bestCalibration: TemperatureScaling.Fit?
    /// The "unknown" verdict, fitted once at the end (`fitOutOfDistribution`), so not checkpointed.
    var bestOutOfDistribution: OutOfDistributionDetector?
    var epochsWithoutImprovement = 0
    var generator: SeededGenerator

    init(configuration: TrainingConfiguration, data: TrainingData, base: LoadedModel?,
         checkpoint: TrainingCheckpoint?, arguments: [String], printer: ProgressPrinter) throws {
        self.configuration = configuration
        self.data = data
        self.printer = printer
        self.arguments = arguments
        let classes = data.classNames.count
        guard classes >= 2 else {
            throw TrainingError.invalidConfiguration("training needs at least 2 classes, \(configuration.data) has \(classes)")
        }

        // The network: a preset, or the --init-from model's architecture with this data's classes.
        let spec: ArchitectureSpec
        if let base {
            spec = TransferLearning.spec(from: base, classes: classes)
            guard spec.inputWidth == data.preprocessing.inputWidth, spec.inputChannels == data.preprocessing.channels else {
                throw TrainingError.invalidConfiguration(
                    "the --init-from model takes \(spec.inputWidth)×\(spec.inputHeight)×\(spec.inputChannels) inputs; --input-size/--channels must match")
            }
        } else {
            do {
                spec = try ArchitectureSpec.preset(configuration.arch, inputSize: data.preprocessing.inputWidth,
                                                   channels: data.preprocessing.channels, classes: classes)
            } catch {
                throw TrainingError.invalidConfiguration("\(error)")
            }
        }
        do {
            network = try buildNetwork(spec, seed: configuration.seed,
                                       zeroInitResidualGamma: configuration.zeroInitResidual)
        } catch {
            throw TrainingError.invalidConfiguration("\(error)")
        }
        if let base {
            labelMapping = try TransferLearning.apply(base, to: network, classNames: data.classNames).mapping
            importedFrom = base.metadata.provenance?.importedFrom
        }
        minimumTrainingBatch = try Self.checkTrainingBatch(spec, configuration: configuration, images: data.train.count)

        // Data pipeline: two caches sharing the memory budget in proportion to their images.
        let budget = configuration.cacheMb << 20
        let validationCount = data.validation?.count ?? 0
        let total = max(1, data.train.count + validationCount)
        let normalizer = BatchNormalizer(width: data.preprocessing.inputWidth, height: data.preprocessing.inputHeight,
                                         channels: data.preprocessing.channels, mean: data.preprocessing.mean,
                                         std: data.preprocessing.std)
        let augment = try Augmentation.make(configuration.augmentation, preprocessing: data.preprocessing)
        trainLoader = BatchLoader(dataset: data.train, batchSize: configuration.batchSize, normalizer: normalizer,
                                  cache: ImageCache(count: data.train.count, budgetBytes: budget / total * data.train.count),
                                  failures: failures, augment: augment, workers: configuration.workers)
        let validationFailures = self.validationFailures
        validationLoader = data.validation.map {
            BatchLoader(dataset: $0, batchSize: configuration.batchSize, normalizer: normalizer,
                        cache: ImageCache(count: $0.count, budgetBytes: budget / total * validationCount),
                        failures: validationFailures, workers: configuration.workers)
        }

        let weights = configuration.classWeights == "auto"
            ? WeightedCrossEntropy.balancedWeights(counts: data.train.classCounts) : nil
        loss = WeightedCrossEntropy(labelSmoothing: Float(configuration.labelSmoothing), classWeights: weights)
        evaluationLoss = WeightedCrossEntropy(labelSmoothing: 0, classWeights: nil)
        optimizer = try OptimizerFactory.make(configuration, network: network)
        let stepsPerEpoch = (data.train.count + configuration.batchSize - 1) / configuration.batchSize
        policy = try LearningRatePolicy(configuration: configuration, stepsPerEpoch: stepsPerEpoch)
        paths = (configuration.out, TrainingReport.path(besideModel: configuration.out),
                 TrainingCheckpoint.path(besideModel: configuration.out))
        generator = SeededGenerator(seed: configuration.seed ^ 0xDA7A_5EED)

        if let checkpoint {
            try restore(checkpoint)
        }
        if configuration.freezeBackbone { network.setBackboneFrozen(true) }
    }

    /// Refuses at start-up a batch size that BatchNorm cannot train on, naming the layer and the
    /// way out; the head alone (a frozen backbone throughout) has no BatchNorm and takes any batch.
    private static func checkTrainingBatch(_ spec: ArchitectureSpec, configuration: TrainingConfiguration,
                                           images: Int) throws -> Int {
        let trainsBackbone = !configuration.freezeBackbone || configuration.unfreezeAfter != nil
        guard trainsBackbone, let map = spec.smallestBatchNormMap() else { return 1 }
        let minimum = spec.minimumTrainingBatchSize
        let name = "\(spec.preset ?? configuration.arch) at \(spec.inputWidth)×\(spec.inputHeight)"
        let why = "BatchNorm layer '\(map.layer)' sees a \(map.height)×\(map.width) map, and training needs more than one value per channel"
        if configuration.batchSize < minimum {
            let larger = spec.minimumInputSizeForSingleImageBatches().map { ", or --input-size \($0) or more" } ?? ""
            throw TrainingError.invalidConfiguration(
                "--batch-size \(configuration.batchSize) is too small for \(name): \(why); use --batch-size \(minimum) or more\(larger)")
        }
        if images < minimum {
            throw TrainingError.invalidConfiguration(
                "\(configuration.data) has \(images) training image(s), too few for \(name): \(why)")
        }
        return minimum
    }

    private func restore(_ checkpoint: TrainingCheckpoint) throws {
        let state = checkpoint.state
        guard state.classNames == data.classNames else {
            throw TrainingError.incompatibleModel(
                path: configuration.resume ?? "", reason: "the checkpoint's classes differ from the data's")
        }
        let model = LoadedModel(path: configuration.resume ?? "", metadata: ModelMetadata(
            architecture: network.spec, labels: data.classNames, preprocessing: data.preprocessing),
            tensors: checkpoint.modelTensors, sha256: "", byteCount: 0)
        do {
            try model.apply(to: network)
        } catch {
            throw TrainingError.incompatibleModel(path: configuration.resume ?? "", reason: "\(error)")
        }
        try optimizer.restore(stateTensors: checkpoint.optimizerTensors)
        epoch = state.epoch
        step = state.step
        history = state.history
        bestEpoch = state.bestEpoch
        bestAccuracy = state.bestAccuracy
        bestEvaluation = state.bestEvaluation
        bestCalibration = state.bestCalibration
        epochsWithoutImprovement = state.epochsWithoutImprovement
        generator = state.generator
    }
}
