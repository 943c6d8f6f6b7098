import CEngineKernels

/// The instruction set the engine's own kernels (Winograd, direct convolution) use on
/// this CPU, chosen at run time from its features: there is no `-march=native` build.
public enum EngineKernels {
    /// "AVX-512" (F, VL, BW, DQ), "AVX2" (with FMA), or "portable" (4-lane vectors).
    public static var instructionSet: String {
        switch engine_cpu_vector_level() {
        case 2: "AVX-512"
        case 1: "AVX2"
        default: "portable"
        }
    }
}
