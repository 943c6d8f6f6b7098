import CEngineKernels

/// Depthwise 2-D convolution: one k×k filter per channel, each output channel reading
/// only its own input channel (a grouped convolution with as many groups as channels,
/// `groups=C` in PyTorch), as in MobileNetV2's inverted residual blocks (Sandler et al. 2018).
///
///   input (N, C, H, W), weight (C, 1, k, k), bias (C) → output (N, C, P, Q)
///
/// Runs on the plane kernels of Depthwise.c, on the CPU's best kernel set, split across
/// the engine's threads by planes; each plane's sums run in one order, so results do not
/// depend on the thread count or on the rest of the batch.
public final class DepthwiseConv2D: Layer {
    public let channels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let weight: Parameter
    public let bias: Parameter?

    private var cachedInput: Tensor?
    /// Makes this layer use one kernel set (tests run each one the CPU has); nil: the best.
    var kernelLevelOverride: Int32?

    public init(channels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, bias: Bool = false,
                generator: inout SeededGenerator) {
        precondition(channels > 0 && kernelSize > 0 && stride > 0 && padding >= 0, "DepthwiseConv2D: invalid configuration")
        self.channels = channels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        // He initialisation as for Conv2D; a filter's fan-in is its k² taps.
        let fanIn = kernelSize * kernelSize
        let std = (2 / Float(fanIn)).squareRoot() / SeededGenerator.truncatedNormalStandardDeviation
        var scalars = [Float](repeating: 0, count: channels * fanIn)
        for i in scalars.indices { scalars[i] = generator.nextTruncatedNormal() * std }
        weight = Parameter(name: "weight", value: Tensor(shape: [channels, 1, kernelSize, kernelSize], scalars: scalars))
        self.bias = bias ? Parameter(name: "bias", value: Tensor(zeros: [channels])) : nil
    }

    public var parameters: [Parameter] {
        if let bias { return [weight, bias] }
        return [weight]
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        precondition(inputShape.count == 4 && inputShape[1] == channels,
                     "DepthwiseConv2D(\(channels)): expected input (N, \(channels), H, W), got \(inputShape)")
        let (p, q) = outputSize(inputShape[2], inputShape[3])
        precondition(p > 0 && q > 0, "DepthwiseConv2D: input \(inputShape[2])×\(inputShape[3]) is too small")
        return [inputShape[0], channels, p, q]
    }

    func outputSize(_ height: Int, _ width: Int) -> (Int, Int) {
        ((height + 2 * padding - kernelSize) / stride + 1, (width + 2 * padding - kernelSize) / stride + 1)
    }

    var kernelLevel: Int32 { kernelLevelOverride ?? engine_cpu_vector_level() }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let shape = outputShape(for: input.shape)
        let (height, width, p, q) = (input.shape[2], input.shape[3], shape[2], shape[3])
        let planes = shape[0] * channels
        let level = kernelLevel
        cachedInput = training ? input : nil
        guard planes > 0 else { return Tensor(zeros: shape) }
        return Tensor.uninitialized(shape: shape) { out in
            input.scalars.withUnsafeBufferPointer { x in
                weight.value.scalars.withUnsafeBufferPointer { w in
                    let (x, w, y) = (x.baseAddress!, w.baseAddress!, out.baseAddress!)
                    let bias = self.bias?.value.scalars
                    parallelFor(planes, minimumChunk: chunkSize(forItemCost: p * q * kernelSize * kernelSize)) { range in
                        for plane in range {
                            let c = plane % channels
                            _ = engine_depthwise_forward(level, x + plane * height * width, height, width,
                                                         w + c * kernelSize * kernelSize, kernelSize, stride, padding,
                                                         bias?[c] ?? 0, -.infinity, .infinity, y + plane * p * q, p, q)
                        }
                    }
                }
            }
        }
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let input = cachedInput, outputGradient.shape == outputShape(for: input.shape) else {
            preconditionFailure("DepthwiseConv2D.backward needs a preceding forward(_:training: true) of the same shape")
        }
        let (batch, height, width) = (input.shape[0], input.shape[2], input.shape[3])
        let (p, q) = (outputGradient.shape[2], outputGradient.shape[3])
        let taps = kernelSize * kernelSize
        let level = kernelLevel
        let cost = p * q * taps
        guard batch > 0 else { return Tensor(zeros: input.shape) }
        outputGradient.scalars.withUnsafeBufferPointer { dy in
            let dy = dy.baseAddress!
            if weight.isTrainable {
                input.scalars.withUnsafeBufferPointer { x in
                    weight.gradient.scalars.withUnsafeMutableBufferPointer { dw in
                        let (x, dw) = (x.baseAddress!, dw.baseAddress!)
                        // By channels: each filter's gradient sums its images in order.
                        parallelFor(channels, minimumChunk: chunkSize(forItemCost: batch * cost)) { range in
                            for c in range {
                                for n in 0..<batch {
                                    let plane = n * channels + c
                                    _ = engine_depthwise_weight_gradient(level, x + plane * height * width, height, width,
                                                                         dy + plane * p * q, p, q, kernelSize, stride,
                                                                         padding, dw + c * taps)
                                }
                            }
                        }
                    }
                }
            }
            if let bias, bias.isTrainable {
                bias.gradient.scalars.withUnsafeMutableBufferPointer { db in
                    for n in 0..<batch {
                        for c in 0..<channels { db[c] += vectorSum(dy + (n * channels + c) * p * q, p * q) }
                    }
                }
            }
        }
        return Tensor.uninitialized(shape: input.shape) { dx in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                weight.value.scalars.withUnsafeBufferPointer { w in
                    let (dy, w, dx) = (dy.baseAddress!, w.baseAddress!, dx.baseAddress!)
                    parallelFor(batch * channels, minimumChunk: chunkSize(forItemCost: cost)) { range in
                        for plane in range {
                            let c = plane % channels
                            _ = engine_depthwise_input_gradient(level, dy + plane * p * q, p, q, w + c * taps, kernelSize,
                                                                stride, padding, dx + plane * height * width, height, width)
                        }
                    }
                }
            }
        }
    }
}
