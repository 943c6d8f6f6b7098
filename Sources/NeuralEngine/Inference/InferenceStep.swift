/// One step of a compiled inference program. Operands are indices of activation
/// buffers; shapes are per image (the batch size is known only when it runs).
enum InferenceStep {
    /// A folded convolution on a (C, N, H, W) map; `residual` is added before the activation.
    case convolution(FusedConvolution, input: Int, output: Int, residual: Int?, height: Int, width: Int)
    /// A folded depthwise convolution on a (C, N, H, W) map.
    case depthwise(FusedDepthwiseConvolution, input: Int, output: Int, height: Int, width: Int)
    case pool(input: Int, output: Int, channels: Int, height: Int, width: Int,
              kernel: Int, stride: Int, padding: Int, max: Bool)
    /// (C, N, H, W) → (N, C).
    case globalAveragePool(input: Int, output: Int, channels: Int, plane: Int)
    /// (C, N, H, W) → (N, C·H·W), in PyTorch's flattening order.
    case flatten(input: Int, output: Int, channels: Int, plane: Int)
    case dense(FusedDense, input: Int, output: Int)
    /// A BatchNorm with nothing to fold into, with its activation.
    case affine(input: Int, output: Int, channels: Int, plane: Int, scale: [Float], shift: [Float],
                activation: FusedActivation)
    /// activation(a + b) over a whole activation (b nil: a standalone ReLU or ReLU6).
    case add(input: Int, other: Int?, output: Int, elementsPerImage: Int, activation: FusedActivation)
    /// Any other layer, run through its own evaluation-mode forward (correct, not fast).
    case fallback(any Layer, input: Int, output: Int, inputShape: [Int], outputShape: [Int])
}
