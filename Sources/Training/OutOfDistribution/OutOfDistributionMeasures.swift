/// How well a score separates in-distribution images (which should score low) from
/// out-of-distribution ones, in the two figures the literature reports (Hendrycks & Gimpel
/// 2017; Liu et al. 2020): the area under the ROC curve, and the share of out-of-distribution
/// images still accepted when 95 % of in-distribution images are.
public enum OutOfDistributionMeasures {
    /// P(an out-of-distribution score > an in-distribution score), ties counting half:
    /// 1 separates perfectly, 0.5 is chance.
    public static func areaUnderROC(inDistribution: [Double], outOfDistribution: [Double]) -> Double {
        guard !inDistribution.isEmpty, !outOfDistribution.isEmpty else { return .nan }
        let all = (inDistribution.map { ($0, false) } + outOfDistribution.map { ($0, true) }).sorted { $0.0 < $1.0 }
        // Mann–Whitney U from mid-ranks.
        var rankSum = 0.0
        var start = 0
        while start < all.count {
            var end = start
            while end + 1 < all.count && all[end + 1].0 == all[start].0 { end += 1 }
            let midRank = Double(start + end) / 2 + 1
            for i in start...end where all[i].1 { rankSum += midRank }
            start = end + 1
        }
        let n = Double(outOfDistribution.count), m = Double(inDistribution.count)
        return (rankSum - n * (n + 1) / 2) / (n * m)
    }

    /// The share of `outOfDistribution` at or below the threshold that accepts 95 % of
    /// `inDistribution` (in-distribution as the positive class).
    public static func falsePositiveRate(atTruePositiveRate rate: Double = 0.95, inDistribution: [Double],
                                         outOfDistribution: [Double]) -> Double {
        guard !inDistribution.isEmpty, !outOfDistribution.isEmpty else { return .nan }
        let threshold = OutOfDistributionFitting.acceptingThreshold(inDistribution.sorted(), rate: rate)
        return Double(outOfDistribution.filter { $0 <= threshold }.count) / Double(outOfDistribution.count)
    }

    /// The share of `scores` above `threshold`: the images answered "unknown".
    public static func rejectedFraction(_ scores: [Double], threshold: Double) -> Double {
        scores.isEmpty ? 0 : Double(scores.filter { $0 > threshold }.count) / Double(scores.count)
    }
}
