/// Shapes of one 2-D convolution or pooling window sweep over an NCHW input,
/// with square kernels, equal strides and symmetric zero padding (floor mode):
///   input (N, C, H, W), kernel R×S, output (N, K, P, Q),
///   P = (H + 2·padding − R) / stride + 1, Q likewise.
struct ConvolutionGeometry {
    let channels: Int
    let height: Int
    let width: Int
    let kernelHeight: Int
    let kernelWidth: Int
    let stride: Int
    let padding: Int

    var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    var inputPlane: Int { height * width }
    var outputPlane: Int { outputHeight * outputWidth }
    /// Rows of the im2col matrix: C·R·S.
    var patchSize: Int { channels * kernelHeight * kernelWidth }

    /// Output columns `q` whose input column `q·stride − padding + s` lies inside the image.
    @inline(__always)
    func validColumns(kernelColumn s: Int) -> Range<Int> {
        let offset = padding - s  // input column = q·stride − offset
        let low = offset > 0 ? (offset + stride - 1) / stride : 0
        let highExclusive = width - 1 + offset >= 0 ? (width - 1 + offset) / stride + 1 : 0
        let high = min(outputWidth, highExclusive)
        return low < high ? low..<high : 0..<0
    }

    /// For stride 1 with output width equal to input width (padding = (S − 1)/2, the usual
    /// "same" convolution), the im2col row for kernel offset (r, s) is the input plane read
    /// at a constant shift: output index i ↔ input index i + shift, valid for output rows
    /// `rows`. `first`/`count` bound the contiguous run of output indices to copy (clipped
    /// so that every input index read lies inside the plane); columns outside `valid` in
    /// between wrapped around from a neighbouring row and must be zeroed.
    @inline(__always)
    func contiguousBlock(r: Int, s: Int, valid: Range<Int>)
        -> (rows: Range<Int>, first: Int, count: Int, shift: Int)?
    {
        guard stride == 1, outputWidth == width, !valid.isEmpty else { return nil }
        let rowLow = max(0, padding - r), rowHigh = min(outputHeight, height + padding - r)
        guard rowLow < rowHigh else { return nil }
        let first = rowLow * width + valid.lowerBound
        let last = (rowHigh - 1) * width + valid.upperBound  // exclusive
        return (rowLow..<rowHigh, first, last - first, (r - padding) * width + (s - padding))
    }
}
