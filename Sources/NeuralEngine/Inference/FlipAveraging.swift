/// Test-time augmentation by horizontal flip: a batch's logits are averaged with those of
/// its mirror image. Sound only for models trained with `--horizontal-flip` (they have
/// learnt that a mirrored photo is the same class); it costs a second forward pass. Used by
/// `classifier-train evaluate` and by the server for models whose preprocessing asks for it
/// (`Preprocessing.testTimeAugmentation`).
public enum FlipAveraging {
    /// (N, C, H, W) with every row reversed.
    public static func horizontallyFlipped(_ images: Tensor) -> Tensor {
        precondition(images.rank == 4, "FlipAveraging: expected (N, C, H, W), got \(images.shape)")
        return Tensor.uninitialized(shape: images.shape) { to in
            images.scalars.withUnsafeBufferPointer { from in
                guard let target = to.baseAddress else { return }  // an empty batch
                writeMirrored(from, width: images.shape[3], into: target)
            }
        }
    }

    /// Writes `from`'s rows of `width` scalars, each reversed, to `to`.
    private static func writeMirrored(_ from: UnsafeBufferPointer<Float>, width: Int, into to: UnsafeMutablePointer<Float>) {
        for row in stride(from: 0, to: from.count, by: width) {
            for x in 0..<width { to[row + x] = from[row + width - 1 - x] }
        }
    }

    /// The mean of `logits(images)` and `logits(mirrored images)`, from one call on a batch
    /// twice the size (images, then their mirrors) rather than two calls: wider GEMMs and a
    /// batch split across the engine threads. ResNet-20 at 28×28 on two threads takes 3.5 ms
    /// for an image and its mirror against 2.0 ms for the image alone (`engine-benchmark`).
    public static func averagedLogits(_ images: Tensor, _ logits: (Tensor) -> Tensor) -> Tensor {
        precondition(images.rank == 4, "FlipAveraging: expected (N, C, H, W), got \(images.shape)")
        let count = images.shape[0]
        var shape = images.shape
        shape[0] = 2 * count
        // The images, then their mirrors, written straight into one batch.
        let both = Tensor.uninitialized(shape: shape) { to in
            images.scalars.withUnsafeBufferPointer { from in
                guard let source = from.baseAddress, let target = to.baseAddress else { return }  // an empty batch
                target.update(from: source, count: from.count)
                writeMirrored(from, width: images.shape[3], into: target + from.count)
            }
        }
        let output = logits(both)
        precondition(output.rank == 2 && output.shape[0] == 2 * count,
                     "FlipAveraging: expected (\(2 * count), classes) logits, got \(output.shape)")
        let classes = output.shape[1], half = count * classes
        return Tensor.uninitialized(shape: [count, classes]) { average in
            output.scalars.withUnsafeBufferPointer { o in
                for i in 0..<half { average[i] = (o[i] + o[half + i]) / 2 }
            }
        }
    }
}
