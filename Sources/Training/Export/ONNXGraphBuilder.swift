import NeuralEngine
import ONNXFormat

/// Turns a built `Network` into ONNX nodes and initializers by walking its layer tree
/// (the tree `ArchitectureSpec+Plan` describes): Sequential and Residual containers,
/// Conv2D, DepthwiseConv2D (a Conv with one group per channel), BatchNorm2D, ReLU,
/// ReLU6 (Clip to [0, 6]), MaxPool2D, GlobalAveragePool, Flatten, Dense, Dropout.
///
/// Initializers carry our dotted parameter names (`stage1.block0.conv1.weight`), so an
/// exported graph reads like the model file it came from. BatchNorm stays a
/// BatchNormalization node with our epsilon rather than being folded into the
/// convolution: the arithmetic is then the same as ours, and the running statistics
/// survive a round trip through `ONNXImport`.
struct ONNXGraphBuilder {
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    private var counter = 0
    /// The names of ReLU6's bounds, once added (every Clip node shares them).
    private var clipBounds: (low: String, high: String)?

    /// Appends the network's nodes, reading `input`; returns the name of the logits value.
    mutating func add(_ network: Network, input: String) throws -> String {
        try add(network as any Layer, name: "", input: input)
    }

    private mutating func add(_ layer: any Layer, name: String, input: String) throws -> String {
        func child(_ local: String) -> String { name.isEmpty ? local : "\(name).\(local)" }
        switch layer {
        case let network as Network:
            let features = try add(network.backbone, name: name, input: input)
            return try add(network.head, name: child("head"), input: features)
        case let sequence as Sequential:
            var value = input
            for member in sequence.members { value = try add(member.layer, name: child(member.name), input: value) }
            return value
        case let residual as Residual:
            var body = input
            for member in residual.body { body = try add(member.layer, name: child(member.name), input: body) }
            let side = try residual.shortcut.map { try add($0, name: child("shortcut"), input: input) } ?? input
            let sum = node("Add", [body, side], name: child("add"))
            return residual.activation ? node("Relu", [sum], name: child("relu")) : sum
        case let conv as Conv2D:
            return convolution(input, name: name, weight: conv.weight, bias: conv.bias, kernelSize: conv.kernelSize,
                               stride: conv.stride, padding: conv.padding, groups: 1)
        case let conv as DepthwiseConv2D:
            // A depthwise convolution is ONNX's grouped Conv with one group per channel.
            return convolution(input, name: name, weight: conv.weight, bias: conv.bias, kernelSize: conv.kernelSize,
                               stride: conv.stride, padding: conv.padding, groups: conv.channels)
        case let norm as BatchNorm2D:
            let inputs = [input] + [("weight", norm.weight), ("bias", norm.bias),
                                    ("running_mean", norm.runningMean), ("running_var", norm.runningVariance)]
                .map { initializer(child($0.0), $0.1.value) }
            return node("BatchNormalization", inputs, name: name, attributes: [.float("epsilon", norm.epsilon)])
        case is ReLU:
            return node("Relu", [input], name: name)
        case is ReLU6:
            // Since opset 11 Clip takes its bounds as inputs, not attributes.
            let bounds = clipBounds ?? (initializer("relu6.min", Tensor(shape: [], scalars: [0])),
                                        initializer("relu6.max", Tensor(shape: [], scalars: [ReLU6.ceiling])))
            clipBounds = bounds
            return node("Clip", [input, bounds.low, bounds.high], name: name)
        case let pool as MaxPool2D:
            return node("MaxPool", [input], name: name, attributes: [
                .ints("kernel_shape", [pool.kernelSize, pool.kernelSize]),
                .ints("strides", [pool.stride, pool.stride]),
                .ints("pads", Array(repeating: pool.padding, count: 4)),
            ])
        case is GlobalAveragePool:
            // Ours gives (N, C); ONNX's keeps (N, C, 1, 1).
            let pooled = node("GlobalAveragePool", [input], name: name)
            return node("Flatten", [pooled], name: child("flatten"), attributes: [.int("axis", 1)])
        case is Flatten:
            return node("Flatten", [input], name: name, attributes: [.int("axis", 1)])
        case let dense as Dense:
            // weight (out, in): y = x·Wᵀ + b is Gemm with transB.
            return node("Gemm", [input, initializer(child("weight"), dense.weight.value),
                                 initializer(child("bias"), dense.bias.value)],
                        name: name, attributes: [.int("transB", 1)])
        case is Dropout:
            return input  // the identity at inference
        default:
            throw TrainingError.invalidConfiguration(
                "cannot export layer '\(name)' (\(type(of: layer))): ONNX export knows no such layer")
        }
    }

    /// A Conv node with square kernel, stride and padding; `group` is written only when
    /// there is more than one (ONNX's default is 1).
    private mutating func convolution(_ input: String, name: String, weight: Parameter, bias: Parameter?,
                                      kernelSize: Int, stride: Int, padding: Int, groups: Int) -> String {
        let prefix = name.isEmpty ? "" : "\(name)."
        var inputs = [input, initializer(prefix + "weight", weight.value)]
        if let bias { inputs.append(initializer(prefix + "bias", bias.value)) }
        var attributes: [Onnx_AttributeProto] = [
            .ints("kernel_shape", [kernelSize, kernelSize]),
            .ints("strides", [stride, stride]),
            .ints("pads", Array(repeating: padding, count: 4)),
        ]
        if groups > 1 { attributes.append(.int("group", groups)) }
        return node("Conv", inputs, name: name, attributes: attributes)
    }

    private mutating func node(_ op: String, _ inputs: [String], name: String,
                               attributes: [Onnx_AttributeProto] = []) -> String {
        counter += 1
        let output = "\(name.isEmpty ? op.lowercased() : name)_\(counter)"
        var node = Onnx_NodeProto()
        node.opType = op
        node.name = name.isEmpty ? "\(op)_\(counter)" : name
        node.input = inputs
        node.output = [output]
        node.attribute = attributes
        nodes.append(node)
        return output
    }

    private mutating func initializer(_ name: String, _ tensor: Tensor) -> String {
        initializers.append(Onnx_TensorProto(float32: tensor, name: name))
        return name
    }

    /// Renames the last node's output, so that the graph's output has a fixed name.
    mutating func renameLastOutput(to name: String) {
        guard let last = nodes.indices.last else { return }
        nodes[last].output = [name]
    }
}

extension Onnx_AttributeProto {
    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .ints
        attribute.ints = values.map(Int64.init)
        return attribute
    }

    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .int
        attribute.i = Int64(value)
        return attribute
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .float
        attribute.f = value
        return attribute
    }
}
