import Foundation
import Testing
@testable import NeuralEngine

@Suite("SGD")
struct SGDTests {
    private func run(_ problem: QuadraticProblem, _ optimizer: SGD, rates: [Float]) {
        for rate in rates {
            problem.computeGradients()
            optimizer.step(learningRate: rate)
        }
    }

    @Test func momentumMatchesHandComputedPyTorchSteps() throws {
        // p = 1, constant gradient 0.5, η = 0.1, μ = 0.9:
        // step 1: b = 0.5, p = 0.95; step 2: b = 0.95, p = 0.855.
        let parameter = Parameter(name: "p", value: Tensor(shape: [1], scalars: [1]))
        parameter.gradient = Tensor(shape: [1], scalars: [0.5])
        let optimizer = try SGD(parameters: [("p", parameter)], momentum: 0.9)
        optimizer.step(learningRate: 0.1)
        #expect(abs(parameter.value.scalars[0] - 0.95) < 1e-6)
        optimizer.step(learningRate: 0.1)
        #expect(abs(parameter.value.scalars[0] - 0.855) < 1e-6)
    }

    @Test func nesterovMatchesHandComputedPyTorchSteps() throws {
        // Nesterov: g' = g + μ·b. Step 1: b = 0.5, g' = 0.95, p = 0.905;
        // step 2: b = 0.95, g' = 1.355, p = 0.7695.
        let parameter = Parameter(name: "p", value: Tensor(shape: [1], scalars: [1]))
        parameter.gradient = Tensor(shape: [1], scalars: [0.5])
        let optimizer = try SGD(parameters: [("p", parameter)], momentum: 0.9, nesterov: true)
        optimizer.step(learningRate: 0.1)
        #expect(abs(parameter.value.scalars[0] - 0.905) < 1e-6)
        optimizer.step(learningRate: 0.1)
        #expect(abs(parameter.value.scalars[0] - 0.7695) < 1e-6)
    }

    @Test(arguments: [
        (momentum: Float(0), dampening: Float(0), nesterov: false, weightDecay: Float(0), filter: WeightDecayFilter.all),
        (0.9, 0, false, 0, .all),
        (0.9, 0, true, 0.05, .all),
        (0.8, 0.3, false, 0.1, .weightsOnly),
        (0, 0, false, 0.2, .all),
    ])
    func stepsMatchANumPyImplementationOfTorchSGD(
        momentum: Float, dampening: Float, nesterov: Bool, weightDecay: Float, filter: WeightDecayFilter
    ) throws {
        let rates: [Float] = [0.1, 0.05, 0.08, 0.02, 0.1]
        let problem = QuadraticProblem()
        let optimizer = try SGD(parameters: problem.named, momentum: momentum, dampening: dampening,
                                nesterov: nesterov, weightDecay: weightDecay, weightDecayFilter: filter)
        run(problem, optimizer, rates: rates)
        // torch/optim/sgd.py `_single_tensor_sgd`, transcribed.
        let update = """
            g = g + \(weightDecay) * decay_mask * p
            if \(momentum) != 0:
                b = g.copy() if b is None else \(momentum) * b + (1 - \(dampening)) * g
                g = g + \(momentum) * b if \(nesterov ? "True" : "False") else b
            p = p - lr * g
            """
        guard let expected = try QuadraticProblem.numpy(update: update, setup: "b = None", learningRates: rates,
                                                        weightsOnly: filter == .weightsOnly) else { return }
        expectClose(problem.values, expected, tolerance: 1e-5)
        #expect(problem.buffer.value.scalars == [7, 7, 7])
    }

    @Test func weightsOnlyDecayLeavesVectorsUndecayed() throws {
        let problem = QuadraticProblem()
        let optimizer = try SGD(parameters: problem.named, weightDecay: 0.5, weightDecayFilter: .weightsOnly)
        let before = problem.values
        optimizer.step(learningRate: 0.1)  // zero gradients: only decay acts
        #expect(problem.vector.value.scalars == Array(before[6...]))
        #expect(problem.matrix.value.scalars == before[0..<6].map { $0 - 0.1 * 0.5 * $0 })
    }

    @Test func frozenParametersAndBuffersAreSkippedUntilUnfrozen() throws {
        let problem = QuadraticProblem()
        let optimizer = try SGD(parameters: problem.named, momentum: 0.9)
        #expect(optimizer.parameters.map(\.name) == ["layer.weight", "layer.bias"])
        problem.vector.isFrozen = true
        let frozen = problem.vector.value
        run(problem, optimizer, rates: [0.1, 0.1])
        #expect(problem.vector.value == frozen)
        #expect(problem.buffer.value.scalars == [7, 7, 7])
        guard case .sgd(let state) = optimizer.state else { Issue.record("wrong state kind"); return }
        #expect(state.momentumBuffers.keys.sorted() == ["layer.weight"])
        problem.vector.isFrozen = false
        run(problem, optimizer, rates: [0.1])
        #expect(problem.vector.value != frozen)
    }

    @Test func momentumConvergesOnAQuadratic() throws {
        let problem = QuadraticProblem()
        let optimizer = try SGD(parameters: problem.named, momentum: 0.9, nesterov: true)
        let initial = problem.loss()
        run(problem, optimizer, rates: Array(repeating: 0.05, count: 200))
        #expect(initial > 10)
        #expect(problem.loss() < 1e-6)
        expectClose(problem.values, QuadraticProblem.target, tolerance: 1e-3)
    }

    @Test func aRestoredStateContinuesExactlyAsTheOriginal() throws {
        let original = QuadraticProblem()
        let optimizer = try SGD(parameters: original.named, momentum: 0.9, weightDecay: 0.01)
        run(original, optimizer, rates: [0.05, 0.05, 0.05])

        let data = try JSONEncoder().encode(optimizer.state)
        let resumed = QuadraticProblem()
        resumed.matrix.value = original.matrix.value
        resumed.vector.value = original.vector.value
        let restored = try SGD(parameters: resumed.named, momentum: 0.9, weightDecay: 0.01)
        try restored.restore(try JSONDecoder().decode(OptimizerState.self, from: data))
        #expect(restored.state == optimizer.state)

        run(original, optimizer, rates: [0.05, 0.05])
        run(resumed, restored, rates: [0.05, 0.05])
        #expect(resumed.values == original.values)
    }

    @Test func restoringAMismatchedStateIsRefused() throws {
        let optimizer = try SGD(parameters: QuadraticProblem().named, momentum: 0.9)
        #expect(throws: OptimizerError("checkpointed momentum for \"other.weight\", which this network does not train")) {
            try optimizer.restore(.sgd(.init(momentumBuffers: ["other.weight": [1]])))
        }
        #expect(throws: OptimizerError("checkpointed momentum for \"layer.bias\" has 2 values, the parameter has 3")) {
            try optimizer.restore(.sgd(.init(momentumBuffers: ["layer.bias": [1, 2]])))
        }
        #expect(throws: OptimizerError.self) { try optimizer.restore(.adamW(.init())) }
    }

    @Test func invalidSettingsAreRefused() {
        let named = QuadraticProblem().named
        #expect(throws: OptimizerError("Nesterov momentum requires a momentum > 0 and zero dampening")) {
            try SGD(parameters: named, nesterov: true)
        }
        #expect(throws: OptimizerError.self) { try SGD(parameters: named, momentum: -0.1) }
        #expect(throws: OptimizerError.self) { try SGD(parameters: named, weightDecay: .nan) }
        #expect(throws: OptimizerError("parameter name \"layer.weight\" appears twice")) {
            try SGD(parameters: named + [named[0]])
        }
    }
}
