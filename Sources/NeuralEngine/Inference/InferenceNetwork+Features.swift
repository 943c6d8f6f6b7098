/// The head's input beside the logits, from the same forward pass: what a feature-based
/// out-of-distribution detector (`OutOfDistributionDetector.Method.mahalanobis`) reads.
/// A file of its own, beside the network, so that the fast path of `logits` is untouched.
extension InferenceNetwork {
    /// Logits (N, classes) and the last dense step's input (N, features) for a batch
    /// (N, C, H, W) of this network's input shape. Features are nil when the network does
    /// not end in a dense step (a head the compiler left to a fallback).
    public func logitsAndFeatures(_ batch: Tensor) -> (logits: Tensor, features: Tensor?) {
        precondition(batch.rank == 4 && Array(batch.shape.dropFirst()) == imageShape,
                     "InferenceNetwork: batch shape \(batch.shape) does not match \(imageShape)")
        guard case .dense(let head, let featureBuffer, _)? = steps.last else {
            return (logits(batch), nil)
        }
        let n = batch.shape[0]
        // The last step is the head, so its output is the network's: the logits come back as
        // `logits` gives them, and its input is still in its buffer when the steps are done.
        let (logits, features) = withLockedBuffers(batch: batch) { run in
            for step in steps { run(step) }
            // A dense step's input is (N, features) row-major (FusedDense).
            return Array(UnsafeBufferPointer(start: buffers[featureBuffer], count: n * head.inFeatures))
        }
        return (logits, Tensor(shape: [n, head.inFeatures], scalars: features))
    }

    /// As `logitsAndFeatures(_:)`, averaged with the mirror images' when `averagingFlips`
    /// (as the model is served): the head is linear, so the averaged logits are the head's
    /// answer to the averaged features, and a detector reads the two together.
    public func logitsAndFeatures(_ batch: Tensor, averagingFlips: Bool) -> (logits: Tensor, features: Tensor?) {
        guard averagingFlips else { return logitsAndFeatures(batch) }
        var both: Tensor?
        let logits = FlipAveraging.averagedLogits(batch) { images in
            let output = logitsAndFeatures(images)
            both = output.features
            return output.logits
        }
        guard let both else { return (logits, nil) }
        let n = batch.shape[0], width = both.shape[1], half = n * width
        let features = both.scalars.withUnsafeBufferPointer { f in
            (0..<half).map { (f[$0] + f[half + $0]) / 2 }
        }
        return (logits, Tensor(shape: [n, width], scalars: features))
    }
}
