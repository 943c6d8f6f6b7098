@testable import NeuralEngine

/// Helpers shared by the architecture, network and inference tests.
enum ArchitectureTestSupport {
    /// Uniform values in [low, high) from a seeded generator.
    static func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0..<count).map { _ in low + (high - low) * generator.nextUniform() })
    }

    /// Gives every BatchNorm non-trivial scale, shift and running statistics, so that
    /// folding and evaluation mode are actually exercised (fresh ones are the identity).
    static func randomizeBatchNorms(_ network: any Layer, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        func fill(_ parameter: Parameter, _ low: Float, _ high: Float) {
            parameter.value.scalars = (0..<parameter.value.count).map { _ in low + (high - low) * generator.nextUniform() }
        }
        func visit(_ layer: any Layer) {
            if let bn = layer as? BatchNorm2D {
                fill(bn.weight, 0.5, 1.5)
                fill(bn.bias, -0.2, 0.2)
                fill(bn.runningMean, -0.3, 0.3)
                fill(bn.runningVariance, 0.5, 2.0)
            }
            for child in layer.children { visit(child.layer) }
        }
        visit(network)
    }

    static func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.scalars, b.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    static func maxAbs(_ a: Tensor) -> Float { a.scalars.reduce(0) { max($0, abs($1)) } }
}
