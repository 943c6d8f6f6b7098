import CBLAS
import Foundation

/// How far an input lies from the training data, and the line past which the model
/// should answer "unknown" rather than a confident wrong label. Stored in the model file
/// (`out_of_distribution`) by training and by `classifier-train calibrate`.
///
/// Every method gives a score where higher means less like the training data; an image is
/// accepted (classified as usual) when its score is at most the threshold. The threshold
/// is the score below which `acceptanceRate` of the validation images fell, and the
/// validation scores' percentiles are kept so that a server can choose another rate.
public struct OutOfDistributionDetector: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable, CaseIterable {
        /// −logsumexp(logits) (Liu et al. 2020, "Energy-based Out-of-distribution Detection").
        case energy
        /// −max softmax(logits) (Hendrycks & Gimpel 2017), the baseline.
        case maxSoftmax = "max-softmax"
        /// The squared Mahalanobis distance of the head's input features to the nearest class
        /// mean, with one covariance shared by the classes (Lee et al. 2018).
        case mahalanobis
        /// 1 − the cosine similarity of the head's input features to the k-th nearest of a
        /// sample of training images' (Sun et al. 2022, "Out-of-Distribution Detection with
        /// Deep Nearest Neighbors"): the training default, the best of the four over both
        /// committed models (BENCHMARKS.md, "Saying unknown").
        case nearestNeighbours = "knn"
    }

    /// For `knn`: the sample, each row scaled to unit length, and which neighbour counts.
    public struct NearestNeighbourParameters: Codable, Sendable, Equatable {
        public var featureCount: Int
        public var k: Int
        /// (M, F) row-major, unit rows.
        public var bank: PackedFloats

        public init(featureCount: Int, k: Int, bank: [Float]) {
            self.featureCount = featureCount
            self.k = k
            self.bank = PackedFloats(bank)
        }

        public var rows: Int { bank.values.count / max(featureCount, 1) }
    }

    /// For `mahalanobis`: with the shared covariance Σ = L Lᵀ (Cholesky), the distance
    /// (f − μ)ᵀ Σ⁻¹ (f − μ) is ‖L⁻¹f − L⁻¹μ‖², so the file keeps W = L⁻¹ and the means
    /// already multiplied by it: one (F × F) matrix-vector product and K distances per image.
    public struct MahalanobisParameters: Codable, Sendable, Equatable {
        /// F: the width of the head's input.
        public var featureCount: Int
        /// W, (F, F) row-major, lower triangular.
        public var whitening: [Float]
        /// W μ_k for each class k, (K, F) row-major.
        public var whitenedClassMeans: [Float]

        public init(featureCount: Int, whitening: [Float], whitenedClassMeans: [Float]) {
            self.featureCount = featureCount
            self.whitening = whitening
            self.whitenedClassMeans = whitenedClassMeans
        }
    }

    /// Percentiles kept of the validation scores: 0 %, 1 %, …, 100 %.
    public static let percentileCount = 101

    public var method: Method
    /// Accepted when score ≤ threshold.
    public var threshold: Double
    /// The fraction of validation images the threshold accepts (0.95 by default).
    public var acceptanceRate: Double
    /// The validation scores at each percentile, ascending (`percentileCount` values).
    public var validationPercentiles: [Double]
    /// How many validation images the threshold was set on.
    public var validationImages: Int
    public var mahalanobis: MahalanobisParameters?
    public var nearestNeighbours: NearestNeighbourParameters?

    public init(method: Method, threshold: Double, acceptanceRate: Double, validationPercentiles: [Double],
                validationImages: Int, mahalanobis: MahalanobisParameters? = nil,
                nearestNeighbours: NearestNeighbourParameters? = nil) {
        self.nearestNeighbours = nearestNeighbours
        self.method = method
        self.threshold = threshold
        self.acceptanceRate = acceptanceRate
        self.validationPercentiles = validationPercentiles
        self.validationImages = validationImages
        self.mahalanobis = mahalanobis
    }

    /// Whether the method reads the head's input features (the others read only logits).
    public var needsFeatures: Bool { method == .mahalanobis || method == .nearestNeighbours }

    /// The threshold that accepts `rate` of the validation images, interpolated between
    /// the stored percentiles; the stored threshold itself at the stored rate.
    public func threshold(acceptingFraction rate: Double) -> Double {
        if rate == acceptanceRate { return threshold }
        let position = min(max(rate, 0), 1) * Double(validationPercentiles.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, validationPercentiles.count - 1)
        let weight = position - Double(below)
        return validationPercentiles[below] * (1 - weight) + validationPercentiles[above] * weight
    }

    /// One image's score. `logits` are raw (before any temperature); `features` the head's
    /// input, needed only when `needsFeatures`.
    public func score(logits: ArraySlice<Float>, features: ArraySlice<Float>?) -> Double {
        switch method {
        case .energy:
            return -Self.logSumExp(logits)
        case .maxSoftmax:
            // max softmax = exp(max − logsumexp).
            let maximum = Double(logits.max() ?? 0)
            return -exp(maximum - Self.logSumExp(logits))
        case .mahalanobis:
            guard let parameters = mahalanobis, let features else { return .infinity }
            return Self.nearestMahalanobis(features, parameters)
        case .nearestNeighbours:
            guard let parameters = nearestNeighbours, let features else { return .infinity }
            return Self.kthNeighbourDistance(features, parameters)
        }
    }

    static func kthNeighbourDistance(_ features: ArraySlice<Float>, _ parameters: NearestNeighbourParameters) -> Double {
        let f = parameters.featureCount, rows = parameters.rows, k = parameters.k
        precondition(features.count == f, "knn: \(features.count) features for a detector of \(f)")
        let norm = max(features.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        let query = features.map { $0 / norm }
        var similarities = [Float](repeating: 0, count: rows)
        // One matrix-vector product against the whole bank (2000 × 128 is 0.5 MFLOP).
        parameters.bank.values.withUnsafeBufferPointer { bank in
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(f), 1, bank.baseAddress, Int32(f),
                        query, 1, 0, &similarities, 1)
        }
        // The k largest similarities, descending, by insertion: k is a handful.
        var best = [Float](repeating: -.infinity, count: k)
        for s in similarities where s > best[k - 1] {
            var j = k - 1
            while j > 0 && best[j - 1] < s { best[j] = best[j - 1]; j -= 1 }
            best[j] = s
        }
        return 1 - Double(best[k - 1])
    }

    /// log Σ exp(zᵢ), shifted by the maximum so that exp never overflows.
    static func logSumExp(_ logits: ArraySlice<Float>) -> Double {
        let maximum = Double(logits.max() ?? 0)
        return log(logits.reduce(0.0) { $0 + exp(Double($1) - maximum) }) + maximum
    }

    static func nearestMahalanobis(_ features: ArraySlice<Float>, _ parameters: MahalanobisParameters) -> Double {
        let f = parameters.featureCount
        precondition(features.count == f, "Mahalanobis: \(features.count) features for a detector of \(f)")
        let x = Array(features)
        var whitened = [Double](repeating: 0, count: f)
        parameters.whitening.withUnsafeBufferPointer { w in
            for row in 0..<f {
                var sum = 0.0
                // Lower triangular: columns past the diagonal are zero.
                for column in 0...row { sum += Double(w[row * f + column]) * Double(x[column]) }
                whitened[row] = sum
            }
        }
        var nearest = Double.infinity
        let classes = parameters.whitenedClassMeans.count / max(f, 1)
        parameters.whitenedClassMeans.withUnsafeBufferPointer { means in
            for k in 0..<classes {
                var distance = 0.0
                for i in 0..<f {
                    let d = whitened[i] - Double(means[k * f + i])
                    distance += d * d
                }
                nearest = min(nearest, distance)
            }
        }
        return nearest
    }
}
