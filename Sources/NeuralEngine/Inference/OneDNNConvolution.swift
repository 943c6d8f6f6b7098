import COneDNN

/// One convolution by oneDNN (`COneDNN`), with the engine's bias, residual and ReLU pass
/// after it: a candidate path that `InferenceNetwork.calibrate` times beside im2col + GEMM
/// and Winograd, kept only where it is fastest.
///
/// The batch is shared among the engine's threads, each calling oneDNN on one thread:
/// by images when there are at least as many as threads, else by output channels (a
/// lone image), in shares of whole 16-channel blocks, the width of oneDNN's AVX-512 layout.
final class OneDNNConvolution: @unchecked Sendable {
    // @unchecked: the C object guards its own plan cache; its weights never change.
    private let handle: OpaquePointer
    let outChannels: Int
    /// For the engine's pass after a run with a residual (oneDNN has its own copy).
    private let bias: [Float]
    private let activation: FusedActivation

    /// nil when oneDNN is unusable in this process. `bias` and `activation` are those of every run.
    init?(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Int, weight: [Float],
          bias: [Float], activation: FusedActivation) {
        precondition(bias.count == outChannels, "OneDNNConvolution: one bias per output channel")
        guard let handle = weight.withUnsafeBufferPointer({ w in
            bias.withUnsafeBufferPointer { b in
                engine_dnnl_convolution_create(inChannels, outChannels, kernelSize, stride, padding, w.baseAddress!,
                                               b.baseAddress!, Self.code(activation))
            }
        }) else { return nil }
        self.handle = handle
        self.outChannels = outChannels
        self.bias = bias
        self.activation = activation
    }

    /// The C side's activation codes (COneDNN.h).
    private static func code(_ activation: FusedActivation) -> Int32 {
        switch activation {
        case .none: 0
        case .relu: 1
        case .relu6: 2
        }
    }

    deinit { engine_dnnl_convolution_destroy(handle) }

    /// Whether oneDNN loads and runs here: a 1×1 convolution of one pixel, tried once.
    static let isAvailable: Bool = {
        guard let probe = OneDNNConvolution(inChannels: 1, outChannels: 1, kernelSize: 1, stride: 1, padding: 0,
                                            weight: [2], bias: [1], activation: .none) else { return false }
        var input: Float = 3, output: Float = 0
        return engine_dnnl_convolution_run(probe.handle, &input, &output, 1, 1, 1, 0, 1, 0, 1, 1) == 0 && output == 7
    }()

    /// The shares of a batch of `batch` images on `threads` threads: (first image, images,
    /// output channels).
    func shares(batch: Int, threads: Int) -> [(n0: Int, n: Int, channels: Range<Int>)] {
        if batch >= threads || threads == 1 {
            let tasks = min(threads, batch)
            return (0..<tasks).map { task in
                let n0 = batch * task / tasks
                return (n0, batch * (task + 1) / tasks - n0, 0..<outChannels)
            }
        }
        let blocks = (outChannels + 15) / 16, tasks = min(threads, blocks)
        return (0..<tasks).map { task in
            let k0 = min(outChannels, blocks * task / tasks * 16), k1 = min(outChannels, blocks * (task + 1) / tasks * 16)
            return (0, batch, k0..<k1)
        }
    }

    /// output (K, N, P, Q) = relu(conv(input (C, N, H, W)) + bias + residual); false (the
    /// output then undefined) when oneDNN cannot run some share, for the caller's fallback.
    /// Without a residual oneDNN adds the bias and applies the ReLU itself; with one, the
    /// engine's pass after it does (oneDNN would need the residual in its own layout).
    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
             batch: Int, height: Int, width: Int, outputPlane: Int) -> Bool {
        let fused: Int32 = residual == nil ? 1 : 0
        let shares = shares(batch: batch, threads: EngineThreads.count)
        var failures = [Bool](repeating: false, count: shares.count)
        failures.withUnsafeMutableBufferPointer { failed in
            parallelTasks(shares.count) { task in
                let share = shares[task]
                guard engine_dnnl_convolution_run(handle, input, output, batch, height, width, share.n0, share.n,
                                                  share.channels.lowerBound, share.channels.upperBound, fused) == 0
                else {
                    failed[task] = true
                    return
                }
                guard fused == 0 else { return }
                let start = share.n0 * outputPlane
                InferenceKernels.biasActivationRows(output + start, rowStride: batch * outputPlane, rows: share.channels,
                                                    count: share.n * outputPlane, bias: bias,
                                                    residual: residual.map { $0 + start }, activation: activation)
            }
        }
        return !failures.contains(true)
    }

    /// oneDNN's implementation for the first share of this batch ("brgconv:avx512_core"),
    /// once it has run (with a residual when `residual`).
    func implementation(batch: Int, height: Int, width: Int, residual: Bool) -> String? {
        guard let share = shares(batch: batch, threads: EngineThreads.count).first,
            let name = engine_dnnl_convolution_implementation(handle, batch, height, width, share.n0, share.n,
                                                               share.channels.lowerBound, share.channels.upperBound,
                                                               residual ? 0 : 1)
        else { return nil }
        return String(cString: name)
    }
}
