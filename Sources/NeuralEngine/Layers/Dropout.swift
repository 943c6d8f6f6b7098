/// Inverted dropout (Srivastava et al. 2014): in training each scalar is zeroed with
/// probability `rate` and the survivors are scaled by 1/(1 − rate), so evaluation is the
/// identity. The mask comes from the layer's own seeded generator, so a seed replays a run.
public final class Dropout: Layer {
    public let rate: Float
    public let seed: UInt64

    private var generator: SeededGenerator
    private var mask: [Float] = []
    private var maskShape: [Int]?

    public init(rate: Float, seed: UInt64) {
        precondition(rate >= 0 && rate <= 1, "Dropout: rate \(rate) is outside [0, 1]")
        self.rate = rate
        self.seed = seed
        generator = SeededGenerator(seed: seed)
    }

    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training else {
            maskShape = nil
            return input
        }
        let count = input.count
        if mask.count != count { mask = [Float](repeating: 0, count: count) }
        // rate 1 drops everything (scale irrelevant); avoid 1/0.
        let keep = 1 - rate, scale: Float = rate < 1 ? 1 / keep : 0
        // Compare 24-bit uniforms as integers: draw < keep·2²⁴ keeps the scalar.
        let threshold = UInt64((Double(keep) * Double(1 << 24)).rounded())
        mask.withUnsafeMutableBufferPointer { m in
            for i in 0..<count { m[i] = (generator.next() >> 40) < threshold ? scale : 0 }
        }
        maskShape = input.shape
        return Tensor.map2(input, Tensor(shape: input.shape, scalars: mask)) { a, b, z, n in
            elementwiseMultiply(a, b, into: z, count: n)
        }
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let shape = maskShape else {
            // The forward pass was the identity.
            return outputGradient
        }
        precondition(outputGradient.shape == shape, "Dropout.backward: gradient \(outputGradient.shape), expected \(shape)")
        return Tensor.map2(outputGradient, Tensor(shape: shape, scalars: mask)) { a, b, z, n in
            elementwiseMultiply(a, b, into: z, count: n)
        }
    }
}
