import NeuralEngine

/// What an out-of-distribution detector reads of a set of images, as the server computes
/// it: raw logits (N, classes) and the head's input features (N, width), row by row, with
/// each image's true label (ignored for images that have none, such as photos of anything).
public struct DetectorInputs: Sendable {
    public var logits: [Float]
    public var features: [Float]
    public var labels: [Int]
    public var classes: Int
    public var width: Int

    public var count: Int { labels.count }

    public init(logits: [Float], features: [Float], labels: [Int], classes: Int, width: Int) {
        self.logits = logits
        self.features = features
        self.labels = labels
        self.classes = classes
        self.width = width
    }

    public func logits(_ row: Int) -> ArraySlice<Float> { logits[row * classes..<(row + 1) * classes] }
    public func features(_ row: Int) -> ArraySlice<Float> { features[row * width..<(row + 1) * width] }

    /// Every image of `loader` through the fused network, mirror-averaged when the model is
    /// served that way. Nil when the network's head is not a dense step the engine can read.
    public static func extract(_ network: InferenceNetwork, loader: BatchLoader, averagingFlips: Bool) -> DetectorInputs? {
        var inputs = DetectorInputs(logits: [], features: [], labels: [], classes: network.spec.classCount, width: 0)
        for batch in loader.epoch(shuffleSeed: nil, augmentSeed: nil) {
            let output = network.logitsAndFeatures(batch.images, averagingFlips: averagingFlips)
            guard let features = output.features else { return nil }
            inputs.width = features.shape[1]
            inputs.logits += output.logits.scalars
            inputs.features += features.scalars
            inputs.labels += batch.labels
        }
        return inputs
    }

    /// A `--freeze-backbone` run's cached backbone features, with the head's logits for them.
    public init(cache: FeatureCache, head: Dense, batchSize: Int = 512) {
        self.init(logits: [], features: cache.features, labels: cache.labels, classes: head.weight.value.shape[0],
                  width: cache.width)
        var start = 0
        let all = Array(0..<cache.count)
        while start < all.count {
            let slice = all[start..<min(start + batchSize, all.count)]
            start += slice.count
            logits += head.forward(cache.batch(slice).0, training: false).scalars
        }
    }
}
