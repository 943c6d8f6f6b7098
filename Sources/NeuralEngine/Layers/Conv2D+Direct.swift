import CBLAS
import CEngineKernels

/// The direct kernels for 3×3, stride-1, padding-1 convolutions (CEngineKernels/Direct3x3.c):
/// most of a ResNet's layers. They read the zero-padded input plane tap by tap instead of
/// building a column matrix nine times the input, so a training step spends its time in
/// FMAs rather than in im2col, col2im, OpenBLAS's packing and the layout copies around
/// each GEMM.
public enum DirectConvolution {
    /// The vector kernels in use: "AVX-512", "AVX2", or nil where the CPU has neither
    /// (every convolution then takes the im2col path).
    public static var instructionSet: String? {
        switch engine_direct3x3_level() {
        case 2: "AVX-512"
        case 1: "AVX2"
        default: nil
        }
    }

    /// Turns the direct kernels off (false) or back on; for benchmarks that compare the
    /// two paths, and tests that run both. Call while no convolution runs.
    public static func setEnabled(_ enabled: Bool) {
        _ = engine_direct3x3_set_level(enabled ? -1 : 0)
    }

    /// The kernel sets this CPU can run, best first (levels: 2 AVX-512, 1 AVX2), unless
    /// capped by ENGINE_DIRECT_KERNELS or `setEnabled(false)`.
    static var availableLevels: [Int32] {
        let best = engine_direct3x3_level()
        return best > 0 ? Array((1...best).reversed()) : []
    }

    /// Smallest output width the direct kernels take: they compute whole padded rows
    /// (W + 2 positions for W outputs), so narrow maps waste most lanes; ResNet-18's
    /// 4×4 … 1×1 maps stay on the im2col path, which skips dead taps. At 8×8 and 7×7
    /// (ResNet-20's last stage) the two paths are about even.
    static let minimumWidth = 8
}

extension Conv2D {
    /// The kernel set this layer uses on input `g`, or nil where it takes the im2col path.
    func directKernelLevel(_ g: ConvolutionGeometry) -> Int32? {
        let level = directLevelOverride ?? engine_direct3x3_level()
        guard level > 0, kernelSize == 3, stride == 1, padding == 1, g.width >= DirectConvolution.minimumWidth,
              g.height >= 2, outChannels % engine_direct3x3_weight_block(level) == 0 else { return nil }
        return level
    }

