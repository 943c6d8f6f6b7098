import CBLAS

extension Conv2D {
    /// dL/dY (N, K, P, Q) → dL/dX (N, C, H, W); adds dL/dW (K, C, R, S) and dL/db (K).
    ///
    ///   dW += dY_g (K, G·PQ) · cols_gᵀ (G·PQ, CRS)
    ///   dcols_g (CRS, G·PQ) = Wᵀ (CRS, K) · dY_g (K, G·PQ), then col2im → dX_g
    ///
    /// Each share of a `BatchSplit` accumulates its dW privately (the first share straight
    /// into the parameter's gradient); the private sums are added in share order, so a
    /// given thread count always gives the same gradient. With `skipsInputGradient`, dX is
    /// not computed and comes back as zeros.
    public func backward(_ outputGradient: Tensor) -> Tensor {
        EngineThreads.prepare()
        guard let input = cachedInput else {
            preconditionFailure("Conv2D.backward needs a preceding forward(_:training: true)")
        }
        let g = geometry(for: input.shape)
        let n = input.shape[0], k = outChannels, plane = g.outputPlane
        precondition(outputGradient.shape == [n, k, g.outputHeight, g.outputWidth],
                     "Conv2D.backward: gradient \(outputGradient.shape) does not match output")
        if let level = directTrainingLevel {
            return directBackward(outputGradient, input: input, geometry: g, level: level)
        }
        if let bias, bias.isTrainable { accumulateBiasGradient(outputGradient, into: bias, images: n, plane: plane) }
        let updateWeight = weight.isTrainable
        let split = BatchSplit(images: n)
        let scratch = ConvolutionScratch(layer: self, geometry: g, share: split.largestShare)
        scratch.reserve(columns: &columns, product: &product, shares: split.tasks)
        let layout = KeptColumnsLayout(images: n, shares: split.tasks, group: scratch.group)
        let useKept = updateWeight && keptLayout == layout
        let taps = activeTaps(g)
        if let taps { compactWeights(g, taps: taps) }
        // With skipped taps every share's dW is compact and private, expanded in share order.
        let weightCount = taps.map { k * g.channels * $0.count } ?? weight.value.count
        let privateShares = taps == nil ? split.tasks - 1 : split.tasks
        let privateWeightGradients = updateWeight ? weightCount * privateShares : 0
        weightGradientScratch.ensureCount(max(1, privateWeightGradients))
        // Fully written below: by the 1×1 GEMM (β = 0) or by col2im, which zeroes each plane.
        var inputGradient = Tensor.uninitialized(shape: input.shape) { _ in }
        inputGradient.scalars.withUnsafeMutableBufferPointer { dx in
            input.scalars.withUnsafeBufferPointer { x in
                outputGradient.scalars.withUnsafeBufferPointer { dy in
                    (taps == nil ? weight.value.scalars : compactWeight).withUnsafeBufferPointer { w in
                        weight.gradient.scalars.withUnsafeMutableBufferPointer { dw in
                            weightGradientScratch.withUnsafeMutableBufferPointer { privateDW in
                                columns.withUnsafeMutableBufferPointer { col in
                                  keptColumns.withUnsafeMutableBufferPointer { kept in
                                    product.withUnsafeMutableBufferPointer { prod in
                                        let buffers = UnsafeConvolutionGradientBuffers(
                                            input: x.baseAddress!, weight: w.baseAddress!,
                                            outputGradient: dy.baseAddress!, inputGradient: dx.baseAddress!)
                                        if privateWeightGradients > 0 {
                                            privateDW.baseAddress!.update(repeating: 0, count: privateWeightGradients)
                                        }
                                        split.run(finally: {
                                            // Inside the serial-BLAS region: a threaded saxpy here
                                            // would wake OpenBLAS's workers, which then spin.
                                            for share in 0..<privateWeightGradients / max(1, weightCount) {
                                                let shareDW = privateDW.baseAddress! + share * weightCount
                                                if let taps {
                                                    taps.addExpanded(shareDW, outChannels: k, channels: g.channels,
                                                                     kernelArea: kernelSize * kernelSize,
                                                                     into: dw.baseAddress!)
                                                } else {
                                                    cblas_saxpy(Int32(weightCount), 1, shareDW, 1, dw.baseAddress!, 1)
                                                }
                                            }
                                        }) { task, images in
                                            let privateIndex = taps == nil ? task - 1 : task
                                            let weightGradient = privateIndex < 0
                                                ? dw.baseAddress! : privateDW.baseAddress! + privateIndex * weightCount
                                            backward(images, geometry: g, taps: taps, buffers: buffers, group: scratch.group,
                                                     weightGradient: updateWeight ? weightGradient : nil,
                                                     inputGradient: !skipsInputGradient,
                                                     columns: col.baseAddress! + task * scratch.columnsPerShare,
                                                     keptColumns: useKept ? UnsafePointer(kept.baseAddress) : nil,
                                                     product: prod.baseAddress! + task * scratch.productPerShare,
                                                     parallel: split.tasks == 1)
                                        }
                                    }
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

    /// The backward pass over `images` of the batch; adds their dW to `weightGradient`
    /// when it is given (the weight is trainable), from the forward pass's `keptColumns`
    /// when given, else from columns rebuilt by im2col; without `inputGradient`, sets their
    /// dX to zero instead of computing it. With `taps`, the columns,
    /// `buffers.weight` and `weightGradient` hold the active taps only.
    private func backward(
        _ images: Range<Int>, geometry g: ConvolutionGeometry, taps: ActiveTaps?,
        buffers: UnsafeConvolutionGradientBuffers,
        group: Int, weightGradient dw: UnsafeMutablePointer<Float>?, inputGradient: Bool,
        columns: UnsafeMutablePointer<Float>, keptColumns: UnsafePointer<Float>?,
        product: UnsafeMutablePointer<Float>, parallel: Bool
    ) {
        let k = outChannels, c = inChannels, crs = patchRows(g, taps: taps), plane = g.outputPlane
        let x = buffers.input, w = buffers.weight, dy = buffers.outputGradient, dx = buffers.inputGradient
        if isPointwise {
            for image in images {
                let xi = x + image * c * plane
                let dyi = dy + image * k * plane
                if let dw {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                                Int32(k), Int32(c), Int32(plane), 1,
                                dyi, Int32(plane), xi, Int32(plane), 1, dw, Int32(c))
                }
                if inputGradient {
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
                                Int32(c), Int32(plane), Int32(k), 1,
                                w, Int32(c), dyi, Int32(plane), 0, dx + image * c * plane, Int32(plane))
                } else {
                    (dx + image * c * plane).update(repeating: 0, count: c * plane)
                }
            }
            return
        }
        var first = images.lowerBound
        while first < images.upperBound {
            let count = min(group, images.upperBound - first)
            let width = count * plane
            let dyFirst = dy + first * k * plane
            let dyGroup: UnsafePointer<Float>
            if count == 1 {
                dyGroup = dyFirst
            } else {
                gatherImages(dyFirst, images: count, channels: k, plane: plane, into: product, parallel: parallel)
                dyGroup = UnsafePointer(product)
            }
            if let dw {
                let forwardColumns: UnsafePointer<Float>
                if let keptColumns {
                    forwardColumns = keptColumns + first * crs * plane
                } else {
                    im2col(x + first * c * g.inputPlane, images: count, geometry: g, taps: taps, into: columns,
                           parallel: parallel)
                    forwardColumns = UnsafePointer(columns)
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                            Int32(k), Int32(crs), Int32(width), 1,
                            dyGroup, Int32(width), forwardColumns, Int32(width), 1, dw, Int32(crs))
            }
            guard inputGradient else {
                (dx + first * c * g.inputPlane).update(repeating: 0, count: count * c * g.inputPlane)
                first += count
                continue
            }
            // The scratch columns are free (spent, or never used): dcols goes there.
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
                        Int32(crs), Int32(width), Int32(k), 1,
                        w, Int32(crs), dyGroup, Int32(width), 0, columns, Int32(width))
            col2im(columns, images: count, geometry: g, taps: taps, into: dx + first * c * g.inputPlane,
                   parallel: parallel)
            first += count
        }
    }

    /// db[k] += Σ over images and positions of dY[n, k, ·].
    func accumulateBiasGradient(_ dy: Tensor, into bias: Parameter, images: Int, plane: Int) {
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

/// Raw pointers to the backward pass's operands: read-only (input, weight, dY) or written
/// in disjoint per-image parts (dX) by the shares of a `BatchSplit`.
struct UnsafeConvolutionGradientBuffers: @unchecked Sendable {
    let input: UnsafePointer<Float>
    let weight: UnsafePointer<Float>
    let outputGradient: UnsafePointer<Float>
    let inputGradient: UnsafeMutablePointer<Float>
}
