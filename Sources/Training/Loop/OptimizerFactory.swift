import NeuralEngine

/// Builds the engine's optimizer for a run and adapts it to the loop: the state
/// goes into the checkpoint as tensors (per-parameter arrays) rather than JSON.
enum OptimizerFactory {
    static func make(_ c: TrainingConfiguration, network: Network) throws -> any TrainingOptimizer {
        let spec: OptimizerSpec
        switch c.optimizer {
        case .sgd:
            spec = .sgd(momentum: Float(c.momentum), nesterov: c.nesterov && c.momentum > 0,
                        weightDecay: Float(c.effectiveWeightDecay), weightDecayFilter: .weightsOnly)
        case .adamw:
            spec = .adamW(weightDecay: Float(c.effectiveWeightDecay), weightDecayFilter: .weightsOnly)
        }
        do {
            return EngineOptimizer(try spec.makeOptimizer(parameters: network.namedParameters()))
        } catch {
            throw TrainingError.invalidConfiguration("\(error)")
        }
    }
}

final class EngineOptimizer: TrainingOptimizer {
    let optimizer: any Optimizer

    init(_ optimizer: any Optimizer) { self.optimizer = optimizer }

    func step(learningRate: Double) { optimizer.step(learningRate: Float(learningRate)) }

    func stateTensors() -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        func put(_ prefix: String, _ arrays: [String: [Float]]) {
            for (name, values) in arrays { tensors["\(prefix).\(name)"] = Tensor(shape: [values.count], scalars: values) }
        }
        switch optimizer.state {
        case .sgd(let state):
            put("sgd_momentum", state.momentumBuffers)
        case .adamW(let state):
            put("adamw_m", state.firstMoments)
            put("adamw_v", state.secondMoments)
            put("adamw_steps", state.steps.mapValues { [Float($0)] })
        }
        return tensors
    }

    func restore(stateTensors tensors: [String: Tensor]) throws {
        func take(_ prefix: String) -> [String: [Float]] {
            var out: [String: [Float]] = [:]
            for (name, tensor) in tensors where name.hasPrefix(prefix + ".") {
                out[String(name.dropFirst(prefix.count + 1))] = tensor.scalars
            }
            return out
        }
        let state: OptimizerState
        switch optimizer.state {
        case .sgd:
            state = .sgd(SGD.State(momentumBuffers: take("sgd_momentum")))
        case .adamW:
            state = .adamW(AdamW.State(steps: take("adamw_steps").mapValues { Int($0.first ?? 0) },
                                       firstMoments: take("adamw_m"), secondMoments: take("adamw_v")))
        }
        do {
            try optimizer.restore(state)
        } catch {
            throw TrainingError.incompatibleModel(path: "checkpoint", reason: "\(error)")
        }
    }
}