    /// The forward pass on the direct kernels. Training keeps the padded input for the
    /// weight gradient.
    func directForward(_ input: Tensor, geometry g: ConvolutionGeometry, level: Int32, training: Bool) -> Tensor {
        let n = input.shape[0], c = inChannels, k = outChannels, h = g.height, w = g.width
        let planeStride = engine_direct3x3_plane_stride(h, w)
        paddedInput.ensureCount(n * c * planeStride)
        packedWeight.ensureCount(engine_direct3x3_packed_count(level, k, c))
        weight.value.scalars.withUnsafeBufferPointer { weights in
            packedWeight.withUnsafeMutableBufferPointer { packed in
                engine_direct3x3_pack(level, weights.baseAddress!, k, c, 0, packed.baseAddress!)
            }
        }
        cachedInput = training ? input : nil
        let split = BatchSplit(images: n)
        return Tensor.uninitialized(shape: [n, k, h, w]) { out in
            input.scalars.withUnsafeBufferPointer { x in
                (bias?.value.scalars ?? []).withUnsafeBufferPointer { b in
                    paddedInput.withUnsafeMutableBufferPointer { padded in
                        packedWeight.withUnsafeBufferPointer { packed in
                            let buffers = UnsafeDirectBuffers(
                                source: x.baseAddress!, padded: padded.baseAddress!, packed: packed.baseAddress!,
                                bias: bias == nil ? nil : b.baseAddress, output: out.baseAddress!)
                            split.run { _, share in
                                for images in chunks(of: share, planeStride: planeStride) {
                                    let first = images.lowerBound
                                    let paddedImages = buffers.padded + first * c * planeStride
                                    engine_direct3x3_pad(buffers.source + first * c * h * w, images.count * c, h, w,
                                                         paddedImages)
                                    engine_direct3x3_forward(level, paddedImages, images.count, c, k, h, w,
                                                             buffers.packed, buffers.bias,
                                                             buffers.output + first * k * h * w)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The backward pass on the direct kernels: dX is the convolution of the padded dY
    /// with the transposed, rotated weights; dW comes from the padded input kept by the
    /// forward pass. Each share of the batch sums its dW privately (the first share
    /// straight into the gradient); the sums are added in share order, so a given thread
    /// count always gives the same gradient.
    func directBackward(_ outputGradient: Tensor, input: Tensor, geometry g: ConvolutionGeometry, level: Int32) -> Tensor {
        let n = input.shape[0], c = inChannels, k = outChannels, h = g.height, w = g.width
        let planeStride = engine_direct3x3_plane_stride(h, w)
        // The bias gradient comes from the sums of dY's planes, taken as they are padded.
        let biasGradient = bias.flatMap { $0.isTrainable ? $0 : nil }
        planeSums.ensureCount(biasGradient == nil ? 1 : n * k)   // ≥ 1: its base address is taken
        paddedGradient.ensureCount(n * k * planeStride)
        packedTransposedWeight.ensureCount(engine_direct3x3_packed_count(level, c, k))
        weight.value.scalars.withUnsafeBufferPointer { weights in
            packedTransposedWeight.withUnsafeMutableBufferPointer { packed in
                engine_direct3x3_pack(level, weights.baseAddress!, k, c, 1, packed.baseAddress!)
            }
        }
        let updateWeight = weight.isTrainable, skipInput = skipsInputGradient
        let split = BatchSplit(images: n)
        let weightCount = weight.value.count
        let privateCount = updateWeight ? weightCount * (split.tasks - 1) : 0
        weightGradientScratch.ensureCount(max(1, privateCount))
        let partialsPerShare = updateWeight ? engine_direct3x3_weight_gradient_scratch_count(level, c) : 0
        weightGradientPartials.ensureCount(max(1, partialsPerShare * split.tasks))
        return Tensor.uninitialized(shape: input.shape) { dx in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
            paddedInput.withUnsafeBufferPointer { paddedX in
            paddedGradient.withUnsafeMutableBufferPointer { paddedDY in
            packedTransposedWeight.withUnsafeBufferPointer { packed in
            weight.gradient.scalars.withUnsafeMutableBufferPointer { dw in
            weightGradientScratch.withUnsafeMutableBufferPointer { privateDW in
            weightGradientPartials.withUnsafeMutableBufferPointer { partials in
            planeSums.withUnsafeMutableBufferPointer { sums in
                if privateCount > 0 { privateDW.baseAddress!.update(repeating: 0, count: privateCount) }
                let buffers = UnsafeDirectGradientBuffers(
                    outputGradient: dy.baseAddress!, paddedInput: paddedX.baseAddress!,
                    paddedOutputGradient: paddedDY.baseAddress!, packed: packed.baseAddress!,
                    weightGradient: dw.baseAddress!, privateWeightGradients: privateDW.baseAddress!,
                    weightGradientPartials: partials.baseAddress!,
                    planeSums: biasGradient == nil ? nil : sums.baseAddress!, inputGradient: dx.baseAddress!)
                split.run(finally: {
                    if let sums = buffers.planeSums, let biasGradient {
                        Self.addPlaneSums(sums, images: n, channels: k, into: biasGradient)
                    }
                    for share in 0..<(privateCount / weightCount) {
                        cblas_saxpy(Int32(weightCount), 1, buffers.privateWeightGradients + share * weightCount,
                                    1, buffers.weightGradient, 1)
                    }
                }) { task, share in
                    let shareDW = task == 0
                        ? buffers.weightGradient
                        : buffers.privateWeightGradients + (task - 1) * weightCount
                    for images in chunks(of: share, planeStride: planeStride) {
                        let first = images.lowerBound
                        let dy = buffers.outputGradient + first * k * h * w
                        let paddedImages = buffers.paddedOutputGradient + first * k * planeStride
                        if let sums = buffers.planeSums {
                            engine_direct3x3_pad_and_sum(dy, images.count * k, h, w, paddedImages, sums + first * k)
                        } else {
                            engine_direct3x3_pad(dy, images.count * k, h, w, paddedImages)
                        }
                        if updateWeight {
                            engine_direct3x3_weight_gradient(
                                level, buffers.paddedInput + first * c * planeStride, paddedImages,
                                images.count, c, k, h, w, shareDW,
                                buffers.weightGradientPartials + task * partialsPerShare)
                        }
                        let dx = buffers.inputGradient + first * c * h * w
                        if skipInput {
                            dx.update(repeating: 0, count: images.count * c * h * w)
                        } else {
                            engine_direct3x3_forward(level, paddedImages, images.count, k, c, h, w,
                                                     buffers.packed, nil, dx)
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
            }
        }
    }
}

extension Conv2D {
    /// db[k] += Σ over images, in order, of the sums of dY's planes (image, k).
    static func addPlaneSums(_ sums: UnsafePointer<Float>, images: Int, channels: Int, into bias: Parameter) {
        bias.gradient.scalars.withUnsafeMutableBufferPointer { db in
            for channel in 0..<channels {
                var total: Float = 0
                for image in 0..<images { total += sums[image * channels + channel] }
                db[channel] += total
            }
        }
    }

    /// A share of the batch in chunks of images whose padded planes (input and output
    /// gradient, ~512 KB) stay in L2 between the padding that writes them and the kernels
    /// that read them. Padding a whole share first sent every plane out to memory and back:
    /// on 16-channel 32×32 layers that made the kernels memory-bound.
    func chunks(of share: Range<Int>, planeStride: Int) -> [Range<Int>] {
        let perImage = max(inChannels, outChannels) * planeStride
        let size = max(1, (1 << 17) / perImage)
        return Swift.stride(from: share.lowerBound, to: share.upperBound, by: size).map {
            $0..<min($0 + size, share.upperBound)
        }
    }
}

/// The direct forward pass's operands, shared read-only or written in disjoint per-image
/// parts (padded, output) by the shares of a `BatchSplit`.
private struct UnsafeDirectBuffers: @unchecked Sendable {
    let source: UnsafePointer<Float>
    let padded: UnsafeMutablePointer<Float>
    let packed: UnsafePointer<Float>
    let bias: UnsafePointer<Float>?
    let output: UnsafeMutablePointer<Float>
}

/// The direct backward pass's operands: per-image parts of the padded dY, dX and the plane
/// sums, and one dW and one accumulator scratch per share.
private struct UnsafeDirectGradientBuffers: @unchecked Sendable {
    let outputGradient: UnsafePointer<Float>
    let paddedInput: UnsafePointer<Float>
    let paddedOutputGradient: UnsafeMutablePointer<Float>
    let packed: UnsafePointer<Float>
    let weightGradient: UnsafeMutablePointer<Float>
    let privateWeightGradients: UnsafeMutablePointer<Float>
    /// Each share's scratch for the weight-gradient kernel's accumulators.
    let weightGradientPartials: UnsafeMutablePointer<Float>
    /// The sums of dY's planes (image, channel), when the bias is trained.
    let planeSums: UnsafeMutablePointer<Float>?
    let inputGradient: UnsafeMutablePointer<Float>
}
