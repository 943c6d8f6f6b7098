/// How `InferenceNetwork` runs its 3×3 stride-1 convolutions (all others use
/// im2col + GEMM, or a plain GEMM for 1×1). Chosen by measurement: see BENCHMARKS.md.
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable, Codable {
    /// im2col + GEMM everywhere.
    case im2col
    /// Winograd F(2×2, 3×3): 2.25× fewer multiplications, transforms with ±1 and ½ only.
    case winograd2x2 = "winograd-2x2"
    /// Winograd F(4×4, 3×3): 4× fewer multiplications; transform constants up to 8,
    /// so a little more rounding (still well within 1e-4 of direct).
    case winograd4x4 = "winograd-4x4"

    /// The fastest on the benchmark machine that stays within tolerance: F(4×4, 3×3) ran
    /// resnet18's 3×3 stride-1 layers 1.5× faster than im2col + GEMM overall and won on
    /// every one of them (BENCHMARKS.md, "Convolution algorithms").
    public static let `default`: ConvolutionAlgorithm = .winograd4x4
}
