import Foundation
import NeuralEngine

extension Trainer {
    /// The "unknown" verdict for the model file, fitted once at the end on the best epoch's
    /// weights (read back from the model file): class statistics of the head's input features
    /// over the training images, the threshold over the validation images. A
    /// `--freeze-backbone` run whose best epoch still had the backbone frozen reads the
    /// features it cached, which are exactly what the head was trained on; any other run
    /// makes one inference pass over both sets. Nothing without validation data: a
    /// threshold set on the training images would accept fewer new images than it claims.
    func fitOutOfDistribution(cachedFeatures: (train: FeatureCache, validation: FeatureCache?)?) throws {
        guard let validationLoader, let best = bestEpoch else { return }
        let started = ProgressPrinter.now()
        do {
            try ModelFile.load(from: URL(fileURLWithPath: paths.model)).apply(to: network)
        } catch {
            throw TrainingError.incompatibleModel(path: paths.model, reason: "cannot read back the best epoch: \(error)")
        }
        let frozenAtBest = configuration.freezeBackbone && best <= (configuration.unfreezeAfter ?? Int.max)
        let fit: DetectorInputs, validation: DetectorInputs, source: String
        // The cache holds single views: a mirror-averaged model is scored on averaged features.
        if frozenAtBest, !averagesFlips, let cached = cachedFeatures, let cachedValidation = cached.validation {
            fit = DetectorInputs(cache: cached.train, head: network.head)
            validation = DetectorInputs(cache: cachedValidation, head: network.head)
            source = "the cached backbone features"
        } else {
            let inference = InferenceNetwork(network)
            guard let train = DetectorInputs.extract(inference, loader: trainLoader, averagingFlips: averagesFlips),
                  let held = DetectorInputs.extract(inference, loader: validationLoader, averagingFlips: averagesFlips) else {
                printer.write("out of distribution: no verdict (the network's head is not a dense layer whose input can be read)")
                return
            }
            (fit, validation, source) = (train, held, "the best epoch's features")
        }
        let method = OutOfDistributionFitting.defaultMethod
        guard let detector = OutOfDistributionFitting.fit(method, fit: fit, validation: validation) else {
            printer.write("out of distribution: no verdict (the \(method.rawValue) statistics could not be computed)")
            return
        }
        bestOutOfDistribution = detector
        try saveModel()
        printer.write(String(format: "out of distribution: %@ from %@ of %d training images; threshold %.4g accepts %.0f%% of %d validation images (%.1fs)",
                             method.rawValue, source, fit.count, detector.threshold, detector.acceptanceRate * 100,
                             validation.count, ProgressPrinter.now() - started))
    }
}
