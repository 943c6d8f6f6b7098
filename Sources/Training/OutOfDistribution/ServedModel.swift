import Foundation
import NeuralEngine

/// A model file opened as the server runs it (the fused network, the file's preprocessing,
/// mirror averaging when the file asks), for the commands that score a data set with it:
/// `calibrate` and `compare-ood`.
struct ServedModel {
    let path: String
    let loaded: LoadedModel
    let network: Network
    let inference: InferenceNetwork
    let batchSize: Int

    var metadata: ModelMetadata { loaded.metadata }

    init(path: String, batchSize: Int = 128) throws {
        self.path = path
        self.batchSize = batchSize
        loaded = try TransferLearning.load(path)
        do {
            network = try buildNetwork(loaded.metadata.architecture, seed: 0)
            try loaded.apply(to: network)
        } catch {
            throw TrainingError.incompatibleModel(path: path, reason: "\(error)")
        }
        inference = InferenceNetwork(network)
    }

    /// An IDX file or an image folder in the model's preprocessing. With `labelled`, its
    /// classes are matched to the model's by name (as `evaluate` does); without, every image
    /// is labelled 0: photos of anything, whose folder names mean nothing to the model.
    func dataset(_ data: String, labels: [String]? = nil, labelled: Bool) throws -> any ImageDataset {
        let loader = try WorkingImageLoader(preprocessing: metadata.preprocessing)
        let dataset = try TrainingData.open(data, labels: labels, expectedClasses: nil, loader: loader)
        let mapping = labelled
            ? try ModelEvaluation.classMapping(data: dataset.classNames, model: metadata.labels, dataPath: data)
            : Array(repeating: 0, count: dataset.classNames.count)
        return RelabelledDataset(base: dataset, classNames: metadata.labels, mapping: mapping)
    }

    /// Logits and head features of every image of `dataset`, as served.
    func inputs(_ dataset: any ImageDataset, what: String) throws -> DetectorInputs {
        let p = metadata.preprocessing
        let failures = FailureLog()
        let loader = BatchLoader(
            dataset: dataset, batchSize: batchSize,
            normalizer: BatchNormalizer(width: p.inputWidth, height: p.inputHeight, channels: p.channels, mean: p.mean, std: p.std),
            cache: ImageCache(count: dataset.count, budgetBytes: 0), failures: failures, workers: 2)
        guard let inputs = DetectorInputs.extract(inference, loader: loader, averagingFlips: p.averagesFlips) else {
            throw TrainingError.incompatibleModel(path: path, reason: "its network does not end in a dense head whose input can be read")
        }
        guard inputs.count > 0 else { throw TrainingError.noUsableImages(what) }
        return inputs
    }

    /// `dataset` split as training splits `--data` (stratified, seeded): the images the
    /// statistics come from, and the validation images the threshold is set on.
    func split(_ dataset: any ImageDataset, fraction: Double, seed: UInt64) -> (fit: any ImageDataset, validation: any ImageDataset) {
        let (fit, validation) = StratifiedSplit.split(labels: dataset.labels, classCount: metadata.labels.count,
                                                      fraction: fraction, seed: seed)
        return (DatasetSubset(base: dataset, indices: fit, name: "train split"),
                DatasetSubset(base: dataset, indices: validation, name: "validation split"))
    }
}
