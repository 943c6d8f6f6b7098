import CBLAS

/// 2-D convolution with square kernels, equal strides and symmetric zero padding.
///
///   input (N, C, H, W), weight (K, C, R, S), bias (K) → output (N, K, P, Q)
///
/// 3×3 convolutions with stride 1 and padding 1 (most of a ResNet) run on direct vector
/// kernels where the CPU has AVX2 or AVX-512 (Conv2D+Direct.swift). The others run as
/// matrix products on OpenBLAS:
/// - 1×1, stride 1, no padding: the input plane already is the column matrix, so each image
///   is one GEMM `Y_n (K, HW) = W (K, C) · X_n (C, HW)` with no copy;
/// - otherwise im2col over groups of images laid side by side, one GEMM per group.
/// With several engine threads the batch is split into one share per thread, each running
/// serial BLAS on its own scratch (`BatchSplit`).
/// A training forward pass keeps the batch's columns for the weight gradient when they fit
/// in `keptColumnsBudget` (C·R·S times the input size: small images); otherwise the backward
/// pass re-runs im2col, trading a copy for a lot of memory.
public final class Conv2D: Layer {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let weight: Parameter
    public let bias: Parameter?

    /// Upper bound on the im2col scratch, in scalars (512 KiB): sets how many images share
    /// one GEMM. Small images are batched for a wider GEMM, but the group's columns stay
    /// in L2 between im2col writing them and OpenBLAS packing them; on the 2-core VM this
    /// cut a ResNet-20 (28×28, batch 128) training step's CPU time by ~25% against 16 MiB
    /// (Benchmarks/LayerBenchmark).
    static let defaultColumnBudget = 1 << 17
    /// Per layer so that tests can force several groups per batch.
    var columnBudget = Conv2D.defaultColumnBudget

    /// Largest column matrix of a whole batch, in scalars (16 MiB), that a training forward
    /// pass keeps for the backward pass. Per layer so that tests can turn keeping off.
    static let defaultKeptColumnsBudget = 1 << 22
    var keptColumnsBudget = Conv2D.defaultKeptColumnsBudget

    var cachedInput: Tensor?
    /// The last training forward's columns, group after group in image order (the block of
    /// the group starting at image i begins at i·C·R·S·P·Q), valid while `keptLayout` matches.
    var keptColumns: [Float] = []
    var keptLayout: KeptColumnsLayout?
    var columns: [Float] = []
    var product: [Float] = []
    /// The private dW of every share but the first (see `backward`), or of every share in
    /// compact form when taps are skipped.
    var weightGradientScratch: [Float] = []
    /// The weight's columns for the active taps only (`ActiveTaps.compact`), when the
    /// geometry skips taps.
    var compactWeight: [Float] = []
    /// The direct kernels' buffers (Conv2D+Direct.swift): the padded input of the last
    /// forward pass (kept for the weight gradient when `directTrainingLevel` is set), the padded output
    /// gradient, and the weights packed for each direction.
    var paddedInput: [Float] = []
    var paddedGradient: [Float] = []
    var packedWeight: [Float] = []
    var packedTransposedWeight: [Float] = []
    /// The sums of the output gradient's planes (image, channel) in the direct backward
    /// pass, for the bias gradient.
    var planeSums: [Float] = []
    /// The direct weight-gradient kernel's vector accumulators, one block per share.
    var weightGradientPartials: [Float] = []
    /// The kernel set of the last forward pass when it was a training pass on the direct
    /// kernels, so that `backward` takes them too, with the same set; nil otherwise.
    var directTrainingLevel: Int32?
    /// Makes this layer use one kernel set (tests run each one the CPU has); nil: the default.
    var directLevelOverride: Int32?
    /// When set, `backward` adds the parameter gradients only and returns zeros for the
    /// input: for the first layer of a network in training, whose input gradient nobody
    /// reads (`Network.accumulateParameterGradients` sets it for the duration of its call).
    public var skipsInputGradient = false

