import CBLAS

/// Fully connected layer: input (N, in) → output (N, out), y = x·Wᵀ + b,
/// weight (out, in), bias (out). Any input whose trailing dimensions hold `inFeatures`
/// scalars per example is accepted, as if flattened.
public final class Dense: Layer {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter

    private var cachedInput: Tensor?

    public init(inFeatures: Int, outFeatures: Int, generator: inout SeededGenerator) {
        precondition(inFeatures > 0 && outFeatures > 0, "Dense: feature counts must be positive")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        // He-uniform (He et al. 2015): U(−√(6/fan_in), √(6/fan_in)) has variance 2/fan_in,
        // the same as He-normal, without the tails.
        let bound = (6 / Float(inFeatures)).squareRoot()
        let count = inFeatures * outFeatures
        var scalars = [Float](repeating: 0, count: count)
        for i in 0..<count { scalars[i] = (2 * generator.nextUniform() - 1) * bound }
        weight = Parameter(name: "weight", value: Tensor(shape: [outFeatures, inFeatures], scalars: scalars))
        bias = Parameter(name: "bias", value: Tensor(zeros: [outFeatures]))
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        precondition(inputShape.count >= 2 && inputShape.dropFirst().reduce(1, *) == inFeatures,
                     "Dense(\(inFeatures)→\(outFeatures)): expected input (N, \(inFeatures)), got \(inputShape)")
        return [inputShape[0], outFeatures]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        EngineThreads.prepare()
        let shape = outputShape(for: input.shape)
        let n = shape[0]
        cachedInput = training ? input : nil
        return Tensor.uninitialized(shape: shape) { out in
            guard n > 0 else { return }
            bias.value.scalars.withUnsafeBufferPointer { b in
                for row in 0..<n { (out.baseAddress! + row * outFeatures).update(from: b.baseAddress!, count: outFeatures) }
            }
            input.scalars.withUnsafeBufferPointer { x in
                weight.value.scalars.withUnsafeBufferPointer { w in
                    let x = x.baseAddress!, w = w.baseAddress!, y = out.baseAddress!
                    // Y (N, out) = X (N, in) · Wᵀ (in, out) + Y (holding the bias), by rows of Y
                    splitSerially(n, rowCost: inFeatures * outFeatures) { rows in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                                    Int32(rows.count), Int32(outFeatures), Int32(inFeatures), 1,
                                    x + rows.lowerBound * inFeatures, Int32(inFeatures), w, Int32(inFeatures),
                                    1, y + rows.lowerBound * outFeatures, Int32(outFeatures))
                    }
                }
            }
        }
    }

    /// dW (out, in) += dYᵀ · X,  db += Σ_rows dY,  dX (N, in) = dY · W.
    public func backward(_ outputGradient: Tensor) -> Tensor {
        EngineThreads.prepare()
        guard let input = cachedInput else {
            preconditionFailure("Dense.backward needs a preceding forward(_:training: true)")
        }
        let n = input.shape[0]
        precondition(outputGradient.shape == [n, outFeatures],
                     "Dense.backward: gradient \(outputGradient.shape), expected \([n, outFeatures])")
        var inputGradient = Tensor.uninitialized(shape: input.shape) { _ in }
        guard n > 0 else { return Tensor(zeros: input.shape) }
        outputGradient.scalars.withUnsafeBufferPointer { dy in
            let dy = dy.baseAddress!
            if weight.isTrainable {
                input.scalars.withUnsafeBufferPointer { x in
                    weight.gradient.scalars.withUnsafeMutableBufferPointer { dw in
                        let x = x.baseAddress!, dw = dw.baseAddress!
                        // By rows of dW (output features): each share sums over the whole
                        // batch itself, so the shares need no reduction afterwards.
                        splitSerially(outFeatures, rowCost: n * inFeatures) { features in
                            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
                                        Int32(features.count), Int32(inFeatures), Int32(n), 1,
                                        dy + features.lowerBound, Int32(outFeatures), x, Int32(inFeatures),
                                        1, dw + features.lowerBound * inFeatures, Int32(inFeatures))
                        }
                    }
                }
            }
            if bias.isTrainable {
                bias.gradient.scalars.withUnsafeMutableBufferPointer { db in
                    for row in 0..<n {
                        let g = dy + row * outFeatures
                        for j in 0..<outFeatures { db[j] += g[j] }
                    }
                }
            }
            weight.value.scalars.withUnsafeBufferPointer { w in
                inputGradient.scalars.withUnsafeMutableBufferPointer { dx in
                    let w = w.baseAddress!, dx = dx.baseAddress!
                    splitSerially(n, rowCost: inFeatures * outFeatures) { rows in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                    Int32(rows.count), Int32(inFeatures), Int32(outFeatures), 1,
                                    dy + rows.lowerBound * outFeatures, Int32(outFeatures), w, Int32(inFeatures),
                                    0, dx + rows.lowerBound * inFeatures, Int32(inFeatures))
                    }
                }
            }
        }
        return inputGradient
    }

    /// Runs `body` on contiguous shares of `0..<rows`, one per engine thread (fewer when a
    /// share would be under ~1M multiply-adds), each calling serial BLAS.
    ///
    /// Why not leave the GEMM to OpenBLAS's threads: after each threaded call its idle
    /// workers spin in `sched_yield` for a long while, and during training that spinning took
    /// a sixth of the CPU samples of a `simple-cnn` epoch on two cores, competing with the
    /// engine's own threads for the next layers (perf, 2026-12-05).
    private func splitSerially(_ rows: Int, rowCost: Int, _ body: (Range<Int>) -> Void) {
        EngineThreads.withSerialBLAS {
            parallelFor(rows, minimumChunk: chunkSize(forItemCost: rowCost, work: 1 << 20), body)
        }
    }
}
