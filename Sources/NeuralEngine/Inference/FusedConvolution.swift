import CBLAS
import Foundation

/// A convolution with its BatchNorm folded in and its ReLU (and a residual addition)
/// fused into the pass that adds the bias, for the inference path.
///
/// Layout is channel-major, CNHW, so that one GEMM covers the whole batch and its
/// output already is the next layer's input:
///
///   input (C, N, H, W), weight (K, C·R·S), bias (K) → output (K, N, P, Q)
///   Y (K, N·P·Q) = W (K, C·R·S) · columns (C·R·S, N·P·Q)
///
/// The columns are built (in parallel) for a slice of N·P·Q at a time, so the scratch
/// stays small and each slice's output is still in cache when the bias/ReLU pass runs.
/// A 1×1 stride-1 unpadded convolution needs no columns: the input is the matrix.
final class FusedConvolution {
    let inChannels: Int
    let outChannels: Int
    let kernelSize: Int
    let stride: Int
    let padding: Int
    let activation: FusedActivation
    /// Folded weights, (K, C·R·S) row-major, ready for GEMM.
    let weight: [Float]
    /// Folded bias, (K).
    let bias: [Float]
    /// The Winograd kernel set of this convolution's Winograd forms.
    let winogradLevel: Int32
    /// How this convolution runs when no measurement applies: the Winograd output tile m
    /// (2 or 4), or 0 for im2col + GEMM.
    let defaultTile: Int
    /// Measured choices, batch ascending: from each batch size on, the fastest tile
    /// (`InferenceNetwork.calibrate`).
    private(set) var measuredTiles: [(batch: Int, tile: Int)] = []
    /// Winograd forms of the weights by output tile, made when first needed.
    private var winogradForms: [Int: WinogradConvolution] = [:]
    /// The oneDNN form, made when first needed; nil once discarded or where oneDNN is unusable.
    private var oneDNNForm: OneDNNConvolution?
    private var oneDNNFormMade = false

    /// The path number of oneDNN's convolution (`OneDNNConvolution`) beside the Winograd
    /// tiles 2 and 4 and im2col's 0.
    static let oneDNNPath = 1

    /// Whether oneDNN is offered to calibrations: `ENGINE_ONEDNN=0` in the environment
    /// leaves it out, to compare against the engine's own paths.
    static let oneDNNEnabled = getenv("ENGINE_ONEDNN").map { String(cString: $0) != "0" } ?? true

    /// Upper bound on the column scratch per GEMM, in scalars (1 MiB): small enough that the
    /// columns are still in cache when OpenBLAS packs them (16 MiB ran resnet18 about 15%
    /// slower, 256 KiB no faster; measured under load, so roughly).
    static let columnBudget = 1 << 18

