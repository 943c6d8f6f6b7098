/// The textbook convolution, seven nested loops with Double accumulation: the oracle that
/// the im2col and 1×1 paths (and any faster convolution elsewhere) are tested against.
/// Slow on purpose; never used for training.
///
/// input (N, C, H, W), weight (K, C, R, S), bias (K) or nil → output (N, K, P, Q),
/// zero padding, floor mode.
public func referenceConvolution2D(
    input: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int
) -> Tensor {
    precondition(input.rank == 4 && weight.rank == 4 && input.shape[1] == weight.shape[1],
                 "referenceConvolution2D: input \(input.shape) does not match weight \(weight.shape)")
    let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (k, r, s) = (weight.shape[0], weight.shape[2], weight.shape[3])
    let p = (h + 2 * padding - r) / stride + 1
    let q = (w + 2 * padding - s) / stride + 1
    var output = Tensor(zeros: [n, k, p, q])
    for image in 0..<n {
        for kk in 0..<k {
            for y in 0..<p {
                for x in 0..<q {
                    var sum = Double(bias?.scalars[kk] ?? 0)
                    for cc in 0..<c {
                        for rr in 0..<r {
                            let iy = y * stride - padding + rr
                            guard iy >= 0, iy < h else { continue }
                            for ss in 0..<s {
                                let ix = x * stride - padding + ss
                                guard ix >= 0, ix < w else { continue }
                                let xv = input.scalars[((image * c + cc) * h + iy) * w + ix]
                                let wv = weight.scalars[((kk * c + cc) * r + rr) * s + ss]
                                sum += Double(xv) * Double(wv)
                            }
                        }
                    }
                    output.scalars[((image * k + kk) * p + y) * q + x] = Float(sum)
                }
            }
        }
    }
    return output
}