    public init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        bias: Bool = true, generator: inout SeededGenerator
    ) {
        precondition(inChannels > 0 && outChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0,
                     "Conv2D: invalid configuration")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        // He et al. 2015 ("Delving Deep into Rectifiers"): variance 2 / fan_in keeps the
        // activation variance constant through ReLU layers. Drawn as Keras's `he_normal`: a
        // normal truncated at two standard deviations, widened to keep that variance. The
        // untruncated draw's rare large weights (on a one-channel first layer, fan_in 9)
        // cost Keras's simple-cnn about 0.7 points of test accuracy after two epochs on
        // Fashion-MNIST, and ours as much (BENCHMARKS.md, session 10).
        let fanIn = inChannels * kernelSize * kernelSize
        let std = (2 / Float(fanIn)).squareRoot() / SeededGenerator.truncatedNormalStandardDeviation
        let count = outChannels * fanIn
        var scalars = [Float](repeating: 0, count: count)
        for i in 0..<count { scalars[i] = generator.nextTruncatedNormal() * std }
        weight = Parameter(
            name: "weight",
            value: Tensor(shape: [outChannels, inChannels, kernelSize, kernelSize], scalars: scalars))
        self.bias = bias ? Parameter(name: "bias", value: Tensor(zeros: [outChannels])) : nil
    }

    public var parameters: [Parameter] {
        if let bias { return [weight, bias] }
        return [weight]
    }

    /// True when the layer takes the im2col-free path.
    public var isPointwise: Bool { kernelSize == 1 && stride == 1 && padding == 0 }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        let g = geometry(for: inputShape)
        return [inputShape[0], outChannels, g.outputHeight, g.outputWidth]
    }

    func geometry(for shape: [Int]) -> ConvolutionGeometry {
        precondition(shape.count == 4 && shape[1] == inChannels,
                     "Conv2D(\(inChannels)→\(outChannels)): expected input (N, \(inChannels), H, W), got \(shape)")
        let g = ConvolutionGeometry(
            channels: inChannels, height: shape[2], width: shape[3],
            kernelHeight: kernelSize, kernelWidth: kernelSize, stride: stride, padding: padding)
        precondition(g.outputHeight > 0 && g.outputWidth > 0,
                     "Conv2D: input \(shape) is smaller than the \(kernelSize)×\(kernelSize) kernel")
        return g
    }

    /// How many images share one im2col GEMM.
    func groupSize(images: Int, geometry g: ConvolutionGeometry) -> Int {
        max(1, min(images, columnBudget / max(1, g.patchSize * g.outputPlane)))
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        EngineThreads.prepare()
        let g = geometry(for: input.shape)
        if let level = directKernelLevel(g) {
            keptLayout = nil
            directTrainingLevel = training ? level : nil
            return directForward(input, geometry: g, level: level, training: training)
        }
        directTrainingLevel = nil
        let n = input.shape[0], k = outChannels, plane = g.outputPlane
        cachedInput = training ? input : nil
        let split = BatchSplit(images: n)
        let scratch = ConvolutionScratch(layer: self, geometry: g, share: split.largestShare)
        scratch.reserve(columns: &columns, product: &product, shares: split.tasks)
        let taps = activeTaps(g)
        let patch = patchRows(g, taps: taps)
        let keep = training && !isPointwise && weight.isTrainable && n * patch * plane <= keptColumnsBudget
        keptLayout = keep ? KeptColumnsLayout(images: n, shares: split.tasks, group: scratch.group) : nil
        if keep { keptColumns.ensureCount(n * patch * plane) }
        if let taps { compactWeights(g, taps: taps) }
        return Tensor.uninitialized(shape: [n, k, g.outputHeight, g.outputWidth]) { out in
            input.scalars.withUnsafeBufferPointer { x in
                (taps == nil ? weight.value.scalars : compactWeight).withUnsafeBufferPointer { w in
                    (bias?.value.scalars ?? []).withUnsafeBufferPointer { b in
                        columns.withUnsafeMutableBufferPointer { col in
                            product.withUnsafeMutableBufferPointer { prod in
                                keptColumns.withUnsafeMutableBufferPointer { kept in
                                    let shared = UnsafeConvolutionBuffers(
                                        input: x.baseAddress!, weight: w.baseAddress!,
                                        bias: bias == nil ? nil : b.baseAddress, output: out.baseAddress!)
                                    let keptBase = keep ? kept.baseAddress : nil
                                    split.run { task, images in
                                        forward(images, geometry: g, taps: taps, buffers: shared, group: scratch.group,
                                                columns: col.baseAddress! + task * scratch.columnsPerShare,
                                                keptColumns: keptBase,
                                                product: prod.baseAddress! + task * scratch.productPerShare,
                                                parallel: split.tasks == 1)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Convolves `images` of the batch: 1×1 GEMMs straight into the output, or im2col over
    /// groups of `group` images, one GEMM per group, then the scatter to NCHW. The columns
    /// go to the share's scratch, or into `keptColumns` (whole batch) when given. With
    /// `taps`, the columns and `buffers.weight` hold the active taps only.
    private func forward(
        _ images: Range<Int>, geometry g: ConvolutionGeometry, taps: ActiveTaps?, buffers: UnsafeConvolutionBuffers,
        group: Int, columns scratchColumns: UnsafeMutablePointer<Float>,
        keptColumns: UnsafeMutablePointer<Float>?, product: UnsafeMutablePointer<Float>, parallel: Bool
    ) {
        let k = outChannels, plane = g.outputPlane
        let x = buffers.input, w = buffers.weight, out = buffers.output
        if isPointwise {
            for image in images {
                let y = out + image * k * plane
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                            Int32(k), Int32(plane), Int32(inChannels), 1,
                            w, Int32(inChannels), x + image * inChannels * plane, Int32(plane),
                            0, y, Int32(plane))
                if let bias = buffers.bias { addBias(bias, to: y, images: 1, plane: plane) }
            }
            return
        }
        let patch = patchRows(g, taps: taps)
        var first = images.lowerBound
        while first < images.upperBound {
            let count = min(group, images.upperBound - first)
            let width = count * plane
            let columns = keptColumns.map { $0 + first * patch * plane } ?? scratchColumns
            im2col(x + first * g.channels * g.inputPlane, images: count, geometry: g, taps: taps, into: columns,
                   parallel: parallel)
            let y = out + first * k * plane
            let target = count == 1 ? y : product
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                        Int32(k), Int32(width), Int32(patch), 1,
                        w, Int32(patch), columns, Int32(width),
                        0, target, Int32(width))
            if count == 1 {
                if let bias = buffers.bias { addBias(bias, to: y, images: 1, plane: plane) }
            } else {
                scatterImages(product, images: count, channels: k, plane: plane, bias: buffers.bias,
                              into: y, parallel: parallel)
            }
            first += count
        }
    }

    /// The taps this layer's im2col path can skip on `g`, if any.
    func activeTaps(_ g: ConvolutionGeometry) -> ActiveTaps? {
        isPointwise ? nil : ActiveTaps(g)
    }

    /// Rows of the column matrix: C·R·S, or C·T with `taps`.
    func patchRows(_ g: ConvolutionGeometry, taps: ActiveTaps?) -> Int {
        taps.map { g.channels * $0.count } ?? g.patchSize
    }

    /// Fills `compactWeight` with the weight's columns for `taps`.
    func compactWeights(_ g: ConvolutionGeometry, taps: ActiveTaps) {
        compactWeight.ensureCount(outChannels * g.channels * taps.count)
        weight.value.scalars.withUnsafeBufferPointer { w in
            compactWeight.withUnsafeMutableBufferPointer { c in
                taps.compact(w.baseAddress!, outChannels: outChannels, channels: g.channels,
                             kernelArea: kernelSize * kernelSize, into: c.baseAddress!)
            }
        }
    }

    /// Adds `bias[k]` to every output plane of `images` consecutive images (serial: callers
    /// are already one share of a `BatchSplit`, or the work is one image's planes).
    func addBias(_ bias: UnsafePointer<Float>, to output: UnsafeMutablePointer<Float>, images: Int, plane: Int) {
        let k = outChannels
        for item in 0..<(images * k) {
            let value = bias[item % k]
            let y = output + item * plane
            for i in 0..<plane { y[i] += value }
        }
    }
}

/// Raw pointers to a convolution's operands, shared read-only (input, weight, bias) or
/// written in disjoint per-image parts (output) by the shares of a `BatchSplit`.
struct UnsafeConvolutionBuffers: @unchecked Sendable {
    let input: UnsafePointer<Float>
    let weight: UnsafePointer<Float>
    let bias: UnsafePointer<Float>?
    let output: UnsafeMutablePointer<Float>
}

/// How the kept columns were laid out: `backward` uses them only for the same batch size,
/// shares and group size (the blocks' shapes depend on all three).
struct KeptColumnsLayout: Equatable {
    let images: Int
    let shares: Int
    let group: Int
}

/// Sizes of one share's scratch: `group` images per im2col GEMM, their column matrix and
/// (for groups of more than one image) the GEMM's (K, G·PQ) product before the scatter.
struct ConvolutionScratch {
    let group: Int
    let columnsPerShare: Int
    let productPerShare: Int

    init(layer: Conv2D, geometry g: ConvolutionGeometry, share: Int) {
        group = layer.groupSize(images: share, geometry: g)
        columnsPerShare = layer.isPointwise ? 0 : g.patchSize * group * g.outputPlane
        productPerShare = layer.isPointwise || group == 1 ? 0 : layer.outChannels * group * g.outputPlane
    }

    /// Grows the layer's scratch for `shares` shares (at least one scalar each, so that
    /// their base addresses exist).
    func reserve(columns: inout [Float], product: inout [Float], shares: Int) {
        columns.ensureCount(max(1, columnsPerShare * shares))
        product.ensureCount(max(1, productPerShare * shares))
    }
}
