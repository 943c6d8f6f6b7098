/// The whitening matrix of a covariance: W = L⁻¹ where Σ = L Lᵀ (Cholesky), so that
/// ‖W x‖² = xᵀ Σ⁻¹ x. In Double: the feature widths here are at most a few hundred, a
/// millisecond's work, and Float loses the small eigenvalues that matter most.
enum CholeskyWhitening {
    /// `covariance` (F, F) row-major, symmetric. A ridge of `ridge` × the mean variance is
    /// added to the diagonal first: ReLU features include units that never fire on the
    /// training data, whose variance is exactly zero, and a unit that does fire on an
    /// unusual image should then count as far (large), not as a division by zero.
    /// Nil when the matrix is not positive definite even so (non-finite input).
    static func whitening(covariance: [Double], size f: Int, ridge: Double = 1e-3) -> [Double]? {
        precondition(covariance.count == f * f)
        var meanVariance = 0.0
        for i in 0..<f { meanVariance += covariance[i * f + i] }
        meanVariance = max(meanVariance / Double(max(f, 1)), 1e-12)
        var a = covariance
        for i in 0..<f { a[i * f + i] += ridge * meanVariance }

        // Cholesky–Banachiewicz: L row by row, in place in the lower triangle.
        var l = [Double](repeating: 0, count: f * f)
        for i in 0..<f {
            for j in 0...i {
                var sum = a[i * f + j]
                for k in 0..<j { sum -= l[i * f + k] * l[j * f + k] }
                if i == j {
                    guard sum > 0, sum.isFinite else { return nil }
                    l[i * f + i] = sum.squareRoot()
                } else {
                    l[i * f + j] = sum / l[j * f + j]
                }
            }
        }
        // W = L⁻¹, lower triangular, by forward substitution one column at a time.
        var w = [Double](repeating: 0, count: f * f)
        for column in 0..<f {
            for i in column..<f {
                var sum = i == column ? 1.0 : 0.0
                for k in column..<i { sum -= l[i * f + k] * w[k * f + column] }
                w[i * f + column] = sum / l[i * f + i]
            }
        }
        return w
    }
}
