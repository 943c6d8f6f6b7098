/// Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay,
/// with exactly PyTorch's `torch.optim.SGD` update (Sutskever et al. 2013 form):
///
///     g ← ∇ + λ·p
///     b ← g                       on the first step
///     b ← μ·b + (1 − τ)·g         afterwards
///     g ← g + μ·b  (Nesterov)  or  g ← b
///     p ← p − η·g
public final class SGD: Optimizer {
    public struct State: Codable, Sendable, Equatable {
        /// Momentum buffer `b` by parameter name; absent until the parameter's first step.
        public var momentumBuffers: [String: [Float]]

        public init(momentumBuffers: [String: [Float]] = [:]) {
            self.momentumBuffers = momentumBuffers
        }
    }

    public let parameters: [(name: String, parameter: Parameter)]
    /// μ. Settable so that a one-cycle policy can cycle it.
    public var momentum: Float
    /// τ; must be 0 with Nesterov.
    public let dampening: Float
    public let nesterov: Bool
    /// λ, coupled L2 decay added to the gradient.
    public let weightDecay: Float
    public let weightDecayFilter: WeightDecayFilter

    private var buffers: [[Float]?]

    public init(parameters: [(name: String, parameter: Parameter)], momentum: Float = 0,
                dampening: Float = 0, nesterov: Bool = false, weightDecay: Float = 0,
                weightDecayFilter: WeightDecayFilter = .all) throws(OptimizerError) {
        guard momentum >= 0, momentum.isFinite else {
            throw OptimizerError("SGD momentum must be ≥ 0, got \(momentum)")
        }
        guard dampening >= 0, dampening <= 1 else {
            throw OptimizerError("SGD dampening must be in [0, 1], got \(dampening)")
        }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw OptimizerError("SGD weight decay must be ≥ 0, got \(weightDecay)")
        }
        // As PyTorch: Nesterov's look-ahead needs momentum and no dampening.
        guard !nesterov || (momentum > 0 && dampening == 0) else {
            throw OptimizerError("Nesterov momentum requires a momentum > 0 and zero dampening")
        }
        self.parameters = try Self.trainableEntries(parameters)
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.weightDecayFilter = weightDecayFilter
        buffers = Array(repeating: nil, count: self.parameters.count)
    }

    public func step(learningRate: Float) {
        for index in parameters.indices {
            let parameter = parameters[index].parameter
            guard parameter.isTrainable else { continue }
            let decay = weightDecayFilter.applies(to: parameter) ? weightDecay : 0
            let count = parameter.value.count
            precondition(parameter.gradient.count == count, "gradient and value of \(parameters[index].name) differ in size")
            if momentum == 0 {
                updateWithoutMomentum(parameter, learningRate: learningRate, decay: decay)
                continue
            }
            let first = buffers[index] == nil
            if first { buffers[index] = [Float](repeating: 0, count: count) }
            let (mu, keep, nesterov) = (momentum, 1 - dampening, self.nesterov)
            buffers[index]!.withUnsafeMutableBufferPointer { b in
                parameter.gradient.scalars.withUnsafeBufferPointer { gradient in
                    parameter.value.scalars.withUnsafeMutableBufferPointer { p in
                        for i in 0..<count {
                            let g = gradient[i] + decay * p[i]
                            b[i] = first ? g : mu * b[i] + keep * g
                            p[i] -= learningRate * (nesterov ? g + mu * b[i] : b[i])
                        }
                    }
                }
            }
        }
    }

    private func updateWithoutMomentum(_ parameter: Parameter, learningRate: Float, decay: Float) {
        parameter.gradient.scalars.withUnsafeBufferPointer { gradient in
            parameter.value.scalars.withUnsafeMutableBufferPointer { p in
                for i in 0..<p.count { p[i] -= learningRate * (gradient[i] + decay * p[i]) }
            }
        }
    }

    public var state: OptimizerState {
        var saved: [String: [Float]] = [:]
        for (index, entry) in parameters.enumerated() {
            if let buffer = buffers[index] { saved[entry.name] = buffer }
        }
        return .sgd(State(momentumBuffers: saved))
    }

    public func restore(_ state: OptimizerState) throws(OptimizerError) {
        guard case .sgd(let saved) = state else {
            throw OptimizerError("cannot restore an AdamW state into SGD")
        }
        try Self.validate(saved.momentumBuffers, kind: "momentum", against: parameters)
        buffers = parameters.map { saved.momentumBuffers[$0.name] }
    }
}
