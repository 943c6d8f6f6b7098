/// Where the time of one `InferenceNetwork` call goes, step by step (for benchmarks
/// and `inspect`-style reports).
public struct InferenceStepTiming: Sendable {
    /// What the step is, e.g. "conv 3×3/1 64→64 56×56 winograd" or "maxpool 3×3/2".
    public var description: String
    /// FLOPs of the step for the whole batch (2 × multiply-adds of the direct
    /// convolution or Dense layer; 0 for element-wise steps).
    public var flops: Int
    public var seconds: Double
}
