import Foundation

/// The fast, evaluation-only form of a `Network`, for serving.
///
/// Built once from a trained network (a snapshot: later changes to the network's
/// weights are not seen). BatchNorm is folded into the convolutions, ReLU and residual
/// additions are fused into them, weights are kept pre-folded and pre-transformed
/// (Winograd for 3×3 stride-1 convolutions, see `ConvolutionAlgorithm`), and activations
/// live in a few buffers reused from call to call: a call allocates only when the batch
/// is larger than any before, and for its result.
///
/// Its logits equal the training graph's `forward(_:training: false)` within float
/// rounding (tests hold them to 1e-4 relative to the largest logit).
///
/// Thread-safe: calls are serialised by a lock, since they share the buffers. For
/// concurrency, create one instance per worker.
public final class InferenceNetwork: @unchecked Sendable {  // mutable state only under `lock`
    public let spec: ArchitectureSpec
    /// How 3×3 stride-1 convolutions run.
    public let algorithm: ConvolutionAlgorithm
    let steps: [InferenceStep]
    let inputBuffer: Int
    private let outputBuffer: Int
    private let outputFeatures: Int
    private let bufferCount: Int
    private let largestActivation: Int

    // Internal rather than private for the calibration (InferenceNetwork+Calibration.swift).
    let lock = NSLock()
    private var batchCapacity = 0
    private(set) var buffers: [UnsafeMutablePointer<Float>] = []
    private var workspace: UnsafeMutablePointer<Float>?
    private var workspaceCapacity = 0
    /// The choices of the last `calibrate`, under `lock`.
    var calibration: [ConvolutionChoice] = []

    /// What the last `calibrate` chose for each convolution and batch size (empty before).
    public var convolutionPlan: [ConvolutionChoice] {
        lock.lock()
        defer { lock.unlock() }
        return calibration
    }

    public convenience init(_ network: Network, winograd: Bool = true) {
        self.init(network, algorithm: winograd ? .default : .im2col)
    }

    public init(_ network: Network, algorithm: ConvolutionAlgorithm) {
        EngineThreads.prepare()   // OpenBLAS kernel selection, before any GEMM of ours
        spec = network.spec
        self.algorithm = algorithm
        var compiler = InferenceCompiler(algorithm: algorithm)
        let input = compiler.allocate([spec.inputChannels, spec.inputHeight, spec.inputWidth])
        let output = compiler.compile([network], input: input, pinned: [])
        steps = compiler.steps
        inputBuffer = input.buffer
        outputBuffer = output.buffer
        outputFeatures = output.count
        bufferCount = compiler.bufferCount
        largestActivation = compiler.largestActivation
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
        workspace?.deallocate()
    }

    /// The input shape this network takes for one image: (C, H, W).
    public var imageShape: [Int] { [spec.inputChannels, spec.inputHeight, spec.inputWidth] }

    /// Logits (N, classes) for a batch (N, C, H, W), checking the shape and values first.
    public func checkedLogits(_ batch: Tensor) throws -> Tensor {
        guard batch.rank == 4, batch.shape[0] >= 1, Array(batch.shape.dropFirst()) == imageShape else {
            throw InferenceError.wrongInputShape(expected: imageShape, got: batch.shape)
        }
        guard batch.isFinite else { throw InferenceError.nonFiniteInput }
        return logits(batch)
    }

    /// Logits (N, classes) for a batch (N, C, H, W) of this network's input shape.
    /// The caller guarantees the shape (see `checkedLogits` for untrusted input).
    public func logits(_ batch: Tensor) -> Tensor {
        precondition(batch.rank == 4 && Array(batch.shape.dropFirst()) == imageShape,
                     "InferenceNetwork: batch shape \(batch.shape) does not match \(imageShape)")
        return withLockedBuffers(batch: batch) { run in
            for step in steps { run(step) }
        }.logits
    }

