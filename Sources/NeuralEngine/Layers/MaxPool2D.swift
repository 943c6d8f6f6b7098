import CEngineKernels

/// Max pooling over square windows: (N, C, H, W) → (N, C, P, Q), padding counts as −∞
/// (PyTorch's convention), floor mode. Backward routes each gradient to the position
/// that won the window (the first one on ties), remembered as an index into the plane,
/// or, for 2×2 windows at stride 2 without padding, as a one-byte window position
/// (`engine_maxpool2x2_forward`).
public final class MaxPool2D: Layer {
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int

    private var cachedShape: [Int]?
    private var argmax: [Int32] = []
    /// The 2×2 path's winners: 0–3, or 4 where a fused ReLU zeroed the output.
    private var winners: [UInt8] = []
    /// Whether the last training forward ran with a ReLU before it fused in (`LayerChain`),
    /// so that the ReLU layer kept nothing and its backward pass is done here.
    private(set) var rectifiedInput = false

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

    /// True for 2×2 windows at stride 2 without padding, on planes of at least 2×2.
    func takesWindowPath(_ shape: [Int]) -> Bool {
        kernelSize == 2 && stride == 2 && padding == 0 && shape.count == 4 && shape[2] >= 2 && shape[3] >= 2
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        forward(input, training: training, rectify: false)
    }

    /// With `rectify`, pools max(x, 0), the output of a ReLU on `input`, without that ReLU
    /// having run: max(relu(x)) = relu(max(x)), and the gradient is the same as through
    /// the two layers (zero for windows whose maximum is not positive). Only on the 2×2 path.
    func forward(_ input: Tensor, training: Bool, rectify: Bool) -> Tensor {
        let g = geometry(for: input.shape)
        if takesWindowPath(input.shape) {
            return windowForward(input, geometry: g, training: training, rectify: rectify)
        }
        precondition(!rectify, "MaxPool2D: a fused ReLU needs 2×2 windows at stride 2")
        rectifiedInput = false
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

    private func windowForward(_ input: Tensor, geometry g: ConvolutionGeometry, training: Bool, rectify: Bool) -> Tensor {
        let planes = input.shape[0] * input.shape[1]
        let outPlane = g.outputPlane, inPlane = g.inputPlane, h = g.height, w = g.width
        cachedShape = training ? input.shape : nil
        rectifiedInput = training && rectify
        if training { winners.ensureCount(planes * outPlane) }
        return Tensor.uninitialized(shape: outputShape(for: input.shape)) { out in
            input.scalars.withUnsafeBufferPointer { x in
                winners.withUnsafeMutableBufferPointer { codes in
                    let xBase = x.baseAddress!, oBase = out.baseAddress!
                    let codeBase = training ? codes.baseAddress : nil
                    parallelFor(planes, minimumChunk: chunkSize(forItemCost: inPlane)) { range in
                        engine_maxpool2x2_forward(xBase + range.lowerBound * inPlane, range.count, h, w,
                                                  rectify ? 1 : 0, oBase + range.lowerBound * outPlane,
                                                  codeBase.map { $0 + range.lowerBound * outPlane })
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
        if takesWindowPath(shape) { return windowBackward(outputGradient, shape: shape, geometry: g) }
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

    private func windowBackward(_ outputGradient: Tensor, shape: [Int], geometry g: ConvolutionGeometry) -> Tensor {
        let planes = shape[0] * shape[1], outPlane = g.outputPlane, inPlane = g.inputPlane
        let h = g.height, w = g.width
        // Fully written by the kernel: every position gets its gradient or zero.
        return Tensor.uninitialized(shape: shape) { dx in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                winners.withUnsafeBufferPointer { codes in
                    let dxBase = dx.baseAddress!, dyBase = dy.baseAddress!, codeBase = codes.baseAddress!
                    parallelFor(planes, minimumChunk: chunkSize(forItemCost: inPlane)) { range in
                        engine_maxpool2x2_backward(dyBase + range.lowerBound * outPlane,
                                                   codeBase + range.lowerBound * outPlane, range.count, h, w,
                                                   dxBase + range.lowerBound * inPlane)
                    }
                }
            }
        }
    }
}
