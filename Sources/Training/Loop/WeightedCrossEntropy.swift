import NeuralEngine

/// Softmax cross-entropy with per-class weights and label smoothing:
/// L = Σᵢ w(yᵢ)·CEᵢ / Σᵢ w(yᵢ), as PyTorch's `CrossEntropyLoss(weight=…)`
/// with reduction "mean". With no weights it is the engine's `SoftmaxCrossEntropy`.
public struct WeightedCrossEntropy: Sendable {
    public let labelSmoothing: Float
    public let classWeights: [Float]?

    public init(labelSmoothing: Float, classWeights: [Float]?) {
        self.labelSmoothing = labelSmoothing
        self.classWeights = classWeights
    }

    /// sklearn's `compute_class_weight("balanced")`: n / (classes · count(c)).
    public static func balancedWeights(counts: [Int]) -> [Float] {
        let total = counts.reduce(0, +)
        return counts.map { $0 == 0 ? 0 : Float(total) / Float(counts.count * $0) }
    }

    public func loss(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
        guard let classWeights else {
            return SoftmaxCrossEntropy(labelSmoothing: labelSmoothing).loss(logits: logits, labels: labels)
        }
        let n = logits.shape[0], k = logits.shape[1]
        let probabilities = SoftmaxCrossEntropy.softmax(logits)
        let off = labelSmoothing / Float(k), on = 1 - labelSmoothing + off
        let weightSum = labels.reduce(Float(0)) { $0 + classWeights[$1] }
        guard weightSum > 0 else { return (0, Tensor(zeros: logits.shape)) }
        var gradient = [Float](repeating: 0, count: n * k)
        var total: Double = 0
        probabilities.scalars.withUnsafeBufferPointer { p in
            for row in 0..<n {
                let w = classWeights[labels[row]] / weightSum
                var rowLoss: Double = 0
                for j in 0..<k {
                    let q = j == labels[row] ? on : off
                    let pj = max(p[row * k + j], 1e-30)
                    rowLoss -= Double(q) * Double(logf(pj))
                    gradient[row * k + j] = (p[row * k + j] - q) * w
                }
                total += Double(w) * rowLoss
            }
        }
        return (Float(total), Tensor(shape: logits.shape, scalars: gradient))
    }
}

#if canImport(Glibc)
import Glibc
#endif
