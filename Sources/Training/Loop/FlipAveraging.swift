import NeuralEngine

/// Test-time augmentation by horizontal flip: a batch's logits are averaged with those of
/// its mirror image. Sound only for models trained with `--horizontal-flip` (they have
/// learnt that a mirrored photo is the same class); it costs a second forward pass.
public enum FlipAveraging {
    /// (N, C, H, W) with every row reversed.
    public static func horizontallyFlipped(_ images: Tensor) -> Tensor {
        precondition(images.rank == 4, "FlipAveraging: expected (N, C, H, W), got \(images.shape)")
        let width = images.shape[3]
        var flipped = images
        images.scalars.withUnsafeBufferPointer { from in
            flipped.scalars.withUnsafeMutableBufferPointer { to in
                for row in stride(from: 0, to: from.count, by: width) {
                    for x in 0..<width { to[row + x] = from[row + width - 1 - x] }
                }
            }
        }
        return flipped
    }

    /// The mean of `logits(images)` and `logits(mirrored images)`.
    public static func averagedLogits(_ images: Tensor, _ logits: (Tensor) -> Tensor) -> Tensor {
        var sum = logits(images)
        let mirrored = logits(horizontallyFlipped(images))
        for i in sum.scalars.indices { sum.scalars[i] = (sum.scalars[i] + mirrored.scalars[i]) / 2 }
        return sum
    }
}