    /// `scale`/`shift` are the folded BatchNorm: y = scale·conv(x) + shift, per output channel.
    /// `winogradLevel` is the Winograd kernel set (tests run each the CPU has).
    init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Int,
         weight: [Float], bias: [Float]?, scale: [Float]?, shift: [Float]?, activation: FusedActivation,
         algorithm: ConvolutionAlgorithm, winogradLevel: Int32 = WinogradConvolution.bestLevel) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.activation = activation
        (self.weight, self.bias) = BatchNormFolding.fold(weight: weight, bias: bias, scale: scale, shift: shift,
                                                         channels: outChannels,
                                                         rowLength: inChannels * kernelSize * kernelSize)
        self.winogradLevel = winogradLevel
        let tile = algorithm.winogradTile(inChannels: inChannels, outChannels: outChannels)
        defaultTile = algorithm == .onednn ? Self.oneDNNPath : Self.winogradApplies(kernelSize, stride, padding, activation) ? tile : 0
        if defaultTile > 1 { _ = winograd(tile: defaultTile) }
    }

    /// The paths a measurement may choose between: im2col + GEMM, oneDNN where it loads,
    /// and, for a 3×3 stride-1 padding-1 convolution, Winograd F(2×2) and F(4×4).
    var candidateTiles: [Int] {
        let library = Self.oneDNNEnabled && OneDNNConvolution.isAvailable && oneDNN() != nil ? [Self.oneDNNPath] : []
        return (Self.winogradApplies(kernelSize, stride, padding, activation) ? [0, 2, 4] : [0]) + library
    }

    /// Winograd's kernels cover 3×3, stride 1, padding 1, with ReLU or none (their output
    /// transform has no ReLU6, which no such convolution in the presets needs).
    private static func winogradApplies(_ kernel: Int, _ stride: Int, _ padding: Int, _ activation: FusedActivation) -> Bool {
        kernel == 3 && stride == 1 && padding == 1 && activation != .relu6
    }

    /// oneDNN's implementation that ran this batch ("brgconv:avx512_core"); nil when oneDNN
    /// has not run it (never asked, or it fell back to im2col).
    func oneDNNImplementation(batch: Int, height: Int, width: Int, residual: Bool) -> String? {
        oneDNNForm?.implementation(batch: batch, height: height, width: width, residual: residual)
    }

    private func oneDNN() -> OneDNNConvolution? {
        if !oneDNNFormMade {
            oneDNNFormMade = true
            oneDNNForm = OneDNNConvolution(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize,
                                           stride: stride, padding: padding, weight: weight, bias: bias,
                                           activation: activation)
        }
        return oneDNNForm
    }

    /// The path for a batch of `batch` images: the measured choice for the largest measured
    /// batch not above it (or the smallest measured), else `defaultTile`.
    func tile(forBatch batch: Int) -> Int {
        (measuredTiles.last { $0.batch <= batch } ?? measuredTiles.first)?.tile ?? defaultTile
    }

    /// Records `tile` as the fastest path from `batch` images on.
    func record(tile: Int, forBatch batch: Int) {
        precondition(candidateTiles.contains(tile), "FusedConvolution: tile \(tile) is not a candidate")
        measuredTiles.removeAll { $0.batch == batch }
        measuredTiles.append((batch, tile))
        measuredTiles.sort { $0.batch < $1.batch }
    }

    /// Frees the Winograd forms no batch size uses any more (after a calibration).
    func discardUnusedForms() {
        let used = Set(measuredTiles.isEmpty ? [defaultTile] : measuredTiles.map(\.tile))
        winogradForms = winogradForms.filter { used.contains($0.key) }
        if !used.contains(Self.oneDNNPath) { oneDNNForm = nil }
    }

    private func winograd(tile: Int) -> WinogradConvolution {
        if let form = winogradForms[tile] { return form }
        let form = WinogradConvolution(weight: weight, inChannels: inChannels, outChannels: outChannels, tile: tile,
                                       level: winogradLevel)
        winogradForms[tile] = form
        return form
    }

    var isPointwise: Bool { kernelSize == 1 && stride == 1 && padding == 0 }

    func outputSize(_ height: Int, _ width: Int) -> (Int, Int) {
        ((height + 2 * padding - kernelSize) / stride + 1, (width + 2 * padding - kernelSize) / stride + 1)
    }

    /// Columns per GEMM for a batch: whole output rows of images, within the scratch budget.
    func columnsPerSlice(batch: Int, height: Int, width: Int) -> Int {
        let (p, q) = outputSize(height, width)
        let total = batch * p * q
        let rows = inChannels * kernelSize * kernelSize
        return max(min(total, q), min(total, Self.columnBudget / rows))
    }

    /// Scratch needed by `run` for this batch on path `tile` (by default the batch's own),
    /// in scalars: one column slice, or one Winograd block's scratch, per thread.
    func workspaceSize(batch: Int, height: Int, width: Int, tile: Int? = nil) -> Int {
        let tile = tile ?? self.tile(forBatch: batch)
        // oneDNN keeps its own buffers; the columns stay reserved for the fallback to im2col.
        if tile > 1 { return winograd(tile: tile).workspaceSize(batch: batch, height: height, width: width) }
        return columnScratch(batch: batch, height: height, width: width) * max(1, EngineThreads.count)
    }

    private func columnScratch(batch: Int, height: Int, width: Int) -> Int {
        isPointwise ? 0 : inChannels * kernelSize * kernelSize * columnsPerSlice(batch: batch, height: height, width: width)
    }

    /// Fewest output columns per thread worth a pipeline of its own: below this (a lone
    /// image's deep layers, 7×7 or 14×14 outputs), the threads share each GEMM by output
    /// channels instead, so that each reads only its share of the weights.
    static let minimumColumnsPerThread = 256

    /// `workspace` holds `workspaceCount` scalars, at least `workspaceSize` for this batch
    /// and path; `tile` is the path (by default the batch's own, see `tile(forBatch:)`).
    ///
    /// OpenBLAS runs on one thread here, inside the engine's own tasks: its pool would
    /// otherwise spin on the second core after each call, beside the engine's threads.
    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
             batch: Int, height: Int, width: Int, workspace: UnsafeMutablePointer<Float>, workspaceCount: Int,
             tile: Int? = nil) {
        let tile = tile ?? self.tile(forBatch: batch)
        let (p, q) = outputSize(height, width)
        if tile == Self.oneDNNPath, let form = oneDNN(),
            form.run(input: input, output: output, residual: residual, batch: batch, height: height, width: width,
                     outputPlane: p * q)
        {
            return
        }
        if tile > 1 {
            let winograd = winograd(tile: tile)
            winograd.run(input: input, output: output, residual: residual, bias: bias, relu: activation == .relu,
                         batch: batch, height: height, width: width, workspace: workspace,
                         workspaceCount: workspaceCount)
            return
        }
        let total = batch * p * q
        let scratch = columnScratch(batch: batch, height: height, width: width)
        let threads = max(1, min(EngineThreads.count, scratch == 0 ? Int.max : workspaceCount / scratch))
        let job = ColumnJob(input: input, output: output, residual: residual,
                            batch: batch, height: height, width: width, total: total)
        EngineThreads.withSerialBLAS {
            if threads > 1 && total >= threads * Self.minimumColumnsPerThread {
                parallelTasks(threads) { task in
                    let columns = (total * task / threads)..<(total * (task + 1) / threads)
                    runColumns(columns, job, scratch: workspace + task * scratch, threads: 1)
                }
            } else {
                runColumns(0..<total, job, scratch: workspace, threads: threads)
            }
        }
    }

    private struct ColumnJob {
        let input: UnsafePointer<Float>
        let output: UnsafeMutablePointer<Float>
        let residual: UnsafePointer<Float>?
        let batch: Int, height: Int, width: Int, total: Int
    }

    /// Output columns `columns` of (N·P·Q), a slice at a time: im2col, the GEMM and the
    /// bias/ReLU pass; with `threads` > 1 each slice's work is shared by output channels.
    private func runColumns(_ columns: Range<Int>, _ job: ColumnJob, scratch: UnsafeMutablePointer<Float>, threads: Int) {
        let (p, q) = outputSize(job.height, job.width)
        let rows = inChannels * kernelSize * kernelSize
        let slice = isPointwise ? columns.count : columnsPerSlice(batch: job.batch, height: job.height, width: job.width)
        weight.withUnsafeBufferPointer { w in
            var start = columns.lowerBound
            while start < columns.upperBound {
                let count = min(slice, columns.upperBound - start)
                let matrix: UnsafePointer<Float>
                let ldb: Int
                if isPointwise {
                    matrix = job.input + start
                    ldb = job.total
                } else {
                    im2col(input: job.input, batch: job.batch, height: job.height, width: job.width,
                           outHeight: p, outWidth: q, start: start, count: count, columns: scratch,
                           parallel: threads > 1)
                    matrix = UnsafePointer(scratch)
                    ldb = count
                }
                // With several threads, each takes a share of the output channels (rows of W).
                parallelTasks(threads) { task in
                    let k0 = outChannels * task / threads, k1 = outChannels * (task + 1) / threads
                    guard k1 > k0 else { return }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                Int32(k1 - k0), Int32(count), Int32(rows),
                                1, w.baseAddress! + k0 * rows, Int32(rows), matrix, Int32(ldb),
                                0, job.output + start + k0 * job.total, Int32(job.total))
                    InferenceKernels.biasActivationRows(job.output + start, rowStride: job.total, rows: k0..<k1,
                                                        count: count, bias: bias,
                                                        residual: job.residual.map { $0 + start }, activation: activation)
                }
                start += count
            }
        }
    }

    /// Columns (C·R·S, count) for output positions start..<start+count of (N, P, Q),
    /// from a CNHW input; rows split across threads.
    private func im2col(input: UnsafePointer<Float>, batch: Int, height: Int, width: Int,
                        outHeight: Int, outWidth: Int, start: Int, count: Int,
                        columns: UnsafeMutablePointer<Float>, parallel: Bool) {
        let k = kernelSize, s = stride, pad = padding
        let plane = outHeight * outWidth
        let rows = inChannels * k * k
        let minimumChunk = parallel ? max(1, 16_384 / max(1, count)) : rows
        parallelFor(rows, minimumChunk: minimumChunk) { range in
            for row in range {
                let c = row / (k * k), kr = (row / k) % k, ks = row % k
                let destination = columns + row * count
                // Output columns q with 0 ≤ q·s − pad + ks < W read the input; the rest are padding.
                let qLow = min(outWidth, max(0, (pad - ks + s - 1) / s))
                let last = width - 1 + pad - ks
                let qHigh = last < 0 ? qLow : max(qLow, min(outWidth, last / s + 1))
                var j = start
                let end = start + count
                while j < end {
                    let n = j / plane, rem = j % plane
                    let p = rem / outWidth, q0 = rem % outWidth
                    let q1 = min(outWidth, q0 + (end - j))
                    let out = destination + (j - start) - q0   // indexed by q
                    let ih = p * s - pad + kr
                    if ih < 0 || ih >= height {
                        for q in q0..<q1 { out[q] = 0 }
                    } else {
                        let source = input + ((c * batch + n) * height + ih) * width + ks - pad
                        let lo = max(q0, qLow), hi = min(q1, qHigh)
                        if lo >= hi {
                            for q in q0..<q1 { out[q] = 0 }
                        } else {
                            for q in q0..<lo { out[q] = 0 }
                            if s == 1 {
                                (out + lo).update(from: source + lo, count: hi - lo)
                            } else {
                                for q in lo..<hi { out[q] = source[q * s] }
                            }
                            for q in hi..<q1 { out[q] = 0 }
                        }
                    }
                    j += q1 - q0
                }
            }
        }
    }
}
