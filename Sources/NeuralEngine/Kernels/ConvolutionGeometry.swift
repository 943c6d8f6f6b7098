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
}