    /// Takes the lock, sizes the buffers, loads the batch, lets `body` run steps, and
    /// reads the logits back.
    func withLockedBuffers<Result>(batch: Tensor,
                                           _ body: ((InferenceStep) -> Void) -> Result) -> (logits: Tensor, result: Result) {
        let n = batch.shape[0]
        lock.lock()
        defer { lock.unlock() }
        reserve(batch: n)
        batch.scalars.withUnsafeBufferPointer { source in
            InferenceKernels.swapOuter(source.baseAddress!, buffers[inputBuffer], outer: n,
                                       middle: spec.inputChannels, inner: spec.inputHeight * spec.inputWidth)
        }
        // OpenBLAS on one thread throughout: the engine shares each step among its own
        // threads, and OpenBLAS's pool would spin on a core for a while after each call.
        let result = EngineThreads.withSerialBLAS { body { self.run($0, batch: n) } }
        let logits = Array(UnsafeBufferPointer(start: buffers[outputBuffer], count: n * outputFeatures))
        return (Tensor(shape: [n, outputFeatures], scalars: logits), result)
    }

    /// Grows buffers and scratch to hold `batch` images (on every candidate path of each
    /// convolution with `allPaths`, for a calibration); never shrinks.
    func reserve(batch: Int, allPaths: Bool = false) {
        if batch > batchCapacity {
            for buffer in buffers { buffer.deallocate() }
            buffers = (0..<bufferCount).map { _ in
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: largestActivation * batch)
                buffer.initialize(repeating: 0, count: largestActivation * batch)
                return buffer
            }
            batchCapacity = batch
        }
        var needed = 0
        for case .convolution(let conv, _, _, _, let height, let width) in steps {
            for tile in allPaths ? conv.candidateTiles : [conv.tile(forBatch: batch)] {
                needed = max(needed, conv.workspaceSize(batch: batch, height: height, width: width, tile: tile))
            }
        }
        if needed > workspaceCapacity || workspace == nil {
            workspace?.deallocate()
            workspace = UnsafeMutablePointer<Float>.allocate(capacity: max(needed, 1))
            workspaceCapacity = max(needed, 1)
        }
    }

    func run(_ step: InferenceStep, batch n: Int, tile: Int? = nil) {
        switch step {
        case .convolution(let conv, let input, let output, let residual, let height, let width):
            conv.run(input: buffers[input], output: buffers[output], residual: residual.map { UnsafePointer(buffers[$0]) },
                     batch: n, height: height, width: width, workspace: workspace!, workspaceCount: workspaceCapacity,
                     tile: tile)
        case .depthwise(let conv, let input, let output, let height, let width):
            conv.run(input: buffers[input], output: buffers[output], batch: n, height: height, width: width)
        case .pool(let input, let output, let channels, let height, let width, let kernel, let stride, let padding, let max):
            InferenceKernels.pool(buffers[input], buffers[output], planes: channels * n, height: height, width: width,
                                  kernel: kernel, stride: stride, padding: padding, max: max)
        case .globalAveragePool(let input, let output, let channels, let plane):
            InferenceKernels.globalAveragePool(buffers[input], buffers[output], channels: channels, batch: n, plane: plane)
        case .flatten(let input, let output, let channels, let plane):
            InferenceKernels.swapOuter(buffers[input], buffers[output], outer: channels, middle: n, inner: plane)
        case .dense(let dense, let input, let output):
            dense.run(input: buffers[input], output: buffers[output], batch: n)
        case .affine(let input, let output, let channels, let plane, let scale, let shift, let activation):
            InferenceKernels.affine(buffers[input], buffers[output], channels: channels, perChannel: n * plane,
                                    scale: scale, shift: shift, activation: activation)
        case .add(let input, let other, let output, let elements, let activation):
            InferenceKernels.add(buffers[input], other.map { UnsafePointer(buffers[$0]) }, buffers[output],
                                 count: n * elements, activation: activation)
        case .fallback(let layer, let input, let output, let inputShape, let outputShape):
            runFallback(layer, input: buffers[input], output: buffers[output], batch: n,
                        inputShape: inputShape, outputShape: outputShape)
        }
    }

    /// Converts to the layer's NCHW tensors and back around its own forward pass.
    private func runFallback(_ layer: any Layer, input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
                             batch n: Int, inputShape: [Int], outputShape: [Int]) {
        let inCount = inputShape.reduce(1, *), outCount = outputShape.reduce(1, *)
        var scalars = [Float](repeating: 0, count: n * inCount)
        scalars.withUnsafeMutableBufferPointer { destination in
            if inputShape.count == 3 {
                InferenceKernels.swapOuter(input, destination.baseAddress!, outer: inputShape[0], middle: n,
                                           inner: inCount / inputShape[0])
            } else {
                destination.baseAddress!.update(from: input, count: n * inCount)
            }
        }
        let result = layer.forward(Tensor(shape: [n] + inputShape, scalars: scalars), training: false)
        result.scalars.withUnsafeBufferPointer { source in
            if outputShape.count == 3 {
                InferenceKernels.swapOuter(source.baseAddress!, output, outer: n, middle: outputShape[0],
                                           inner: outCount / outputShape[0])
            } else {
                output.update(from: source.baseAddress!, count: n * outCount)
            }
        }
    }
}

