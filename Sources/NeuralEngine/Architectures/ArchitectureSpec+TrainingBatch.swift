/// What a spec's BatchNorm layers ask of a training batch, from shapes alone.
///
/// In training BatchNorm normalises each channel by the mean and variance of the
/// batch's N×H×W values (Ioffe & Szegedy 2015); with a single value the variance is
/// zero and the output carries nothing, so `BatchNorm2D` refuses it (a precondition).
/// A trainer checks these before the first step, where it can still say why.
extension ArchitectureSpec {
    /// The BatchNorm layer with the smallest feature map (the first of equals), or nil
    /// when the network has none.
    public func smallestBatchNormMap() -> (layer: String, height: Int, width: Int)? {
        let maps = rows(zeroInitResidualGamma: false)
            .filter { $0.type == Self.batchNormRowType && $0.outputShape.count == 3 }
        guard let smallest = maps.min(by: { $0.outputShape[1] * $0.outputShape[2] < $1.outputShape[1] * $1.outputShape[2] })
        else { return nil }
        return (smallest.name, smallest.outputShape[1], smallest.outputShape[2])
    }

    /// The fewest images per batch that every BatchNorm layer can train on: 2 when one
    /// of them sees a 1×1 map, else 1.
    public var minimumTrainingBatchSize: Int {
        guard let map = smallestBatchNormMap() else { return 1 }
        return map.height * map.width > 1 ? 1 : 2
    }

    /// The smallest square input, from this spec's size up, at which batches of one image
    /// train (nil when none up to 1024 does).
    public func minimumInputSizeForSingleImageBatches() -> Int? {
        var probe = self
        for size in max(1, inputHeight)...max(1024, inputHeight) {
            probe.inputHeight = size
            probe.inputWidth = size
            if probe.minimumTrainingBatchSize == 1 { return size }
        }
        return nil
    }

    /// The `type` of a BatchNorm row in the layer table.
    static let batchNormRowType = "batchnorm"
}
