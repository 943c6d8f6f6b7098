/// Batch normalisation over the channels of an NCHW tensor (Ioffe & Szegedy 2015).
///
///   input (N, C, H, W) → output (N, C, H, W); weight γ (C), bias β (C),
///   buffers running_mean (C), running_var (C).
///
/// Training normalises with the batch's mean and biased variance and moves the running
/// statistics by `momentum` towards the batch's mean and *unbiased* variance, as PyTorch
/// does, so exported statistics mean the same thing there. Evaluation uses the running
/// statistics only.
public final class BatchNorm2D: Layer {
    public let channels: Int
    public let momentum: Float
    public let epsilon: Float
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Parameter
    public let runningVariance: Parameter

    /// What backward needs: the input, and per channel the mean and 1/σ that were used.
    var cachedInput: Tensor?
    var cachedTraining = false
    var savedMean: [Float] = []
    var savedInverseStd: [Float] = []
    private var batchVariance: [Float] = []

    public init(channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        precondition(channels > 0, "BatchNorm2D: channels must be positive")
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        weight = Parameter(name: "weight", value: Tensor(repeating: 1, shape: [channels]))
        bias = Parameter(name: "bias", value: Tensor(zeros: [channels]))
        runningMean = Parameter(name: "running_mean", value: Tensor(zeros: [channels]), kind: .buffer)
        runningVariance = Parameter(name: "running_var", value: Tensor(repeating: 1, shape: [channels]),
                                    kind: .buffer)
        savedMean = [Float](repeating: 0, count: channels)
        savedInverseStd = [Float](repeating: 1, count: channels)
    }

    public var parameters: [Parameter] { [weight, bias, runningMean, runningVariance] }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        checkShape(inputShape)
        return inputShape
    }

    private func checkShape(_ shape: [Int]) {
        precondition(shape.count == 4 && shape[1] == channels,
                     "BatchNorm2D(\(channels)): expected input (N, \(channels), H, W), got \(shape)")
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        forward(input, training: training, rectify: false)
    }

    /// The forward pass, followed by max(·, 0) in the same pass when `rectify` is true: a
    /// BatchNorm2D → ReLU pair fused (see `LayerChain`).
    func forward(_ input: Tensor, training: Bool, rectify: Bool) -> Tensor {
        checkShape(input.shape)
        let n = input.shape[0], c = channels, plane = input.shape[2] * input.shape[3]
        if training {
            precondition(n * plane > 1, "BatchNorm2D: training needs more than one value per channel")
            computeBatchStatistics(input, images: n, plane: plane)
            updateRunningStatistics(count: n * plane)
            cachedInput = input
        } else {
            for i in 0..<c {
                savedMean[i] = runningMean.value.scalars[i]
                savedInverseStd[i] = 1 / (runningVariance.value.scalars[i] + epsilon).squareRoot()
            }
            cachedInput = nil
        }
        cachedTraining = training
        // y = γ(x − μ)/σ + β = x·scale + shift
        var scale = [Float](repeating: 0, count: c), shift = scale
        for i in 0..<c {
            scale[i] = weight.value.scalars[i] * savedInverseStd[i]
            shift[i] = bias.value.scalars[i] - savedMean[i] * scale[i]
        }
        return Tensor.uninitialized(shape: input.shape) { out in
            input.scalars.withUnsafeBufferPointer { x in
                let xBase = x.baseAddress!, yBase = out.baseAddress!
                parallelFor(n * c, minimumChunk: chunkSize(forItemCost: plane)) { range in
                    for item in range {
                        let ch = item % c
                        if rectify {
                            vectorAffineReLU(xBase + item * plane, plane, scale: scale[ch], shift: shift[ch],
                                             into: yBase + item * plane)
                        } else {
                            vectorAffine(xBase + item * plane, plane, scale: scale[ch], shift: shift[ch],
                                         into: yBase + item * plane)
                        }
                    }
                }
            }
        }
    }

    /// Per channel mean and 1/√(var + ε) of the batch, two passes for accuracy; partial sums
    /// per plane in Float lanes, across planes in Double.
    private func computeBatchStatistics(_ input: Tensor, images n: Int, plane: Int) {
        let c = channels, count = Double(n * plane), eps = Double(epsilon)
        var stats = [Float](repeating: 0, count: 2 * c)
        input.scalars.withUnsafeBufferPointer { x in
            stats.withUnsafeMutableBufferPointer { s in
                let xBase = x.baseAddress!, sBase = s.baseAddress!
                parallelFor(c, minimumChunk: chunkSize(forItemCost: 2 * n * plane)) { range in
                    for ch in range {
                        var sum = 0.0
                        for image in 0..<n { sum += Double(vectorSum(xBase + (image * c + ch) * plane, plane)) }
                        let mean = sum / count
                        var squares = 0.0
                        for image in 0..<n {
                            squares += Double(vectorSumOfSquaredDeviations(
                                xBase + (image * c + ch) * plane, plane, mean: Float(mean)))
                        }
                        sBase[ch] = Float(mean)
                        sBase[c + ch] = Float(squares / count)  // biased variance
                    }
                }
            }
        }
        for ch in 0..<c {
            savedMean[ch] = stats[ch]
            let variance = stats[c + ch]
            savedInverseStd[ch] = Float(1 / (Double(variance) + eps).squareRoot())
        }
        batchVariance = Array(stats[c..<(2 * c)])
    }

    private func updateRunningStatistics(count: Int) {
        let unbias = Float(count) / Float(count - 1)
        for ch in 0..<channels {
            runningMean.value.scalars[ch] += momentum * (savedMean[ch] - runningMean.value.scalars[ch])
            runningVariance.value.scalars[ch] +=
                momentum * (batchVariance[ch] * unbias - runningVariance.value.scalars[ch])
        }
    }
}
