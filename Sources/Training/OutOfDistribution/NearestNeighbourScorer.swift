import NeuralEngine

/// The k-th nearest neighbour distance of L2-normalised features to a subsample of the
/// training images' (Sun et al. 2022, "Out-of-Distribution Detection with Deep Nearest
/// Neighbors"). Measured against the stored methods in `OutOfDistributionComparison`; not a
/// stored method, since it needs the subsample in the model file (thousands of feature rows).
public struct NearestNeighbourScorer: Sendable {
    public let k: Int
    let width: Int
    /// (M, width), each row of unit length.
    let bank: [Float]

    /// `sample` training rows, chosen with a fixed seed.
    public init(fit: DetectorInputs, sample: Int = 5000, k: Int = 10, seed: UInt64 = 1) {
        var generator = SeededGenerator(seed: seed)
        let rows = Array((0..<fit.count).shuffled(using: &generator).prefix(sample))
        self.k = min(k, max(rows.count, 1))
        width = fit.width
        var bank: [Float] = []
        bank.reserveCapacity(rows.count * fit.width)
        for row in rows { bank += Self.normalised(fit.features(row)) }
        self.bank = bank
    }

    static func normalised(_ x: ArraySlice<Float>) -> [Float] {
        let norm = max(x.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        return x.map { $0 / norm }
    }

    /// 1 − cosine similarity to the k-th nearest bank row (monotone in the Euclidean
    /// distance of the normalised vectors, ‖a − b‖² = 2 − 2 cos).
    public func score(_ features: ArraySlice<Float>) -> Double {
        let q = Self.normalised(features)
        let rows = bank.count / max(width, 1)
        var best = [Float](repeating: -2, count: k)  // the k largest similarities, descending
        bank.withUnsafeBufferPointer { b in
            for r in 0..<rows {
                var dot: Float = 0
                for i in 0..<width { dot += b[r * width + i] * q[i] }
                if dot > best[k - 1] {
                    var j = k - 1
                    while j > 0 && best[j - 1] < dot { best[j] = best[j - 1]; j -= 1 }
                    best[j] = dot
                }
            }
        }
        return 1 - Double(best[k - 1])
    }
}
