/// Seedable random numbers for augmentation: xoshiro256** seeded through
/// SplitMix64 (Blackman & Vigna, "Scrambled linear pseudorandom number
/// generators", 2021). The same algorithm as the engine's generator, kept
/// here because ImageKit does not depend on the engine.
public struct AugmentationGenerator: RandomNumberGenerator, Sendable, Equatable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var state = seed
        s0 = Self.splitMix(&state)
        s1 = Self.splitMix(&state)
        s2 = Self.splitMix(&state)
        s3 = Self.splitMix(&state)
    }

    static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A well-mixed seed for item `index` of a batch seeded with `seed`, so each
    /// image's augmentation does not depend on which thread ran it.
    public static func seed(_ seed: UInt64, index: Int) -> UInt64 {
        var state = seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03)
        return splitMix(&state)
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in [low, high); `low` when the range is empty.
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        high > low ? low + (high - low) * nextUnit() : low
    }

    /// Uniform integer in low...high (inclusive).
    public mutating func integer(_ low: Int, _ high: Int) -> Int {
        high > low ? low + Int(next() % UInt64(high - low + 1)) : low
    }
}
