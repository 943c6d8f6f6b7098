import NeuralEngine

/// Runs a network in inference mode over a loader's images, in dataset order.
public enum NetworkEvaluator {
    public static func evaluate(_ network: any Layer, loader: BatchLoader, classCount: Int,
                                loss: WeightedCrossEntropy? = nil) -> EvaluationAccumulator {
        var accumulator = EvaluationAccumulator(classCount: classCount)
        for batch in loader.epoch(shuffleSeed: nil, augmentSeed: nil) {
            let logits = network.forward(batch.images, training: false)
            let batchLoss = loss.map { $0.loss(logits: logits, labels: batch.labels).loss }
            accumulator.add(logits: logits, labels: batch.labels, loss: batchLoss)
        }
        return accumulator
    }
}
