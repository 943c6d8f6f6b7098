/// A small, fast, seedable generator (SplitMix64 seeding a xoshiro256**),
/// so that the same seed gives the same weights, shuffles and augmentations
/// on every platform. `SystemRandomNumberGenerator` cannot be seeded.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var splitMix = seed
        func next() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1).
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / Float(1 << 24))
    }

    /// Standard normal, by Box–Muller.
    public mutating func nextNormal() -> Float {
        let u1 = max(nextUniform(), Float.leastNonzeroMagnitude)
        let u2 = nextUniform()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Float.pi * u2)
    }

    /// Standard normal truncated to [−2, 2] by redrawing, as TensorFlow's
    /// `truncated_normal` (and so Keras's `he_normal`) draws it: its standard deviation is
    /// `truncatedNormalStandardDeviation`.
    public mutating func nextTruncatedNormal() -> Float {
        while true {
            let z = nextNormal()
            if abs(z) <= 2 { return z }
        }
    }

    /// The standard deviation of `nextTruncatedNormal` (TensorFlow's `VarianceScaling`
    /// divides by the same constant to keep a requested variance).
    public static let truncatedNormalStandardDeviation: Float = 0.87962566103423978

    /// An independent stream for a worker, derived deterministically from this one.
    public mutating func fork() -> SeededGenerator { SeededGenerator(seed: next()) }

    // Codable and Equatable by the four state words (tuples are neither).
    enum CodingKeys: CodingKey { case words }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let words = try container.decode([UInt64].self, forKey: .words)
        guard words.count == 4 else {
            throw DecodingError.dataCorruptedError(forKey: .words, in: container,
                                                   debugDescription: "expected 4 state words")
        }
        state = (words[0], words[1], words[2], words[3])
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode([state.0, state.1, state.2, state.3], forKey: .words)
    }
    public static func == (a: SeededGenerator, b: SeededGenerator) -> Bool {
        a.state == b.state
    }
}

#if canImport(Glibc)
import Glibc
private func _log(_ x: Float) -> Float { logf(x) }
private func _cos(_ x: Float) -> Float { cosf(x) }
#else
import Darwin
private func _log(_ x: Float) -> Float { logf(x) }
private func _cos(_ x: Float) -> Float { cosf(x) }
#endif
