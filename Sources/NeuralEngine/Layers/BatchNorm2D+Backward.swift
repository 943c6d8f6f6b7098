extension BatchNorm2D {
    /// dL/dY (N, C, H, W) → dL/dX; adds dL/dγ and dL/dβ.
    ///
    /// After a training forward (batch statistics, M = N·H·W values per channel,
    /// x̂ = (x − μ)/σ):
    ///   dβ = Σ dy,  dγ = Σ dy·x̂,
    ///   dx = γ/σ · (dy − dβ/M − x̂·dγ/M)
    /// (the terms through μ and σ folded in), rewritten per channel as dx = a·dy + b·x + c
    /// so that the inner loop is two multiply-adds.
    /// After an evaluation forward the statistics are constants: dx = γ/σ · dy, and no
    /// parameter gradient is added (evaluation keeps no input, so a frozen backbone costs
    /// no memory).
    public func backward(_ outputGradient: Tensor) -> Tensor {
        backward(outputGradient, rectifiedOutput: nil)
    }

    /// The backward pass; with `rectifiedOutput` (the output of a fused ReLU, see
    /// `LayerChain`), `outputGradient` is the gradient after that ReLU and is masked by
    /// it on the fly, with the same arithmetic as ReLU.backward followed by this.
    func backward(_ outputGradient: Tensor, rectifiedOutput: Tensor?) -> Tensor {
        let shape = outputGradient.shape
        precondition(shape.count == 4 && shape[1] == channels,
                     "BatchNorm2D.backward: unexpected gradient shape \(shape)")
        let n = shape[0], c = channels, plane = shape[2] * shape[3]
        var a = [Float](repeating: 0, count: c), b = a, offset = a
        precondition(rectifiedOutput == nil || (cachedTraining && rectifiedOutput!.shape == shape),
                     "BatchNorm2D.backward: a fused ReLU needs a training forward of the same shape")
        guard cachedTraining else {
            for ch in 0..<c { a[ch] = weight.value.scalars[ch] * savedInverseStd[ch] }
            return Self.affineBackward(outputGradient, x: nil, a: a, b: b, offset: offset,
                                       channels: c, images: n, plane: plane)
        }
        guard let input = cachedInput, input.shape == shape else {
            preconditionFailure("BatchNorm2D.backward needs a preceding forward(_:training: true)")
        }
        // Σ dy and Σ dy·x per channel (Float lanes within a plane, Double across planes).
        var sums = [Float](repeating: 0, count: 2 * c)
        let mask = rectifiedOutput ?? Tensor(zeros: [0])
        input.scalars.withUnsafeBufferPointer { x in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
              mask.scalars.withUnsafeBufferPointer { y in
                sums.withUnsafeMutableBufferPointer { s in
                    let xBase = x.baseAddress!, dyBase = dy.baseAddress!, sBase = s.baseAddress!
                    let yBase = rectifiedOutput == nil ? nil : y.baseAddress
                    parallelFor(c, minimumChunk: chunkSize(forItemCost: 2 * n * plane)) { range in
                        for ch in range {
                            var dot = 0.0, sum = 0.0
                            for image in 0..<n {
                                let at = (image * c + ch) * plane
                                let r = yBase.map { vectorMaskedDotAndSum(xBase + at, dyBase + at, mask: $0 + at, plane) }
                                    ?? vectorDotAndSum(xBase + at, dyBase + at, plane)
                                dot += Double(r.dot)
                                sum += Double(r.sum)
                            }
                            sBase[ch] = Float(sum)
                            sBase[c + ch] = Float(dot)
                        }
                    }
                }
              }
            }
        }
        let m = Float(n * plane)
        let trainable = weight.isTrainable || bias.isTrainable
        for ch in 0..<c {
            let mean = savedMean[ch], inv = savedInverseStd[ch], gamma = weight.value.scalars[ch]
            let sumDy = sums[ch]
            let sumDyXhat = (sums[c + ch] - mean * sumDy) * inv  // Σ dy·(x − μ)/σ
            a[ch] = gamma * inv
            b[ch] = -a[ch] * inv * sumDyXhat / m
            offset[ch] = -a[ch] * sumDy / m - b[ch] * mean
            if trainable {
                weight.gradient.scalars[ch] += sumDyXhat
                bias.gradient.scalars[ch] += sumDy
            }
        }
        return input.scalars.withUnsafeBufferPointer { x in
            mask.scalars.withUnsafeBufferPointer { y in
                Self.affineBackward(outputGradient, x: x.baseAddress!, mask: rectifiedOutput == nil ? nil : y.baseAddress,
                                    a: a, b: b, offset: offset, channels: c, images: n, plane: plane)
            }
        }
    }

    /// dx = a[c]·dy + b[c]·x + offset[c] over every plane (x may be absent when b is zero);
    /// with `mask`, dy is taken as 0 where the mask (a fused ReLU's output) is not > 0.
    private static func affineBackward(
        _ dy: Tensor, x: UnsafePointer<Float>?, mask: UnsafePointer<Float>? = nil,
        a: [Float], b: [Float], offset: [Float],
        channels c: Int, images n: Int, plane: Int
    ) -> Tensor {
        Tensor.uninitialized(shape: dy.shape) { out in
            dy.scalars.withUnsafeBufferPointer { g in
                let gBase = g.baseAddress!, oBase = out.baseAddress!
                parallelFor(n * c, minimumChunk: chunkSize(forItemCost: plane)) { range in
                    for item in range {
                        let ch = item % c, at = item * plane
                        let ac = a[ch], bc = b[ch], oc = offset[ch]
                        let d = gBase + at, o = oBase + at
                        if let x, let mask {
                            let xs = x + at, ys = mask + at
                            for i in 0..<plane {
                                let g: Float = ys[i] > 0 ? d[i] : 0
                                o[i] = ac * g + (bc * xs[i] + oc)
                            }
                        } else if let x {
                            let xs = x + at
                            for i in 0..<plane { o[i] = ac * d[i] + (bc * xs[i] + oc) }
                        } else {
                            for i in 0..<plane { o[i] = ac * d[i] }
                        }
                    }
                }
            }
        }
    }
}