extension InferenceNetwork {
    /// Runs one batch step by step and times each step (one run; take medians across calls).
    public func profile(_ batch: Tensor) -> [InferenceStepTiming] {
        precondition(batch.rank == 4 && Array(batch.shape.dropFirst()) == imageShape,
                     "InferenceNetwork: batch shape \(batch.shape) does not match \(imageShape)")
        return withLockedBuffers(batch: batch) { run in
            steps.map { step -> InferenceStepTiming in
                let start = DispatchTime.now().uptimeNanoseconds
                run(step)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                let (description, flops) = Self.describe(step, batch: batch.shape[0])
                return InferenceStepTiming(description: description, flops: flops, seconds: seconds)
            }
        }.result
    }

    /// A step's label and FLOPs at batch `n`; a convolution's label names its path unless
    /// `withPath` is false.
    static func describe(_ step: InferenceStep, batch n: Int, withPath: Bool = true) -> (String, Int) {
        switch step {
        case .convolution(let conv, _, _, let residual, let height, let width):
            let (p, q) = conv.outputSize(height, width)
            let k = conv.kernelSize
            let flops = 2 * conv.outChannels * conv.inChannels * k * k * p * q * n
            let tile = conv.tile(forBatch: n)
            let path = tile == FusedConvolution.oneDNNPath ? ConvolutionAlgorithm.onednn.rawValue : tile > 0 ? "winograd \(tile)×\(tile)"
                : conv.isPointwise ? "1×1 gemm" : "im2col+gemm"
            return ("conv \(k)×\(k)/\(conv.stride) \(conv.inChannels)→\(conv.outChannels) \(height)×\(width)"
                    + (withPath ? " \(path)" : "")
                    + (residual != nil ? " +add" : "") + conv.activation.label, flops)
        case .depthwise(let conv, _, _, let height, let width):
            let (p, q) = conv.outputSize(height, width)
            let k = conv.kernelSize
            return ("dwconv \(k)×\(k)/\(conv.stride) \(conv.channels) \(height)×\(width)" + conv.activation.label,
                    2 * conv.channels * k * k * p * q * n)
        case .pool(_, _, _, _, _, let kernel, let stride, _, let max):
            return ("\(max ? "maxpool" : "avgpool") \(kernel)×\(kernel)/\(stride)", 0)
        case .globalAveragePool: return ("global avg pool", 0)
        case .flatten: return ("flatten", 0)
        case .dense(let dense, _, _):
            return ("dense \(dense.inFeatures)→\(dense.outFeatures)", 2 * dense.inFeatures * dense.outFeatures * n)
        case .affine: return ("batchnorm (unfolded)", 0)
        case .add(_, let other, _, _, let activation):
            return (other == nil ? String(activation.label.dropFirst(2)) : "add" + activation.label, 0)
        case .fallback(let layer, _, _, _, _): return ("fallback \(type(of: layer))", 0)
        }
    }
}
