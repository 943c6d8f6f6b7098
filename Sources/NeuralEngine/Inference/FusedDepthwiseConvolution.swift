import CEngineKernels

/// A depthwise convolution with its BatchNorm folded in and its activation fused, for
/// the inference path: every (channel, image) plane of the CNHW map is one call of the
/// plane kernel (Depthwise.c), which writes clamp(bias + convolution) directly.
///
/// The planes are shared among the engine's threads; each plane is computed in the same
/// order by one thread, so results do not depend on the batch or the thread count.
final class FusedDepthwiseConvolution {
    let channels: Int
    let kernelSize: Int
    let stride: Int
    let padding: Int
    let activation: FusedActivation
    /// Folded filters, (C, k·k).
    let weight: [Float]
    /// Folded bias, (C).
    let bias: [Float]
    /// The kernel set (tests run each the CPU has).
    let level: Int32

    /// `scale`/`shift`: the folded BatchNorm, y = scale·conv(x) + shift, per channel.
    init(channels: Int, kernelSize: Int, stride: Int, padding: Int, weight: [Float], bias: [Float]?,
         scale: [Float]?, shift: [Float]?, activation: FusedActivation, level: Int32 = engine_cpu_vector_level()) {
        self.channels = channels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.activation = activation
        self.level = level
        (self.weight, self.bias) = BatchNormFolding.fold(weight: weight, bias: bias, scale: scale, shift: shift,
                                                         channels: channels, rowLength: kernelSize * kernelSize)
    }

    func outputSize(_ height: Int, _ width: Int) -> (Int, Int) {
        ((height + 2 * padding - kernelSize) / stride + 1, (width + 2 * padding - kernelSize) / stride + 1)
    }

    /// output (C, N, P, Q) from input (C, N, H, W).
    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int) {
        let (p, q) = outputSize(height, width)
        let taps = kernelSize * kernelSize
        let (low, high) = (activation.lowerBound, activation.upperBound)
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                let (w, b) = (w.baseAddress!, b.baseAddress!)
                // A 112×112 plane is about 0.2 M multiply-adds: a few planes per task.
                parallelFor(channels * batch, minimumChunk: chunkSize(forItemCost: p * q * taps, work: 1 << 16)) { range in
                    for plane in range {
                        let c = plane / batch
                        _ = engine_depthwise_forward(level, input + plane * height * width, height, width, w + c * taps,
                                                     kernelSize, stride, padding, b[c], low, high, output + plane * p * q, p, q)
                    }
                }
            }
        }
    }
}
