/// Folds an inference BatchNorm, y = scale·x + shift per output channel, into the weights
/// and bias of the convolution before it: each output channel's row of weights is
/// multiplied by its scale, and its bias becomes bias·scale + shift. Shared by every
/// fused convolution form, so that they all fold in the same order and give the same bits.
enum BatchNormFolding {
    /// `weight` is (channels, rowLength) row-major; `bias` nil means zero. Without a
    /// BatchNorm (`scale` or `shift` nil) the weights pass through unchanged.
    static func fold(weight: [Float], bias: [Float]?, scale: [Float]?, shift: [Float]?,
                     channels: Int, rowLength: Int) -> (weight: [Float], bias: [Float]) {
        var folded = weight
        var foldedBias = bias ?? [Float](repeating: 0, count: channels)
        if let scale, let shift {
            for channel in 0..<channels {
                for i in 0..<rowLength { folded[channel * rowLength + i] *= scale[channel] }
                foldedBias[channel] = foldedBias[channel] * scale[channel] + shift[channel]
            }
        }
        return (folded, foldedBias)
    }
}
