/// Max pooling over square windows: (N, C, H, W) → (N, C, P, Q), padding counts as −∞
/// (PyTorch's convention), floor mode. Backward routes each gradient to the position
/// that won the window (the first one on ties), remembered as an index into the plane.
public final class MaxPool2D: Layer {
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int

    private var cachedShape: [Int]?
    private var argmax: [Int32] = []

    public init(kernelSize: Int, stride: Int, padding: Int = 0) {
        // PyTorch refuses padding above half the kernel: a window could then see only padding.
        precondition(kernelSize > 0 && stride > 0 && padding >= 0 && padding <= kernelSize / 2,
                     "MaxPool2D: invalid configuration (kernel \(kernelSize), stride \(stride), padding \(padding))")
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
    }

    func geometry(for shape: [Int]) -> ConvolutionGeometry {
        .pooling("MaxPool2D", shape: shape, kernelSize: kernelSize, stride: stride, padding: padding)
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        let g = geometry(for: inputShape)
        return [inputShape[0], inputShape[1], g.outputHeight, g.outputWidth]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let g = geometry(for: input.shape)
        let planes = input.shape[0] * input.shape[1]
        let outPlane = g.outputPlane, inPlane = g.inputPlane
        cachedShape = training ? input.shape : nil
        if training && argmax.count < planes * outPlane {
            argmax = [Int32](repeating: 0, count: planes * outPlane)
        }
        let window = kernelSize * kernelSize
        return Tensor.uninitialized(shape: outputShape(for: input.shape)) { out in
            input.scalars.withUnsafeBufferPointer { x in
                argmax.withUnsafeMutableBufferPointer { indices in
                    let xBase = x.baseAddress!, oBase = out.baseAddress!
                    let iBase = training ? indices.baseAddress : nil
                    parallelFor(planes, minimumChunk: chunkSize(forItemCost: outPlane * window)) { range in
                        for plane in range {
                            let source = xBase + plane * inPlane
                            let target = oBase + plane * outPlane
                            let chosen = iBase.map { $0 + plane * outPlane }
                            for p in 0..<g.outputHeight {
                                let h0 = p * g.stride - g.padding
                                let hs = max(h0, 0)..<min(h0 + g.kernelHeight, g.height)
                                for q in 0..<g.outputWidth {
                                    let w0 = q * g.stride - g.padding
                                    let ws = max(w0, 0)..<min(w0 + g.kernelWidth, g.width)
                                    var best = -Float.infinity
                                    var bestIndex = hs.lowerBound * g.width + ws.lowerBound
                                    for h in hs {
                                        for w in ws where source[h * g.width + w] > best {
                                            best = source[h * g.width + w]
                                            bestIndex = h * g.width + w
                                        }
                                    }
                                    target[p * g.outputWidth + q] = best
                                    chosen?[p * g.outputWidth + q] = Int32(truncatingIfNeeded: bestIndex)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let shape = cachedShape, outputGradient.shape == outputShape(for: shape) else {
            preconditionFailure("MaxPool2D.backward needs a preceding forward(_:training: true) of the same shape")
        }
        let g = geometry(for: shape)
        let planes = shape[0] * shape[1], outPlane = g.outputPlane, inPlane = g.inputPlane
        var inputGradient = Tensor(zeros: shape)
        inputGradient.scalars.withUnsafeMutableBufferPointer { dx in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                argmax.withUnsafeBufferPointer { indices in
                    let dxBase = dx.baseAddress!, dyBase = dy.baseAddress!, iBase = indices.baseAddress!
                    parallelFor(planes, minimumChunk: chunkSize(forItemCost: outPlane)) { range in
                        for plane in range {
                            let target = dxBase + plane * inPlane
                            let at = plane * outPlane
                            for i in 0..<outPlane { target[Int(iBase[at + i])] += dyBase[at + i] }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
