/// How `InferenceNetwork` runs its 3×3 stride-1 convolutions (all others use
/// im2col + GEMM, or a plain GEMM for 1×1). Chosen by measurement: see BENCHMARKS.md.
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable, Codable {
    /// Winograd F(4×4, 3×3) where the channel counts are wide enough for its 36 GEMMs to
    /// pay for the tile transforms (C and K ≥ `automaticWinogradChannels`), im2col + GEMM
    /// elsewhere. The default.
    case automatic
    /// im2col + GEMM everywhere.
    case im2col
    /// Winograd F(2×2, 3×3) on every 3×3 stride-1 convolution: 2.25× fewer multiplications,
    /// transforms with ±1 and ½ only.
    case winograd2x2 = "winograd-2x2"
    /// Winograd F(4×4, 3×3) on every 3×3 stride-1 convolution: 4× fewer multiplications;
    /// transform constants up to 8, so a little more rounding (still well within 1e-4).
    case winograd4x4 = "winograd-4x4"

    public static let `default`: ConvolutionAlgorithm = .automatic

    /// Measured at batch 8, one thread (BENCHMARKS.md, "Convolution algorithms"): F(4×4) with
    /// its transforms on eight tiles at a time took 25–60% less time than im2col + GEMM at
    /// 32–512 channels, tied at 64 channels on 56×56 maps, and gained nothing at 16 channels,
    /// where its 36 GEMMs are too thin to pay for the transforms.
    public static let automaticWinogradChannels = 32

    /// The Winograd output tile for a 3×3 stride-1 convolution (0: im2col + GEMM).
    func winogradTile(inChannels: Int, outChannels: Int) -> Int {
        switch self {
        case .automatic:
            return min(inChannels, outChannels) >= Self.automaticWinogradChannels ? 4 : 0
        case .im2col: return 0
        case .winograd2x2: return 2
        case .winograd4x4: return 4
        }
    }
}
