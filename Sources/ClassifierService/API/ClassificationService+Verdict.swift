import NeuralEngine

/// What a request asks of the "unknown" verdict: the query's `unknown_verdict` and
/// `acceptance_rate` as sent (nil when absent).
public struct VerdictRequest: Sendable {
    public var verdict: String?
    public var acceptanceRate: String?

    public init(verdict: String? = nil, acceptanceRate: String? = nil) {
        self.verdict = verdict
        self.acceptanceRate = acceptanceRate
    }
}

extension ClassificationService {
    /// How one request's images are judged.
    enum VerdictRule {
        /// No verdict, and why.
        case unavailable(String)
        case threshold(Double, acceptanceRate: Double, method: String)
    }

    /// The rule from the request, then the settings, then the model file: the request's
    /// `unknown_verdict` overrides `unknown_verdict`; its `acceptance_rate` overrides
    /// `unknown_acceptance_rate`, which (when not 0) overrides the file's rate.
    func verdictRule(_ request: VerdictRequest, detector: OutOfDistributionDetector?) -> Result<VerdictRule, ServiceError> {
        var enabled = settings.unknownVerdict
        if let text = request.verdict {
            switch text.lowercased() {
            case "true", "1", "on", "yes": enabled = true
            case "false", "0", "off", "no": enabled = false
            default:
                return .failure(.badRequest("unknown_verdict must be true or false, got '\(text.prefix(40))'",
                                            code: "invalid_unknown_verdict"))
            }
        }
        var rate: Double?
        if let text = request.acceptanceRate {
            guard let value = Double(text), value > 0, value <= 1 else {
                return .failure(.badRequest("acceptance_rate must be a number above 0 and at most 1, got '\(text.prefix(40))'",
                                            code: "invalid_acceptance_rate"))
            }
            rate = value
        }
        guard enabled else { return .success(.unavailable("the verdict is turned off")) }
        guard let detector else {
            return .success(.unavailable("the model file has no out-of-distribution data (run classifier-train calibrate)"))
        }
        return .success(servedRule(detector, requestedRate: rate))
    }

    /// The threshold for `requestedRate`, else the server's rate, else the file's.
    func servedRule(_ detector: OutOfDistributionDetector, requestedRate: Double? = nil) -> VerdictRule {
        let rate = requestedRate ?? (settings.unknownAcceptanceRate > 0 ? settings.unknownAcceptanceRate : detector.acceptanceRate)
        return .threshold(detector.threshold(acceptingFraction: rate), acceptanceRate: rate, method: detector.method.rawValue)
    }

    /// One image's verdict; counted in `classifier_unknown_total` when unknown.
    func verdict(_ score: Double?, rule: VerdictRule) -> (unknown: Bool, detail: APIPayload.OutOfDistribution) {
        switch rule {
        case .unavailable(let reason):
            return (false, .init(available: false, method: nil, score: nil, threshold: nil, acceptance_rate: nil, reason: reason))
        case .threshold(let threshold, let rate, let method):
            guard let score else {
                return (false, .init(available: false, method: method, score: nil, threshold: nil, acceptance_rate: nil,
                                     reason: "the model gave no out-of-distribution score"))
            }
            // A NaN score (never from a validated file) counts as unknown: no evidence of being known.
            let unknown = !(score <= threshold)
            if unknown { metrics.recordUnknown() }
            return (unknown, .init(available: true, method: method, score: score.isFinite ? score : nil,
                                   threshold: threshold, acceptance_rate: rate, reason: nil))
        }
    }
}
