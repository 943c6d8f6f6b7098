import Foundation
import Testing
@testable import NeuralEngine

// Finite-difference gradient checks shared by the layer tests.
//
// The scalar checked is L = Σ y·R for a fixed random R the shape of the output, accumulated
// in Double, so dL/dy = R is what `backward` receives. Each derivative is a central
// difference (L(v + h) − L(v − h)) / 2h, error O(h²) plus Float rounding of the forward
// pass divided by h; the tolerances below leave room for both.
//
// A coordinate whose difference at h misses is measured again at h/4 and h/16, and the
// closest of the three counts: a ReLU or max-pool unit within h of its kink bends the
// difference at h (which weights happen to sit there depends on the initialisation's
// draw), while a wrong analytic gradient misses at every step.

func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let count = shape.reduce(1, *)
    return Tensor(shape: shape, scalars: (0..<count).map { _ in generator.nextNormal() * scale })
}

/// Values spread out so that no two are within `gap` of each other and none is within
/// `gap` of zero: kinks (ReLU at 0, max-pool ties) are then farther than any probe step.
func wellSeparatedTensor(_ shape: [Int], seed: UInt64, gap: Float = 0.02) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let count = shape.reduce(1, *)
    var values = (0..<count).map { i in (Float(i) - Float(count) / 2 + 0.5) * gap * 2 }
    values.shuffle(using: &generator)
    return Tensor(shape: shape, scalars: values)
}

func weightedSum(_ output: Tensor, _ projection: Tensor) -> Double {
    zip(output.scalars, projection.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

/// The largest violation of |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|),
/// as a ratio: ≤ 1 passes.
struct GradientComparison: CustomStringConvertible {
    var worst = 0.0
    var detail = ""
    let absoluteTolerance: Double
    let relativeTolerance: Double

    func ratio(_ analytic: Float, _ numeric: Double) -> Double {
        let a = Double(analytic)
        return abs(a - numeric) / (absoluteTolerance + relativeTolerance * max(abs(a), abs(numeric)))
    }

    func accepts(_ analytic: Float, _ numeric: Double) -> Bool { ratio(analytic, numeric) <= 1 }

    mutating func compare(_ analytic: Float, _ numeric: Double, _ label: String) {
        let a = Double(analytic)
        let ratio = ratio(analytic, numeric)
        if ratio > worst {
            worst = ratio
            detail = "\(label): analytic \(a), numeric \(numeric)"
        }
    }

    var passed: Bool { worst <= 1 }
    var description: String { "worst ratio \(worst) at \(detail)" }
}

/// Checks dL/dx and dL/dθ of every trainable parameter of `layer` (and its children) by
/// central differences, probing at most `probes` entries of each tensor.
@discardableResult
func checkGradients(
    of layer: any Layer, input: Tensor, seed: UInt64 = 99, step: Float = 1e-2,
    absoluteTolerance: Double = 2e-4, relativeTolerance: Double = 2e-3, probes: Int = 40,
    sourceLocation: SourceLocation = #_sourceLocation
) -> GradientComparison {
    let projection = randomTensor(layer.outputShape(for: input.shape), seed: seed)
    layer.zeroGradients()
    let output = layer.forward(input, training: true)
    #expect(output.shape == projection.shape, sourceLocation: sourceLocation)
    let inputGradient = layer.backward(projection)
    #expect(inputGradient.shape == input.shape, sourceLocation: sourceLocation)

    var comparison = GradientComparison(absoluteTolerance: absoluteTolerance,
                                        relativeTolerance: relativeTolerance)
    var generator = SeededGenerator(seed: seed &+ 1)
    func indices(_ count: Int) -> [Int] {
        count <= probes ? Array(0..<count) : (0..<probes).map { _ in Int(generator.next() % UInt64(count)) }
    }

    /// The central difference at `step`, or, when that misses `analytic`, the closest of
    /// those at `step`, step/4 and step/16; `set(v)` puts v at the coordinate probed.
    func numeric(_ analytic: Float, original: Float, _ set: (Float) -> Double) -> Double {
        func difference(_ h: Float) -> Double {
            let plus = set(original + h)
            let minus = set(original - h)
            _ = set(original)
            return (plus - minus) / Double(2 * h)
        }
        var best = difference(step)
        guard !comparison.accepts(analytic, best) else { return best }
        for h in [step / 4, step / 16] {
            let value = difference(h)
            if abs(value - Double(analytic)) < abs(best - Double(analytic)) { best = value }
        }
        return best
    }

    var probe = input
    for i in indices(input.count) {
        let value = numeric(inputGradient.scalars[i], original: probe.scalars[i]) { v in
            probe.scalars[i] = v
            return weightedSum(layer.forward(probe, training: true), projection)
        }
        comparison.compare(inputGradient.scalars[i], value, "input[\(i)]")
    }
    for (name, parameter) in layer.namedParameters() where parameter.kind == .trainable {
        let analytic = parameter.gradient
        for i in indices(parameter.value.count) {
            let value = numeric(analytic.scalars[i], original: parameter.value.scalars[i]) { v in
                parameter.value.scalars[i] = v
                return weightedSum(layer.forward(input, training: true), projection)
            }
            comparison.compare(analytic.scalars[i], value, "\(name)[\(i)]")
        }
    }
    if ProcessInfo.processInfo.environment["GRADIENT_CHECK_VERBOSE"] != nil {
        print("gradient check \(type(of: layer)) at \(sourceLocation.line): \(comparison)")
    }
    #expect(comparison.passed, "\(comparison)", sourceLocation: sourceLocation)
    return comparison
}

func maxAbsoluteDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape)
    return zip(a.scalars, b.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
