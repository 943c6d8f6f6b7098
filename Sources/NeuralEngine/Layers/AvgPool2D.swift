/// Average pooling over square windows: (N, C, H, W) → (N, C, P, Q), floor mode.
/// Padded positions count as zeros in the divisor (`count_include_pad=True`, PyTorch's
/// default), so every window divides by kernelSize².
public final class AvgPool2D: Layer {
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int

    private var cachedShape: [Int]?

    public init(kernelSize: Int, stride: Int, padding: Int = 0) {
        precondition(kernelSize > 0 && stride > 0 && padding >= 0 && padding <= kernelSize / 2,
                     "AvgPool2D: invalid configuration (kernel \(kernelSize), stride \(stride), padding \(padding))")
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
    }

    func geometry(for shape: [Int]) -> ConvolutionGeometry {
        .pooling("AvgPool2D", shape: shape, kernelSize: kernelSize, stride: stride, padding: padding)
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        let g = geometry(for: inputShape)
        return [inputShape[0], inputShape[1], g.outputHeight, g.outputWidth]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let g = geometry(for: input.shape)
        let planes = input.shape[0] * input.shape[1], outPlane = g.outputPlane, inPlane = g.inputPlane
        cachedShape = training ? input.shape : nil
        let scale = 1 / Float(kernelSize * kernelSize)
        return Tensor.uninitialized(shape: outputShape(for: input.shape)) { out in
            input.scalars.withUnsafeBufferPointer { x in
                let xBase = x.baseAddress!, oBase = out.baseAddress!
                parallelFor(planes, minimumChunk: chunkSize(forItemCost: outPlane * kernelSize * kernelSize)) { range in
                    for plane in range {
                        let source = xBase + plane * inPlane, target = oBase + plane * outPlane
                        for p in 0..<g.outputHeight {
                            let h0 = p * g.stride - g.padding
                            let hs = max(h0, 0)..<min(h0 + g.kernelHeight, g.height)
                            for q in 0..<g.outputWidth {
                                let w0 = q * g.stride - g.padding
                                let ws = max(w0, 0)..<min(w0 + g.kernelWidth, g.width)
                                var sum: Float = 0
                                for h in hs { for w in ws { sum += source[h * g.width + w] } }
                                target[p * g.outputWidth + q] = sum * scale
                            }
                        }
                    }
                }
            }
        }
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let shape = cachedShape, outputGradient.shape == outputShape(for: shape) else {
            preconditionFailure("AvgPool2D.backward needs a preceding forward(_:training: true) of the same shape")
        }
        let g = geometry(for: shape)
        let planes = shape[0] * shape[1], outPlane = g.outputPlane, inPlane = g.inputPlane
        let scale = 1 / Float(kernelSize * kernelSize)
        var inputGradient = Tensor(zeros: shape)
        inputGradient.scalars.withUnsafeMutableBufferPointer { dx in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                let dxBase = dx.baseAddress!, dyBase = dy.baseAddress!
                parallelFor(planes, minimumChunk: chunkSize(forItemCost: outPlane * kernelSize * kernelSize)) { range in
                    for plane in range {
                        let target = dxBase + plane * inPlane, source = dyBase + plane * outPlane
                        for p in 0..<g.outputHeight {
                            let h0 = p * g.stride - g.padding
                            let hs = max(h0, 0)..<min(h0 + g.kernelHeight, g.height)
                            for q in 0..<g.outputWidth {
                                let w0 = q * g.stride - g.padding
                                let ws = max(w0, 0)..<min(w0 + g.kernelWidth, g.width)
                                let share = source[p * g.outputWidth + q] * scale
                                for h in hs { for w in ws { target[h * g.width + w] += share } }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
