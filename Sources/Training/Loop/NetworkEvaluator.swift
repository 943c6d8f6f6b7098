import NeuralEngine

/// Runs a network in inference mode over a loader's images, in dataset order; with
/// `flipAveraging`, as the server will for a model whose preprocessing asks for it.
public enum NetworkEvaluator {
    public static func evaluate(_ network: any Layer, loader: BatchLoader, classCount: Int,
                                loss: WeightedCrossEntropy? = nil, flipAveraging: Bool = false) -> EvaluationAccumulator {
        var accumulator = EvaluationAccumulator(classCount: classCount)
        for batch in loader.epoch(shuffleSeed: nil, augmentSeed: nil) {
            let logits = flipAveraging
                ? FlipAveraging.averagedLogits(batch.images) { network.forward($0, training: false) }
                : network.forward(batch.images, training: false)
            let batchLoss = loss.map { $0.loss(logits: logits, labels: batch.labels).loss }
            accumulator.add(logits: logits, labels: batch.labels, loss: batchLoss)
        }
        return accumulator
    }
}
