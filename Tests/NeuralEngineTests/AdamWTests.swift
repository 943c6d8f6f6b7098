import Foundation
import Testing
@testable import NeuralEngine

@Suite("AdamW")
struct AdamWTests {
    private func run(_ problem: QuadraticProblem, _ optimizer: AdamW, rates: [Float]) {
        for rate in rates {
            problem.computeGradients()
            optimizer.step(learningRate: rate)
        }
    }

    @Test func theFirstStepMovesEachWeightByTheLearningRateAfterDecay() throws {
        // After bias correction m̂ = g and v̂ = g², so the step is η·g/(|g| + ε) ≈ η·sign(g);
        // decoupled decay first scales p by (1 − η·λ).
        let parameter = Parameter(name: "w", value: Tensor(shape: [1, 3], scalars: [1, -2, 3]))
        parameter.gradient = Tensor(shape: [1, 3], scalars: [0.001, -50, 7])
        let optimizer = try AdamW(parameters: [("w", parameter)], weightDecay: 0.1)
        optimizer.step(learningRate: 0.01)
        let expected: [Float] = [1 * 0.999 - 0.01, -2 * 0.999 + 0.01, 3 * 0.999 - 0.01]
        expectClose(parameter.value.scalars, expected, tolerance: 1e-5)
    }

    @Test(arguments: [
        (beta1: Float(0.9), beta2: Float(0.999), epsilon: Float(1e-8), weightDecay: Float(0.01), filter: WeightDecayFilter.all),
        (0.8, 0.99, 1e-6, 0, .all),
        (0.9, 0.999, 1e-8, 0.3, .weightsOnly),
    ])
    func stepsMatchANumPyImplementationOfTorchAdamW(
        beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float, filter: WeightDecayFilter
    ) throws {
        let rates: [Float] = [0.1, 0.05, 0.08, 0.02, 0.1, 0.03]
        let problem = QuadraticProblem()
        let optimizer = try AdamW(parameters: problem.named, beta1: beta1, beta2: beta2, epsilon: epsilon,
                                  weightDecay: weightDecay, weightDecayFilter: filter)
        run(problem, optimizer, rates: rates)
        // torch/optim/adamw.py (`_single_tensor_adam`, decoupled), transcribed.
        let update = """
            p = p * (1 - lr * \(weightDecay) * decay_mask)
            m = \(beta1) * m + (1 - \(beta1)) * g
            v = \(beta2) * v + (1 - \(beta2)) * g * g
            step_size = lr / (1 - \(beta1) ** step)
            denom = np.sqrt(v) / np.sqrt(1 - \(beta2) ** step) + \(epsilon)
            p = p - step_size * m / denom
            """
        guard let expected = try QuadraticProblem.numpy(update: update, setup: "m = np.zeros(9); v = np.zeros(9)",
                                                        learningRates: rates, weightsOnly: filter == .weightsOnly) else { return }
        expectClose(problem.values, expected, tolerance: 2e-5)
        #expect(problem.buffer.value.scalars == [7, 7, 7])
    }

    @Test func convergesOnAQuadratic() throws {
        let problem = QuadraticProblem()
        let optimizer = try AdamW(parameters: problem.named, weightDecay: 0)
        let rates = [Float](repeating: 0.1, count: 300) + Array(repeating: 0.01, count: 300) + Array(repeating: 0.001, count: 300)
        run(problem, optimizer, rates: rates)
        #expect(problem.loss() < 1e-4)
        expectClose(problem.values, QuadraticProblem.target, tolerance: 1e-2)
    }

    @Test func biasCorrectionCountsStepsPerParameter() throws {
        let problem = QuadraticProblem()
        let optimizer = try AdamW(parameters: problem.named)
        problem.vector.isFrozen = true
        run(problem, optimizer, rates: [0.01, 0.01, 0.01])
        problem.vector.isFrozen = false
        run(problem, optimizer, rates: [0.01])
        guard case .adamW(let state) = optimizer.state else { Issue.record("wrong state kind"); return }
        #expect(state.steps == ["layer.weight": 4, "layer.bias": 1])
        #expect(state.firstMoments["layer.running_mean"] == nil)
    }

    @Test func aRestoredStateContinuesExactlyAsTheOriginal() throws {
        let original = QuadraticProblem()
        let optimizer = try AdamW(parameters: original.named)
        run(original, optimizer, rates: [0.05, 0.05, 0.05])

        let data = try JSONEncoder().encode(optimizer.state)
        let resumed = QuadraticProblem()
        resumed.matrix.value = original.matrix.value
        resumed.vector.value = original.vector.value
        let restored = try AdamW(parameters: resumed.named)
        try restored.restore(try JSONDecoder().decode(OptimizerState.self, from: data))

        run(original, optimizer, rates: [0.05, 0.05])
        run(resumed, restored, rates: [0.05, 0.05])
        #expect(resumed.values == original.values)
        #expect(restored.state == optimizer.state)
    }

    @Test func restoringAMismatchedStateIsRefused() throws {
        let optimizer = try AdamW(parameters: QuadraticProblem().named)
        #expect(throws: OptimizerError.self) { try optimizer.restore(.sgd(.init())) }
        #expect(throws: OptimizerError.self) {
            try optimizer.restore(.adamW(.init(steps: ["layer.bias": 2], firstMoments: ["layer.bias": [0, 0, 0]])))
        }
        #expect(throws: OptimizerError.self) {
            try optimizer.restore(.adamW(.init(steps: ["layer.bias": 1], firstMoments: ["layer.bias": [0]],
                                               secondMoments: ["layer.bias": [0]])))
        }
    }

    @Test func invalidSettingsAreRefused() {
        let named = QuadraticProblem().named
        #expect(throws: OptimizerError.self) { try AdamW(parameters: named, beta1: 1) }
        #expect(throws: OptimizerError.self) { try AdamW(parameters: named, epsilon: -1) }
        #expect(throws: OptimizerError.self) { try AdamW(parameters: named, weightDecay: -0.1) }
    }

    @Test func anOptimizerSpecRoundTripsThroughJSONAndBuildsTheOptimizer() throws {
        let spec = try JSONDecoder().decode(OptimizerSpec.self, from: Data(#"{"type": "adamw", "weightDecay": 0.05}"#.utf8))
        #expect(spec == .adamW(weightDecay: 0.05))
        let optimizer = try #require(try spec.makeOptimizer(parameters: QuadraticProblem().named) as? AdamW)
        #expect(optimizer.weightDecay == 0.05 && optimizer.beta2 == 0.999)
        let sgd = OptimizerSpec.sgd(momentum: 0.8, nesterov: true, weightDecay: 1e-4, weightDecayFilter: .weightsOnly)
        #expect(try JSONDecoder().decode(OptimizerSpec.self, from: JSONEncoder().encode(sgd)) == sgd)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(OptimizerSpec.self, from: Data(#"{"type": "lbfgs"}"#.utf8))
        }
    }
}
