/// How `InferenceNetwork` runs its convolutions when no calibration has measured them
/// (`InferenceNetwork.calibrate` chooses per layer and batch for `.automatic`); without
/// one, 3×3 stride-1 convolutions follow this and all others use im2col + GEMM (a plain
/// GEMM for 1×1), except under `.onednn`. See BENCHMARKS.md.
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
    /// oneDNN's convolution (`OneDNNConvolution`) for every convolution, im2col + GEMM
    /// where it cannot run.
    case onednn

    public static let `default`: ConvolutionAlgorithm = .automatic

    /// Measured at batch 8, one thread (BENCHMARKS.md, "Convolution algorithms"): F(4×4) with
    /// its transforms on eight tiles at a time took 30–60% less time than im2col + GEMM on
    /// resnet18's and resnet20's 3×3 layers with 32–512 channels, and gained nothing at 16
    /// channels, where its 36 GEMMs are too thin to pay for the transforms.
    public static let automaticWinogradChannels = 32

    /// The path for a 3×3 stride-1 convolution: the Winograd output tile, 0 for im2col + GEMM,
    /// `FusedConvolution.oneDNNPath` for oneDNN.
    func winogradTile(inChannels: Int, outChannels: Int) -> Int {
        switch self {
        case .automatic:
            return min(inChannels, outChannels) >= Self.automaticWinogradChannels ? 4 : 0
        case .im2col: return 0
        case .winograd2x2: return 2
        case .winograd4x4: return 4
        case .onednn: return FusedConvolution.oneDNNPath
        }
    }
}
