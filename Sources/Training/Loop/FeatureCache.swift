import NeuralEngine

/// `--freeze-backbone`: the backbone's output for every image, computed once in
/// inference mode, so each head-only epoch is a few small matrix products
/// (the seeds' "frozen network + linear classifier", in seconds).
public struct FeatureCache: Sendable {
    public var features: [Float]
    public var labels: [Int]
    public var width: Int

    public var count: Int { labels.count }

    public static func compute(backbone: any Layer, loader: BatchLoader) -> FeatureCache {
        var features: [Float] = []
        var labels: [Int] = []
        var width = 0
        for batch in loader.epoch(shuffleSeed: nil, augmentSeed: nil) {
            let output = backbone.forward(batch.images, training: false)
            width = output.count / max(batch.labels.count, 1)
            features += output.scalars
            labels += batch.labels
        }
        return FeatureCache(features: features, labels: labels, width: width)
    }

    /// Rows `indices` as a (N, width) batch.
    public func batch(_ indices: ArraySlice<Int>) -> (Tensor, [Int]) {
        var scalars = [Float]()
        scalars.reserveCapacity(indices.count * width)
        var batchLabels: [Int] = []
        for i in indices {
            scalars += features[i * width..<(i + 1) * width]
            batchLabels.append(labels[i])
        }
        return (Tensor(shape: [indices.count, width], scalars: scalars), batchLabels)
    }
}
