/// Compiles a layer tree into a flat `InferenceStep` program: BatchNorm folded into
/// the preceding convolution (or depthwise convolution), ReLU or ReLU6 and a residual
/// block's addition fused into it, Dropout dropped, and activation buffers reused as
/// soon as nothing reads them.
struct InferenceCompiler {
    /// A compiled activation: its buffer and its per-image shape, (C, H, W) or (F).
    struct Value {
        var buffer: Int
        var shape: [Int]
        var count: Int { shape.reduce(1, *) }
    }

    let algorithm: ConvolutionAlgorithm
    private(set) var steps: [InferenceStep] = []
    private var inUse: [Bool] = []
    private(set) var largestActivation = 0

    init(algorithm: ConvolutionAlgorithm) {
        self.algorithm = algorithm
    }

    var bufferCount: Int { inUse.count }

    mutating func allocate(_ shape: [Int]) -> Value {
        largestActivation = max(largestActivation, shape.reduce(1, *))
        if let free = inUse.firstIndex(of: false) {
            inUse[free] = true
            return Value(buffer: free, shape: shape)
        }
        inUse.append(true)
        return Value(buffer: inUse.count - 1, shape: shape)
    }

    private mutating func release(_ value: Value, unless pinned: Set<Int>) {
        if !pinned.contains(value.buffer) { inUse[value.buffer] = false }
    }

    /// Containers dissolve into their members; residual blocks stay whole.
    private static func leaves(_ layer: any Layer) -> [any Layer] {
        if let sequence = layer as? Sequential { return sequence.members.flatMap { leaves($0.layer) } }
        if let network = layer as? Network { return network.children.flatMap { leaves($0.layer) } }
        return [layer]
    }

    private static func parameter(_ layer: any Layer, _ name: String) -> [Float] {
        layer.parameters.first { $0.name == name }?.value.scalars ?? []
    }

    /// BatchNorm in evaluation mode as y = scale·x + shift.
    private static func fold(_ bn: BatchNorm2D) -> (scale: [Float], shift: [Float]) {
        let gamma = parameter(bn, "weight"), beta = parameter(bn, "bias")
        let mean = parameter(bn, "running_mean"), variance = parameter(bn, "running_var")
        var scale = [Float](repeating: 0, count: gamma.count), shift = scale
        for c in 0..<gamma.count {
            // In Double: 1/√(var+ε) is where folding would otherwise lose precision.
            let s = Double(gamma[c]) / (Double(variance[c]) + Double(bn.epsilon)).squareRoot()
            scale[c] = Float(s)
            shift[c] = Float(Double(beta[c]) - Double(mean[c]) * s)
        }
        return (scale, shift)
    }

