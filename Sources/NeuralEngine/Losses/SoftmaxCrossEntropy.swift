import Foundation

/// Softmax followed by cross-entropy against integer labels, averaged over the batch,
/// with optional label smoothing (Szegedy et al. 2016, "Rethinking the Inception
/// Architecture"): the target is (1 − ε)·onehot + ε/K, as in PyTorch's `label_smoothing`.
///
///   logits (N, K), labels N values in 0..<K → loss (scalar), dL/dlogits (N, K) = (p − q)/N
///
/// Stable for any logits: each row is shifted by its maximum before exponentiating, and the
/// loss is formed as log Σ exp(z − max) − Σ q·(z − max) in Double.
public struct SoftmaxCrossEntropy: Sendable {
    public let labelSmoothing: Float

    public init(labelSmoothing: Float = 0) {
        precondition(labelSmoothing >= 0 && labelSmoothing <= 1,
                     "SoftmaxCrossEntropy: label smoothing \(labelSmoothing) is outside [0, 1]")
        self.labelSmoothing = labelSmoothing
    }

    public func loss(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count,
                     "SoftmaxCrossEntropy: logits \(logits.shape) do not match \(labels.count) labels")
        let n = logits.shape[0], k = logits.shape[1]
        precondition(labels.allSatisfy { $0 >= 0 && $0 < k },
                     "SoftmaxCrossEntropy: a label is outside 0..<\(k)")
        guard n > 0 else { return (0, logits) }
        let epsilon = Double(labelSmoothing)
        let offTarget = epsilon / Double(k), onTarget = 1 - epsilon + offTarget
        let inverseN = 1 / Float(n)
        var total = 0.0
        let gradient = Tensor.uninitialized(shape: logits.shape) { g in
            logits.scalars.withUnsafeBufferPointer { z in
                for row in 0..<n {
                    let zr = z.baseAddress! + row * k, gr = g.baseAddress! + row * k
                    var maximum = -Float.infinity
                    for j in 0..<k { maximum = max(maximum, zr[j]) }
                    var sum = 0.0, weighted = 0.0
                    for j in 0..<k {
                        let shifted = Double(zr[j] - maximum)
                        let e = exp(shifted)
                        gr[j] = Float(e)
                        sum += e
                        weighted += (j == labels[row] ? onTarget : offTarget) * shifted
                    }
                    total += log(sum) - weighted
                    let inverseSum = 1 / sum
                    for j in 0..<k {
                        let target = j == labels[row] ? onTarget : offTarget
                        gr[j] = Float(Double(gr[j]) * inverseSum - target) * inverseN
                    }
                }
            }
        }
        return (Float(total / Double(n)), gradient)
    }

    /// Row-wise softmax of logits (N, K), shifted by each row's maximum for stability.
    public static func softmax(_ logits: Tensor) -> Tensor {
        precondition(logits.rank == 2, "softmax: expected logits (N, K), got \(logits.shape)")
        let n = logits.shape[0], k = logits.shape[1]
        return Tensor.uninitialized(shape: logits.shape) { p in
            logits.scalars.withUnsafeBufferPointer { z in
                for row in 0..<n {
                    let zr = z.baseAddress! + row * k, pr = p.baseAddress! + row * k
                    var maximum = -Float.infinity
                    for j in 0..<k { maximum = max(maximum, zr[j]) }
                    var sum: Float = 0
                    for j in 0..<k { let e = expf(zr[j] - maximum); pr[j] = e; sum += e }
                    let inverse = 1 / sum
                    for j in 0..<k { pr[j] *= inverse }
                }
            }
        }
    }
}
