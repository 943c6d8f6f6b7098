import CEngineKernels

/// The inference path's element-wise and pooling kernels on raw buffers.
///
/// Feature maps are channel-major, (C, N, H, W): each (c, n) plane is contiguous, so
/// pooling works plane by plane and a convolution's GEMM output needs no reshuffling.
/// Vectors (after global pooling or flattening) are (N, F) row-major.
enum InferenceKernels {
    /// Rows `rows` of a block with row stride `rowStride`, `count` wide:
    /// x = activation(x + bias[row] + residual), on the calling thread.
    static func biasActivationRows(_ x: UnsafeMutablePointer<Float>, rowStride: Int, rows: Range<Int>, count: Int,
                                   bias: [Float], residual: UnsafePointer<Float>?, activation: FusedActivation) {
        if activation == .relu6 {
            let ceiling = activation.upperBound
            bias.withUnsafeBufferPointer { bias in
                for row in rows {
                    let line = x + row * rowStride, add = residual.map { $0 + row * rowStride }
                    let b = bias[row]
                    for i in 0..<count { line[i] = min(max(line[i] + b + (add?[i] ?? 0), 0), ceiling) }
                }
            }
            return
        }
        let relu = activation == .relu
        bias.withUnsafeBufferPointer { bias in
            for row in rows {
                let line = x + row * rowStride
                let b = bias[row]
                if let residual {
                    let add = residual + row * rowStride
                    if relu {
                        for i in 0..<count { line[i] = max(line[i] + b + add[i], 0) }
                    } else {
                        for i in 0..<count { line[i] += b + add[i] }
                    }
                } else if relu {
                    for i in 0..<count { line[i] = max(line[i] + b, 0) }
                } else {
                    for i in 0..<count { line[i] += b }
                }
            }
        }
    }

    /// (A, B, inner) → (B, A, inner): NCHW ↔ CNHW (inner = H·W).
    static func swapOuter(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>,
                          outer: Int, middle: Int, inner: Int) {
        parallelFor(outer * middle, minimumChunk: max(1, 16_384 / max(1, inner))) { range in
            for index in range {
                let a = index / middle, b = index % middle
                (destination + (b * outer + a) * inner).update(from: source + index * inner, count: inner)
            }
        }
    }

    /// Max or average pooling over planes (C·N of them), k×k windows, stride s, padding p.
    /// Padding never wins a max; an average divides by the full window (count_include_pad,
    /// PyTorch's default).
    static func pool(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, planes: Int,
                     height: Int, width: Int, kernel: Int, stride: Int, padding: Int, max useMax: Bool) {
        let outHeight = (height + 2 * padding - kernel) / stride + 1
        let outWidth = (width + 2 * padding - kernel) / stride + 1
        let scale = 1 / Float(kernel * kernel)
        // 64k window reads per task: a lone image's pooling (tens of microseconds) costs
        // less on one thread than waking a second.
        parallelFor(planes, minimumChunk: max(1, 65_536 / max(1, outHeight * outWidth * kernel * kernel))) { range in
            if useMax && kernel == 2 && stride == 2 && padding == 0 {
                maxPool2x2(input, output, planes: range, height: height, width: width)
                return
            }
            for plane in range {
                let source = input + plane * height * width
                let destination = output + plane * outHeight * outWidth
                for p in 0..<outHeight {
                    let y0 = p * stride - padding
                    let yLow = max(0, y0), yHigh = min(height, y0 + kernel)
                    for q in 0..<outWidth {
                        let x0 = q * stride - padding
                        let xLow = max(0, x0), xHigh = min(width, x0 + kernel)
                        var value: Float = useMax ? -.infinity : 0
                        for y in yLow..<yHigh {
                            let row = source + y * width
                            for x in xLow..<xHigh { value = useMax ? max(value, row[x]) : value + row[x] }
                        }
                        destination[p * outWidth + q] = useMax ? value : value * scale
                    }
                }
            }
        }
    }

    /// The common VGG/simple-CNN pooling, 2×2 windows at stride 2 without padding: the
    /// training path's kernel, without winners (an odd last row or column is dropped, as
    /// the general formula does).
    private static func maxPool2x2(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                                   planes: Range<Int>, height: Int, width: Int) {
        let outPlane = (height / 2) * (width / 2)
        engine_maxpool2x2_forward(input + planes.lowerBound * height * width, planes.count, height, width, 0,
                                  output + planes.lowerBound * outPlane, nil)
    }

    /// (C, N, H, W) → (N, C): the mean of each plane.
    static func globalAveragePool(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                                  channels: Int, batch: Int, plane: Int) {
        let scale = 1 / Float(plane)
        parallelFor(channels * batch, minimumChunk: max(1, 16_384 / max(1, plane))) { range in
            for index in range {
                let c = index / batch, n = index % batch
                let source = input + index * plane
                var sum: Float = 0
                for i in 0..<plane { sum += source[i] }
                output[n * channels + c] = sum * scale
            }
        }
    }

    /// Per-channel y = activation(x·scale + shift) on (C, N·plane): a BatchNorm not preceded by a convolution.
    static func affine(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, channels: Int,
                       perChannel: Int, scale: [Float], shift: [Float], activation: FusedActivation) {
        let (low, high) = (activation.lowerBound, activation.upperBound)
        parallelFor(channels, minimumChunk: max(1, 16_384 / max(1, perChannel))) { range in
            for c in range {
                let a = scale[c], b = shift[c]
                let source = input + c * perChannel, destination = output + c * perChannel
                for i in 0..<perChannel {
                    let y = source[i] * a + b
                    destination[i] = min(max(y, low), high)
                }
            }
        }
    }

    /// y = activation(a + b), element-wise over `count` scalars.
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>?, _ output: UnsafeMutablePointer<Float>,
                    count: Int, activation: FusedActivation) {
        let (low, high) = (activation.lowerBound, activation.upperBound)
        parallelFor(count, minimumChunk: 16_384) { range in
            for i in range {
                let y = a[i] + (b?[i] ?? 0)
                output[i] = min(max(y, low), high)
            }
        }
    }
}
