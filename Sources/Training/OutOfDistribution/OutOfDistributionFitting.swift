import NeuralEngine

/// Fits an `OutOfDistributionDetector`: the class statistics a method needs from the
/// training images' features, then the threshold that accepts a chosen fraction of the
/// validation images (images the statistics were not taken from, so the rate holds on new
/// in-distribution images).
public enum OutOfDistributionFitting {
    /// The method training stores: the best of the candidates over both committed
    /// Fashion-MNIST models (AUROC and FPR at 95 % TPR against photos and drawn shapes;
    /// BENCHMARKS.md, "Saying unknown"). Mahalanobis is better still on ResNet-20's pooled
    /// features but no better than chance-and-a-bit on the small CNN's ReLU ones; kNN is
    /// close to the best on both.
    public static let defaultMethod = OutOfDistributionDetector.Method.nearestNeighbours
    /// kNN: training images kept, and which neighbour counts. 2,000 rows and k = 5 measured as
    /// well as 5,000 and k = 10 on the default model (AUROC 0.905 against 0.885), at 40 % of
    /// the size; 1,000 rows lost a little (0.898).
    public static let neighbourBankSize = 2000
    public static let neighbourK = 5
    /// The share of in-distribution validation images accepted: 1 in 20 is answered "unknown".
    public static let defaultAcceptanceRate = 0.95

    /// The detector of `method`, its statistics from `fit` and its threshold from
    /// `validation`; nil without validation images, or when the features are unusable.
    public static func fit(_ method: OutOfDistributionDetector.Method, fit: DetectorInputs, validation: DetectorInputs,
                           acceptanceRate: Double = defaultAcceptanceRate) -> OutOfDistributionDetector? {
        guard validation.count > 0, acceptanceRate > 0, acceptanceRate <= 1 else { return nil }
        var detector = OutOfDistributionDetector(
            method: method, threshold: 0, acceptanceRate: acceptanceRate,
            validationPercentiles: [], validationImages: validation.count)
        switch method {
        case .energy, .maxSoftmax:
            break
        case .mahalanobis:
            guard let parameters = mahalanobis(fit) else { return nil }
            detector.mahalanobis = parameters
        case .nearestNeighbours:
            guard let parameters = nearestNeighbours(fit) else { return nil }
            detector.nearestNeighbours = parameters
        }
        let sorted = scores(detector, validation).sorted()
        guard sorted.allSatisfy(\.isFinite) else { return nil }
        detector.threshold = acceptingThreshold(sorted, rate: acceptanceRate)
        detector.validationPercentiles = percentiles(sorted)
        return detector
    }

    /// Each image's score, in order.
    public static func scores(_ detector: OutOfDistributionDetector, _ inputs: DetectorInputs) -> [Double] {
        (0..<inputs.count).map { row in
            detector.score(logits: inputs.logits(row), features: detector.needsFeatures ? inputs.features(row) : nil)
        }
    }

    /// The smallest score at or below which at least `rate` of `sorted` lie.
    static func acceptingThreshold(_ sorted: [Double], rate: Double) -> Double {
        let index = Int((rate * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(index, 0), sorted.count - 1)]
    }

    /// 0 %, 1 %, …, 100 % by linear interpolation between order statistics.
    static func percentiles(_ sorted: [Double]) -> [Double] {
        let last = Double(sorted.count - 1)
        return (0..<OutOfDistributionDetector.percentileCount).map { p in
            let position = Double(p) / Double(OutOfDistributionDetector.percentileCount - 1) * last
            let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
            let weight = position - Double(below)
            return sorted[below] * (1 - weight) + sorted[above] * weight
        }
    }

    /// A seeded sample of the training features, each row scaled to unit length.
    static func nearestNeighbours(_ inputs: DetectorInputs, rows: Int = neighbourBankSize, k: Int = neighbourK,
                                  seed: UInt64 = 1) -> OutOfDistributionDetector.NearestNeighbourParameters? {
        guard inputs.width > 0, inputs.count > 0 else { return nil }
        var generator = SeededGenerator(seed: seed)
        let chosen = Array((0..<inputs.count).shuffled(using: &generator).prefix(rows))
        var bank: [Float] = []
        bank.reserveCapacity(chosen.count * inputs.width)
        for row in chosen {
            let x = inputs.features(row)
            let norm = max(x.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            bank += x.map { $0 / norm }
        }
        return .init(featureCount: inputs.width, k: min(k, chosen.count), bank: bank)
    }

    /// Class means and the shared (within-class) covariance of the features, as Lee et al.
    /// 2018 (their "tied covariance"), turned into the whitening the file stores.
    static func mahalanobis(_ inputs: DetectorInputs) -> OutOfDistributionDetector.MahalanobisParameters? {
        let f = inputs.width, classes = inputs.classes
        guard f > 0, inputs.count > 1 else { return nil }
        var means = [Double](repeating: 0, count: classes * f)
        var counts = [Int](repeating: 0, count: classes)
        for row in 0..<inputs.count {
            let label = inputs.labels[row]
            counts[label] += 1
            for (i, value) in inputs.features(row).enumerated() { means[label * f + i] += Double(value) }
        }
        // A class with no image has no mean to be near: no detector rather than a wrong one.
        guard counts.allSatisfy({ $0 > 0 }) else { return nil }
        for k in 0..<classes {
            for i in 0..<f { means[k * f + i] /= Double(counts[k]) }
        }
        // Σ = 1/N Σₙ (xₙ − μ_yₙ)(xₙ − μ_yₙ)ᵀ, upper triangle accumulated then mirrored.
        var covariance = [Double](repeating: 0, count: f * f)
        var centred = [Double](repeating: 0, count: f)
        for row in 0..<inputs.count {
            let label = inputs.labels[row]
            for (i, value) in inputs.features(row).enumerated() { centred[i] = Double(value) - means[label * f + i] }
            covariance.withUnsafeMutableBufferPointer { c in
                for i in 0..<f where centred[i] != 0 {
                    let ci = centred[i]
                    for j in i..<f { c[i * f + j] += ci * centred[j] }
                }
            }
        }
        let n = Double(inputs.count)
        for i in 0..<f {
            for j in i..<f {
                covariance[i * f + j] /= n
                covariance[j * f + i] = covariance[i * f + j]
            }
        }
        guard let w = CholeskyWhitening.whitening(covariance: covariance, size: f) else { return nil }
        var whitenedMeans = [Float](repeating: 0, count: classes * f)
        for k in 0..<classes {
            for row in 0..<f {
                var sum = 0.0
                for column in 0...row { sum += w[row * f + column] * means[k * f + column] }
                whitenedMeans[k * f + row] = Float(sum)
            }
        }
        return .init(featureCount: f, whitening: w.map { Float($0) }, whitenedClassMeans: whitenedMeans)
    }
}
