import Foundation
import Testing
@testable import NeuralEngine

/// A quadratic bowl f(p) = Σ aᵢ (pᵢ − tᵢ)² over two parameters (a matrix and a
/// vector), so optimizers can be stepped with real gradients and compared with an
/// independent NumPy implementation of PyTorch's update rules.
struct QuadraticProblem {
    let matrix = Parameter(name: "weight", value: Tensor(shape: [2, 3], scalars: [1, -2, 0.5, 3, -1, 2]))
    let vector = Parameter(name: "bias", value: Tensor(shape: [3], scalars: [0.25, -0.5, 4]))
    let buffer = Parameter(name: "running_mean", value: Tensor(shape: [3], scalars: [7, 7, 7]), kind: .buffer)
    static let curvature: [Float] = [1, 0.5, 2, 1.5, 0.8, 1.2, 0.7, 1.1, 0.9]
    static let target: [Float] = [0.5, 1, -1, 2, 0, -0.5, 1, 1.5, -2]

    var named: [(name: String, parameter: Parameter)] {
        [("layer.weight", matrix), ("layer.bias", vector), ("layer.running_mean", buffer)]
    }

    var values: [Float] { matrix.value.scalars + vector.value.scalars }

    /// Sets the gradients of f at the current values (zeroing first).
    func computeGradients() {
        let all = values
        let gradient = all.indices.map { 2 * Self.curvature[$0] * (all[$0] - Self.target[$0]) }
        matrix.gradient = Tensor(shape: [2, 3], scalars: Array(gradient[0..<6]))
        vector.gradient = Tensor(shape: [3], scalars: Array(gradient[6..<9]))
    }

    func loss() -> Float {
        values.indices.reduce(0) { $0 + Self.curvature[$1] * pow(values[$1] - Self.target[$1], 2) }
    }

    /// The NumPy oracle: runs `update` (Python, PyTorch's formulas, float64) for the
    /// given learning rates on the same problem; returns the final values.
    static func numpy(update: String, setup: String, learningRates: [Float],
                      weightsOnly: Bool = false) throws -> [Float]? {
        let script = """
            import json, sys, numpy as np
            a = np.array(\(curvature)); t = np.array(\(target))
            p = np.array([1, -2, 0.5, 3, -1, 2, 0.25, -0.5, 4], dtype=np.float64)
            decay_mask = np.array([1] * 6 + [0] * 3) if \(weightsOnly ? "True" : "False") else np.ones(9)
            \(setup)
            for step, lr in enumerate(json.loads(sys.argv[1]), start=1):
                g = 2 * a * (p - t)
            \(update.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            print(json.dumps(p.tolist()))
            """
        let rates = "[" + learningRates.map { "\(Double($0))" }.joined(separator: ",") + "]"
        guard let values = try PythonOracle.json(script, [rates]) as? [Double] else { return nil }
        return values.map { Float($0) }
    }
}

func expectClose(_ actual: [Float], _ expected: [Float], tolerance: Float,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    for (a, e) in zip(actual, expected) where abs(a - e) > tolerance * max(1, abs(e)) {
        Issue.record("\(actual) differs from \(expected) beyond \(tolerance)", sourceLocation: sourceLocation)
        return
    }
}
