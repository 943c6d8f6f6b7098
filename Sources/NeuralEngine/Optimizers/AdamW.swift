import Foundation

/// Adam with decoupled weight decay (Loshchilov & Hutter 2019, "Decoupled Weight Decay
/// Regularization"), with exactly PyTorch's `torch.optim.AdamW` update:
///
///     p ← p·(1 − η·λ)                      decay, apart from the gradient
///     m ← β₁·m + (1 − β₁)·g
///     v ← β₂·v + (1 − β₂)·g²
///     p ← p − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// with t counted per parameter, so a parameter unfrozen late starts its own bias correction.
public final class AdamW: Optimizer {
    public struct State: Codable, Sendable, Equatable {
        /// Steps taken, by parameter name.
        public var steps: [String: Int]
        /// m, by parameter name.
        public var firstMoments: [String: [Float]]
        /// v, by parameter name.
        public var secondMoments: [String: [Float]]

        public init(steps: [String: Int] = [:], firstMoments: [String: [Float]] = [:],
                    secondMoments: [String: [Float]] = [:]) {
            self.steps = steps
            self.firstMoments = firstMoments
            self.secondMoments = secondMoments
        }
    }

    public let parameters: [(name: String, parameter: Parameter)]
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// λ, decoupled: multiplied by the learning rate, not added to the gradient.
    public let weightDecay: Float
    public let weightDecayFilter: WeightDecayFilter

    private var steps: [Int]
    private var firstMoments: [[Float]?]
    private var secondMoments: [[Float]?]

    /// PyTorch's defaults: β = (0.9, 0.999), ε = 1e-8, λ = 0.01.
    public init(parameters: [(name: String, parameter: Parameter)], beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0.01,
                weightDecayFilter: WeightDecayFilter = .all) throws(OptimizerError) {
        guard beta1 >= 0, beta1 < 1, beta2 >= 0, beta2 < 1 else {
            throw OptimizerError("AdamW betas must be in [0, 1), got (\(beta1), \(beta2))")
        }
        guard epsilon >= 0, epsilon.isFinite else { throw OptimizerError("AdamW epsilon must be ≥ 0, got \(epsilon)") }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw OptimizerError("AdamW weight decay must be ≥ 0, got \(weightDecay)")
        }
        self.parameters = try Self.trainableEntries(parameters)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.weightDecayFilter = weightDecayFilter
        steps = Array(repeating: 0, count: self.parameters.count)
        firstMoments = Array(repeating: nil, count: self.parameters.count)
        secondMoments = Array(repeating: nil, count: self.parameters.count)
    }

    public func step(learningRate: Float) {
        for index in parameters.indices {
            let parameter = parameters[index].parameter
            guard parameter.isTrainable else { continue }
            let count = parameter.value.count
            precondition(parameter.gradient.count == count, "gradient and value of \(parameters[index].name) differ in size")
            if firstMoments[index] == nil {
                firstMoments[index] = [Float](repeating: 0, count: count)
                secondMoments[index] = [Float](repeating: 0, count: count)
            }
            steps[index] += 1
            // Bias corrections in Double: β₂ᵗ loses precision in Float for large t.
            let t = Double(steps[index])
            let stepSize = Float(Double(learningRate) / (1 - pow(Double(beta1), t)))
            let correction2Root = Float((1 - pow(Double(beta2), t)).squareRoot())
            let shrink = 1 - learningRate * (weightDecayFilter.applies(to: parameter) ? weightDecay : 0)
            let (b1, b2, eps) = (beta1, beta2, epsilon)
            firstMoments[index]!.withUnsafeMutableBufferPointer { m in
                secondMoments[index]!.withUnsafeMutableBufferPointer { v in
                    parameter.gradient.scalars.withUnsafeBufferPointer { gradient in
                        parameter.value.scalars.withUnsafeMutableBufferPointer { p in
                            for i in 0..<count {
                                let g = gradient[i]
                                m[i] = b1 * m[i] + (1 - b1) * g
                                v[i] = b2 * v[i] + (1 - b2) * g * g
                                let denominator = v[i].squareRoot() / correction2Root + eps
                                p[i] = p[i] * shrink - stepSize * m[i] / denominator
                            }
                        }
                    }
                }
            }
        }
    }

    public var state: OptimizerState {
        var saved = State()
        for (index, entry) in parameters.enumerated() where steps[index] > 0 {
            saved.steps[entry.name] = steps[index]
            saved.firstMoments[entry.name] = firstMoments[index]
            saved.secondMoments[entry.name] = secondMoments[index]
        }
        return .adamW(saved)
    }

    public func restore(_ state: OptimizerState) throws(OptimizerError) {
        guard case .adamW(let saved) = state else {
            throw OptimizerError("cannot restore an SGD state into AdamW")
        }
        try Self.validate(saved.firstMoments, kind: "first moment", against: parameters)
        try Self.validate(saved.secondMoments, kind: "second moment", against: parameters)
        for (name, step) in saved.steps {
            guard step > 0, saved.firstMoments[name] != nil, saved.secondMoments[name] != nil else {
                throw OptimizerError("checkpointed step \(step) for \"\(name)\" without both moments")
            }
        }
        steps = parameters.map { saved.steps[$0.name] ?? 0 }
        firstMoments = parameters.map { saved.steps[$0.name] == nil ? nil : saved.firstMoments[$0.name] }
        secondMoments = parameters.map { saved.steps[$0.name] == nil ? nil : saved.secondMoments[$0.name] }
    }
}
