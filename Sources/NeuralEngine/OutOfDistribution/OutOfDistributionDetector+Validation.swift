/// The checks a model file's `out_of_distribution` must pass on load: a damaged detector
/// would flag every image, or none, or crash the scoring, so it is refused like any other
/// bad field.
extension OutOfDistributionDetector {
    /// nil when sound; otherwise what is wrong, for `ModelFileError`.
    /// `headInputs` is the head's input width when the file's tensors say it.
    public func problem(classCount: Int, headInputs: Int?) -> String? {
        guard threshold.isFinite else { return "threshold \(threshold) is not finite" }
        guard acceptanceRate.isFinite, acceptanceRate > 0, acceptanceRate <= 1 else {
            return "acceptanceRate \(acceptanceRate) must be in (0, 1]"
        }
        guard validationImages >= 1 else { return "validationImages \(validationImages) must be at least 1" }
        guard validationPercentiles.count == Self.percentileCount else {
            return "validationPercentiles has \(validationPercentiles.count) values, not \(Self.percentileCount)"
        }
        if let index = validationPercentiles.firstIndex(where: { !$0.isFinite }) {
            return "validationPercentiles[\(index)] is not finite"
        }
        if let index = validationPercentiles.indices.dropFirst().first(where: { validationPercentiles[$0 - 1] > validationPercentiles[$0] }) {
            return "validationPercentiles are not ascending at \(index)"
        }
        switch method {
        case .energy, .maxSoftmax:
            guard mahalanobis == nil, nearestNeighbours == nil else { return "\(method.rawValue) takes no parameters" }
        case .mahalanobis:
            guard let parameters = mahalanobis, nearestNeighbours == nil else { return "mahalanobis needs its parameters, and only those" }
            return parameters.problem(classCount: classCount, headInputs: headInputs)
        case .nearestNeighbours:
            guard let parameters = nearestNeighbours, mahalanobis == nil else { return "knn needs its parameters, and only those" }
            return parameters.problem(headInputs: headInputs)
        }
        return nil
    }
}

extension OutOfDistributionDetector.MahalanobisParameters {
    func problem(classCount: Int, headInputs: Int?) -> String? {
        let f = featureCount
        guard f >= 1 else { return "featureCount \(f) must be at least 1" }
        if let headInputs, headInputs != f {
            return "featureCount \(f) but the head takes \(headInputs) features"
        }
        guard whitening.count == f * f else { return "whitening has \(whitening.count) values, not \(f)×\(f)" }
        guard whitenedClassMeans.count == classCount * f else {
            return "whitenedClassMeans has \(whitenedClassMeans.count) values, not \(classCount) classes × \(f)"
        }
        if let index = whitening.firstIndex(where: { !$0.isFinite }) { return "whitening[\(index)] is not finite" }
        if let index = whitenedClassMeans.firstIndex(where: { !$0.isFinite }) {
            return "whitenedClassMeans[\(index)] is not finite"
        }
        return nil
    }
}

extension OutOfDistributionDetector.NearestNeighbourParameters {
    func problem(headInputs: Int?) -> String? {
        let f = featureCount
        guard f >= 1 else { return "featureCount \(f) must be at least 1" }
        if let headInputs, headInputs != f {
            return "featureCount \(f) but the head takes \(headInputs) features"
        }
        guard bank.values.count % f == 0, rows >= 1 else {
            return "the bank has \(bank.values.count) values, not a whole number of rows of \(f)"
        }
        guard k >= 1, k <= rows else { return "k \(k) must be between 1 and the bank's \(rows) rows" }
        if let index = bank.values.firstIndex(where: { !$0.isFinite }) { return "bank[\(index)] is not finite" }
        return nil
    }
}
