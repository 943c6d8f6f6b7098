import CBLAS

extension Conv2D {
    /// dL/dY (N, K, P, Q) → dL/dX (N, C, H, W); adds dL/dW (K, C, R, S) and dL/db (K).
    ///
    ///   dW += dY_g (K, G·PQ) · cols_gᵀ (G·PQ, CRS)
    ///   dcols_g (CRS, G·PQ) = Wᵀ (CRS, K) · dY_g (K, G·PQ), then col2im → dX_g
    public func backward(_ outputGradient: Tensor) -> Tensor {
        EngineThreads.prepare()
        guard let input = cachedInput else {
            preconditionFailure("Conv2D.backward needs a preceding forward(_:training: true)")
        }
        let g = geometry(for: input.shape)
        let n = input.shape[0], k = outChannels, plane = g.outputPlane
        precondition(outputGradient.shape == [n, k, g.outputHeight, g.outputWidth],
                     "Conv2D.backward: gradient \(outputGradient.shape) does not match output")
        if let bias, bias.isTrainable { accumulateBiasGradient(outputGradient, into: bias, images: n, plane: plane) }
        let updateWeight = weight.isTrainable
        let group = groupSize(images: n, geometry: g)
        // Fully written below: by the 1×1 GEMM (β = 0) or by col2im, which zeroes each plane.
        var inputGradient = Tensor.uninitialized(shape: input.shape) { _ in }
        if !isPointwise {
            columns.ensureCount(g.patchSize * group * plane)
            if group > 1 { product.ensureCount(k * group * plane) }
        }
        let c = inChannels, crs = g.patchSize
        inputGradient.scalars.withUnsafeMutableBufferPointer { dx in
            input.scalars.withUnsafeBufferPointer { x in
                outputGradient.scalars.withUnsafeBufferPointer { dy in
                    weight.value.scalars.withUnsafeBufferPointer { w in
                        weight.gradient.scalars.withUnsafeMutableBufferPointer { dw in
                            if isPointwise {
                                for image in 0..<n {
                                    let xi = x.baseAddress! + image * c * plane
                                    let dyi = dy.baseAddress! + image * k * plane
                                    if updateWeight {
                                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                                                    Int32(k), Int32(c), Int32(plane), 1,
                                                    dyi, Int32(plane), xi, Int32(plane),
                                                    1, dw.baseAddress, Int32(c))
                                    }
                                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
                                                Int32(c), Int32(plane), Int32(k), 1,
                                                w.baseAddress, Int32(c), dyi, Int32(plane),
                                                0, dx.baseAddress! + image * c * plane, Int32(plane))
                                }
                                return
                            }
                            columns.withUnsafeMutableBufferPointer { col in
                                product.withUnsafeMutableBufferPointer { prod in
                                    var first = 0
                                    while first < n {
                                        let count = min(group, n - first)
                                        let width = count * plane
                                        let dyFirst = dy.baseAddress! + first * k * plane
                                        let dyGroup: UnsafePointer<Float>
                                        if count == 1 {
                                            dyGroup = dyFirst
                                        } else {
                                            gatherImages(dyFirst, images: count, channels: k, plane: plane,
                                                         into: prod.baseAddress!)
                                            dyGroup = UnsafePointer(prod.baseAddress!)
                                        }
                                        if updateWeight {
                                            im2col(x.baseAddress! + first * c * g.inputPlane,
                                                   images: count, geometry: g, into: col.baseAddress!)
                                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                                                        Int32(k), Int32(crs), Int32(width), 1,
                                                        dyGroup, Int32(width), col.baseAddress, Int32(width),
                                                        1, dw.baseAddress, Int32(crs))
                                        }
                                        // The columns are spent: reuse them for dcols.
                                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
                                                    Int32(crs), Int32(width), Int32(k), 1,
                                                    w.baseAddress, Int32(crs), dyGroup, Int32(width),
                                                    0, col.baseAddress, Int32(width))
                                        col2im(col.baseAddress!, images: count, geometry: g,
                                               into: dx.baseAddress! + first * c * g.inputPlane)
                                        first += count
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }

    /// db[k] += Σ over images and positions of dY[n, k, ·].
    private func accumulateBiasGradient(_ dy: Tensor, into bias: Parameter, images: Int, plane: Int) {
        let k = outChannels
        var sums = [Float](repeating: 0, count: k)
        dy.scalars.withUnsafeBufferPointer { d in
            sums.withUnsafeMutableBufferPointer { s in
                let base = d.baseAddress!, out = s.baseAddress!
                parallelFor(k, minimumChunk: chunkSize(forItemCost: images * plane)) { range in
                    for channel in range {
                        var total: Float = 0
                        for image in 0..<images {
                            total += vectorSum(base + (image * k + channel) * plane, plane)
                        }
                        out[channel] = total
                    }
                }
            }
        }
        for channel in 0..<k { bias.gradient.scalars[channel] += sums[channel] }
    }
}