    /// Compiles `layers` applied to `input`. Buffers in `pinned` are never released or
    /// overwritten. If `residual` is given it is added at the end (fused into a final
    /// convolution when there is one), followed by ReLU if `residualReLU`.
    mutating func compile(_ layers: [any Layer], input: Value, pinned: Set<Int>,
                          residual: Value? = nil, residualReLU: Bool = false) -> Value {
        let items = layers.flatMap(Self.leaves)
        var current = input
        var residualUsed = false
        var i = 0
        /// The activation layer at `j`, if there is one to fuse.
        func activation(at j: Int) -> FusedActivation {
            guard j < items.count else { return .none }
            if items[j] is ReLU { return .relu }
            if items[j] is ReLU6 { return .relu6 }
            return .none
        }
        while i < items.count {
            let layer = items[i]
            let output: Value
            switch layer {
            case let conv as Conv2D:
                var j = i + 1
                var folded: (scale: [Float], shift: [Float])?
                if j < items.count, let bn = items[j] as? BatchNorm2D {
                    folded = Self.fold(bn)
                    j += 1
                }
                var fusedActivation = FusedActivation.none
                var add: Value?
                if j == items.count, let residual {
                    add = residual
                    fusedActivation = residualReLU ? .relu : .none
                    residualUsed = true
                } else if activation(at: j) != .none {
                    fusedActivation = activation(at: j)
                    j += 1
                }
                let fused = FusedConvolution(
                    inChannels: conv.inChannels, outChannels: conv.outChannels, kernelSize: conv.kernelSize,
                    stride: conv.stride, padding: conv.padding, weight: conv.weight.value.scalars,
                    bias: conv.bias?.value.scalars, scale: folded?.scale, shift: folded?.shift,
                    activation: fusedActivation, algorithm: algorithm)
                let (p, q) = fused.outputSize(current.shape[1], current.shape[2])
                output = allocate([conv.outChannels, p, q])
                steps.append(.convolution(fused, input: current.buffer, output: output.buffer, residual: add?.buffer,
                                          height: current.shape[1], width: current.shape[2]))
                i = j
            case let conv as DepthwiseConv2D:
                var j = i + 1
                var folded: (scale: [Float], shift: [Float])?
                if j < items.count, let bn = items[j] as? BatchNorm2D {
                    folded = Self.fold(bn)
                    j += 1
                }
                let fusedActivation = activation(at: j)
                if fusedActivation != .none { j += 1 }
                let fused = FusedDepthwiseConvolution(
                    channels: conv.channels, kernelSize: conv.kernelSize, stride: conv.stride, padding: conv.padding,
                    weight: conv.weight.value.scalars, bias: conv.bias?.value.scalars, scale: folded?.scale,
                    shift: folded?.shift, activation: fusedActivation)
                let (p, q) = fused.outputSize(current.shape[1], current.shape[2])
                output = allocate([conv.channels, p, q])
                steps.append(.depthwise(fused, input: current.buffer, output: output.buffer,
                                        height: current.shape[1], width: current.shape[2]))
                i = j
            case let bn as BatchNorm2D:
                let (scale, shift) = Self.fold(bn)
                let fusedActivation = activation(at: i + 1)
                output = allocate(current.shape)
                steps.append(.affine(input: current.buffer, output: output.buffer, channels: current.shape[0],
                                     plane: current.count / current.shape[0], scale: scale, shift: shift,
                                     activation: fusedActivation))
                i += fusedActivation == .none ? 1 : 2
            case is ReLU, is ReLU6:
                output = allocate(current.shape)
                steps.append(.add(input: current.buffer, other: nil, output: output.buffer,
                                  elementsPerImage: current.count, activation: activation(at: i)))
                i += 1
            case let pool as MaxPool2D:
                output = compilePool(current, kernel: pool.kernelSize, stride: pool.stride, padding: pool.padding, max: true)
                i += 1
            case let pool as AvgPool2D:
                output = compilePool(current, kernel: pool.kernelSize, stride: pool.stride, padding: pool.padding, max: false)
                i += 1
            case is GlobalAveragePool where current.shape.count == 3:
                output = allocate([current.shape[0]])
                steps.append(.globalAveragePool(input: current.buffer, output: output.buffer,
                                                channels: current.shape[0], plane: current.shape[1] * current.shape[2]))
                i += 1
            case is Flatten where current.shape.count == 3:
                output = allocate([current.count])
                steps.append(.flatten(input: current.buffer, output: output.buffer,
                                      channels: current.shape[0], plane: current.shape[1] * current.shape[2]))
                i += 1
            case is Flatten, is Dropout:
                i += 1   // identity here: already flat, or evaluation mode
                continue
            case let dense as Dense where current.shape.count == 1:
                let relu = activation(at: i + 1) == .relu
                let out = dense.weight.value.shape[0]
                let fused = FusedDense(weight: dense.weight.value.scalars, bias: dense.bias.value.scalars,
                                       inFeatures: current.count, outFeatures: out, relu: relu)
                output = allocate([out])
                steps.append(.dense(fused, input: current.buffer, output: output.buffer))
                i += relu ? 2 : 1
            case let block as Residual:
                let x = current
                var inner = pinned.union([x.buffer])
                let shortcut = block.shortcut.map { compile([$0], input: x, pinned: inner) } ?? x
                inner.insert(shortcut.buffer)
                output = compile(block.body.map(\.layer), input: x, pinned: inner,
                                 residual: shortcut, residualReLU: block.activation)
                if shortcut.buffer != x.buffer { release(shortcut, unless: pinned) }
                i += 1
            default:
                let shape = Array(layer.outputShape(for: [1] + current.shape).dropFirst())
                output = allocate(shape)
                steps.append(.fallback(layer, input: current.buffer, output: output.buffer,
                                       inputShape: current.shape, outputShape: shape))
                i += 1
            }
            release(current, unless: pinned)
            current = output
        }
        if let residual, !residualUsed {
            let output = allocate(current.shape)
            steps.append(.add(input: current.buffer, other: residual.buffer, output: output.buffer,
                              elementsPerImage: current.count, activation: residualReLU ? .relu : .none))
            release(current, unless: pinned)
            current = output
        }
        return current
    }

    private mutating func compilePool(_ x: Value, kernel: Int, stride: Int, padding: Int, max: Bool) -> Value {
        let p = (x.shape[1] + 2 * padding - kernel) / stride + 1
        let q = (x.shape[2] + 2 * padding - kernel) / stride + 1
        let output = allocate([x.shape[0], p, q])
        steps.append(.pool(input: x.buffer, output: output.buffer, channels: x.shape[0], height: x.shape[1],
                           width: x.shape[2], kernel: kernel, stride: stride, padding: padding, max: max))
        return output
    }
}
