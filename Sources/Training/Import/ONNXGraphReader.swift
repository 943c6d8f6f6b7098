import NeuralEngine
import ONNXFormat

/// Reads a graph from its input to its output into `ONNXOperation`s: follows each value
/// to the node that uses it, and where a value feeds two nodes, reads the two branches
/// of a residual block up to the Add that joins them.
///
/// Initializers, Constant nodes and Identity nodes on them (torch.onnx's way of sharing
/// equal tensors) are the constants; every other node must be used exactly once on the
/// way, so a cycle or a dangling branch in a crafted file is an error, not a hang.
struct ONNXGraphReader {
    private let nodes: [Onnx_NodeProto]
    private var constants: [String: Onnx_TensorProto] = [:]
    /// Node indices using each computed value (constants are not computed values).
    private var consumers: [String: [Int]] = [:]
    private var visited = Set<Int>()
    /// The graph's one non-constant input and its one output.
    let input: Onnx_ValueInfoProto
    private let outputName: String
    /// Dropout ratios met on the way (removed from the operations).
    private(set) var dropoutRates: [Float] = []

    init(graph: Onnx_GraphProto) throws {
        nodes = graph.node
        for initializer in graph.initializer { constants[initializer.name] = initializer }
        for (index, node) in nodes.enumerated() {
            let what = Self.describe(node)
            guard let output = node.output.first, !output.isEmpty else { throw ONNXImportError("\(what) has no output") }
            if node.opType == "Constant" {
                guard let value = node.attribute.first(where: { $0.name == "value" }), value.hasT else {
                    throw ONNXImportError("\(what): only a Constant with a tensor 'value' can be imported")
                }
                constants[output] = value.t
                visited.insert(index)
            } else if node.opType == "Identity", let source = node.input.first, let constant = constants[source] {
                constants[output] = constant
                visited.insert(index)
            } else {
                for name in node.input where !name.isEmpty && constants[name] == nil {
                    consumers[name, default: []].append(index)
                }
            }
        }
        let constantNames = Set(constants.keys)
        let inputs = graph.input.filter { !constantNames.contains($0.name) }
        guard inputs.count == 1, let input = inputs.first else {
            throw ONNXImportError("the graph has \(inputs.count) inputs besides its initializers (\(inputs.map(\.name))); an image classifier has one")
        }
        guard graph.output.count == 1, let output = graph.output.first else {
            throw ONNXImportError("the graph has \(graph.output.count) outputs (\(graph.output.map(\.name))); an image classifier has one, the logits")
        }
        self.input = input
        outputName = output.name
    }

    /// Every operation from the graph's input to its output.
    mutating func read() throws -> [ONNXOperation] {
        let chain = try self.chain(from: input.name, firstNode: nil, inBranch: false)
        return chain.operations
    }

    // MARK: Chains and residual blocks

    /// Operations from `start` on, to the graph's output or, inside a residual branch, to
    /// the Add that merges it (returned as `merge`). `firstNode` starts a branch at one of
    /// the two nodes using the value that forks.
    private mutating func chain(from start: String, firstNode: Int?, inBranch: Bool) throws
        -> (operations: [ONNXOperation], end: String, merge: Int?)
    {
        var operations: [ONNXOperation] = []
        var value = start
        var next = firstNode
        while true {
            let index: Int
            if let first = next {
                index = first
                next = nil
            } else {
                let users = consumers[value] ?? []
                if users.isEmpty {
                    guard value == outputName, !inBranch else {
                        throw ONNXImportError("value '\(value)' is used by no node and is not the graph's output '\(outputName)'")
                    }
                    return (operations, value, nil)
                }
                if users.count > 1 {
                    let (block, output) = try residual(forkingAt: value, users: users)
                    operations.append(block)
                    value = output
                    continue
                }
                index = users[0]
            }
            let node = nodes[index]
            if node.opType == "Add", isMerge(node) {
                guard inBranch else {
                    throw ONNXImportError("\(Self.describe(node)) adds two computed values outside a residual block")
                }
                return (operations, value, index)
            }
            let (operation, output) = try read(nodeAt: index, input: value)
            if let operation { operations.append(operation) }
            value = output
        }
    }

    /// A residual block: two branches from `value` to one Add, then a Relu (ResNet's blocks)
    /// or not (MobileNetV2's linear bottlenecks). The branch with more operations is the
    /// body; the other is the identity (empty) or a projection.
    private mutating func residual(forkingAt value: String, users: [Int]) throws -> (ONNXOperation, String) {
        guard users.count == 2 else {
            throw ONNXImportError("value '\(value)' feeds \(users.count) nodes; only a residual block's two branches can share a value")
        }
        let first = try chain(from: value, firstNode: users[0], inBranch: true)
        let second = try chain(from: value, firstNode: users[1], inBranch: true)
        guard let merge = first.merge, first.merge == second.merge else {
            throw ONNXImportError("the two branches from value '\(value)' do not meet in one Add")
        }
        try visit(merge)
        let add = nodes[merge]
        let (body, shortcut) = first.operations.count >= second.operations.count
            ? (first.operations, second.operations) : (second.operations, first.operations)
        let sum = add.output[0]
        let node = add.name.isEmpty ? sum : add.name
        guard let reluIndex = soleUser(of: sum), nodes[reluIndex].opType == "Relu" else {
            return (.residual(body: body, shortcut: shortcut.isEmpty ? nil : shortcut, activation: false, node: node), sum)
        }
        try visit(reluIndex)
        return (.residual(body: body, shortcut: shortcut.isEmpty ? nil : shortcut, activation: true, node: node),
                nodes[reluIndex].output[0])
    }

    private func isMerge(_ node: Onnx_NodeProto) -> Bool {
        node.input.count == 2 && node.input.allSatisfy { constants[$0] == nil }
    }

    private func soleUser(of value: String) -> Int? {
        let users = consumers[value] ?? []
        return users.count == 1 && value != outputName ? users[0] : nil
    }

    private mutating func visit(_ index: Int) throws {
        guard visited.insert(index).inserted else {
            throw ONNXImportError("\(Self.describe(nodes[index])) is reached twice: the graph has a cycle or shared branches")
        }
    }

    // MARK: Nodes

    /// One node (and the nodes it absorbs: Conv's BatchNormalization, GlobalAveragePool's
    /// Flatten, MatMul's bias Add) as an operation, or nil for a pass-through; with the value
    /// that comes out.
    private mutating func read(nodeAt index: Int, input: String) throws -> (ONNXOperation?, String) {
        try visit(index)
        let node = nodes[index]
        let what = Self.describe(node)
        let name = node.name.isEmpty ? node.output[0] : node.name
        let attributes = ONNXNodeAttributes(node, what: what)
        guard node.input.first == input else {
            throw ONNXImportError("\(what) takes '\(input)' as an input other than its first")
        }
        var output = node.output[0]
        for extra in node.output.dropFirst() where !extra.isEmpty && consumers[extra] != nil {
            throw ONNXImportError("\(what): its output '\(extra)' is used; only the first output of a node can be imported")
        }
        switch node.opType {
        case "Conv":
            var conv = try convolution(node, name: name, attributes: attributes)
            if let next = soleUser(of: output), nodes[next].opType == "BatchNormalization" {
                try visit(next)
                conv.batchNorm = try batchNorm(nodes[next])
                output = nodes[next].output[0]
            }
            return (.conv(conv), output)
        case "BatchNormalization":
            throw ONNXImportError("\(what) does not follow a Conv; only a Conv's BatchNormalization can be imported")
        case "Relu":
            return (.relu(node: name), output)
        case "Clip":
            // Since opset 11 the bounds are inputs 1 and 2; before, attributes min and max.
            let low = node.input.count > 1 && !node.input[1].isEmpty
                ? try constant(node, 1, what: what, rank: nil).scalars.first : attributes.optionalFloat("min")
            let high = node.input.count > 2 && !node.input[2].isEmpty
                ? try constant(node, 2, what: what, rank: nil).scalars.first : attributes.optionalFloat("max")
            guard low == 0, high == ReLU6.ceiling else {
                throw ONNXImportError("\(what) clips to [\(low.map { "\($0)" } ?? "−∞"), \(high.map { "\($0)" } ?? "∞")]; only ReLU6's [0, 6] can be imported")
            }
            return (.relu6(node: name), output)
        case "MaxPool":
            let window = try attributes.squareWindow()
            guard attributes.int("ceil_mode", default: 0) == 0 else {
                throw ONNXImportError("\(what) has ceil_mode 1; only floor mode can be imported")
            }
            return (.maxPool(kernelSize: window.kernel, stride: window.stride, padding: window.padding, node: name), output)
        case "AveragePool":
            let window = try attributes.squareWindow()
            // torchvision VGG's AdaptiveAvgPool2d((7, 7)) on a 7×7 map exports as this, the identity.
            guard window == (1, 1, 0) else {
                throw ONNXImportError("\(what) (\(window.kernel)×\(window.kernel)/\(window.stride) pad \(window.padding)) has no counterpart in our networks; only a 1×1 window (the identity) can be imported")
            }
            return (nil, output)
        case "GlobalAveragePool":
            if let next = soleUser(of: output), try isFlatten(nodes[next]) {
                try visit(next)
                output = nodes[next].output[0]
            }
            return (.globalAveragePool(node: name), output)
        case "Flatten", "Reshape":
            guard try isFlatten(node) else {
                throw ONNXImportError("\(what) is not a flatten to (batch, features); only that reshape can be imported")
            }
            return (.flatten(node: name), output)
        case "Gemm":
            return (try gemm(node, name: name, attributes: attributes), output)
        case "MatMul":
            let weight = try transposed(constant(node, 1, what: what, rank: 2), what: what)
            var bias = Tensor(zeros: [weight.shape[0]])
            if let next = soleUser(of: output), nodes[next].opType == "Add",
               let biasName = nodes[next].input.first(where: { constants[$0] != nil }) {
                try visit(next)
                let addition = Self.describe(nodes[next])
                let values = try ONNXTensorDecoding.floats(constant(named: biasName, what: addition),
                                                           what: "initializer '\(biasName)' of \(addition)")
                bias = try vector(values, count: weight.shape[0], what: addition)
                output = nodes[next].output[0]
            }
            return (.dense(weight: weight, bias: bias, node: name), output)
        case "Identity":
            return (nil, output)
        case "Dropout":
            if node.input.count > 2, !node.input[2].isEmpty {
                let training = try constant(node, 2, what: what, rank: nil)
                guard training.scalars.allSatisfy({ $0 == 0 }) else {
                    throw ONNXImportError("\(what) is in training mode; export the model in eval mode")
                }
            }
            let ratio = node.input.count > 1 && !node.input[1].isEmpty
                ? try constant(node, 1, what: what, rank: nil).scalars.first ?? 0.5
                : attributes.float("ratio", default: 0.5)
            dropoutRates.append(ratio)
            return (nil, output)
        default:
            throw ONNXImportError("\(what): the operator \(node.opType) has no counterpart in our networks (Conv, BatchNormalization, Relu, Clip, MaxPool, GlobalAveragePool, Add, Flatten, Gemm, MatMul, Dropout, Identity can be imported)")
        }
    }

    private func convolution(_ node: Onnx_NodeProto, name: String, attributes: ONNXNodeAttributes) throws -> ONNXConvolution {
        let what = attributes.what
        let weight = try constant(node, 1, what: what, rank: 4)
        let groups = attributes.int("group", default: 1)
        // One group per channel, one filter per group: a depthwise convolution.
        let depthwise = groups > 1 && weight.shape[1] == 1 && weight.shape[0] == groups
        guard groups == 1 || depthwise else {
            throw ONNXImportError("\(what) is a grouped convolution (group \(groups), weight \(weight.shape)); only group 1 and depthwise convolutions (one group per channel) can be imported")
        }
        let window = try attributes.squareWindow(kernel: Array(weight.shape[2...]))
        guard weight.shape[2] == window.kernel, weight.shape[3] == window.kernel, weight.shape[0] >= 1, weight.shape[1] >= 1 else {
            throw ONNXImportError("\(what) has a weight of shape \(weight.shape) for a \(window.kernel)×\(window.kernel) kernel")
        }
        let bias = node.input.count > 2 && !node.input[2].isEmpty
            ? try vector(constant(node, 2, what: what, rank: nil), count: weight.shape[0], what: what) : nil
        return ONNXConvolution(node: name, weight: weight, bias: bias, kernelSize: window.kernel,
                               stride: window.stride, padding: window.padding, batchNorm: nil, depthwise: depthwise)
    }

    private func batchNorm(_ node: Onnx_NodeProto) throws -> ONNXBatchNorm {
        let what = Self.describe(node)
        let attributes = ONNXNodeAttributes(node, what: what)
        guard node.input.count == 5 else { throw ONNXImportError("\(what) has \(node.input.count) inputs, not 5") }
        guard attributes.int("training_mode", default: 0) == 0 else {
            throw ONNXImportError("\(what) is in training mode; export the model in eval mode")
        }
        let values = try (1...4).map { try constant(node, $0, what: what, rank: nil) }
        let channels = values[0].count
        let vectors = try values.map { try vector($0, count: channels, what: what) }
        let epsilon = attributes.float("epsilon", default: 1e-5)
        guard epsilon.isFinite, epsilon >= 0 else { throw ONNXImportError("\(what) has epsilon \(epsilon)") }
        return ONNXBatchNorm(node: node.name.isEmpty ? node.output[0] : node.name, scale: vectors[0], bias: vectors[1],
                             mean: vectors[2], variance: vectors[3], epsilon: epsilon)
    }

    /// Gemm(A, B, C) = α·A·op(B) + β·C with A the features: a Dense layer of weight α·op(B)ᵀ.
    private func gemm(_ node: Onnx_NodeProto, name: String, attributes: ONNXNodeAttributes) throws -> ONNXOperation {
        let what = attributes.what
        guard attributes.int("transA", default: 0) == 0 else {
            throw ONNXImportError("\(what) transposes its input (transA 1); only transA 0 can be imported")
        }
        let b = try constant(node, 1, what: what, rank: 2)
        var weight = attributes.int("transB", default: 0) == 1 ? b : try transposed(b, what: what)
        let alpha = attributes.float("alpha", default: 1), beta = attributes.float("beta", default: 1)
        if alpha != 1 { weight.scalars = weight.scalars.map { $0 * alpha } }
        var bias = Tensor(zeros: [weight.shape[0]])
        if node.input.count > 2, !node.input[2].isEmpty {
            bias = try vector(constant(node, 2, what: what, rank: nil), count: weight.shape[0], what: what)
            if beta != 1 { bias.scalars = bias.scalars.map { $0 * beta } }
        }
        return .dense(weight: weight, bias: bias, node: name)
    }

    /// Flatten with axis 1, or a Reshape to (batch, −1), (0, −1) or (−1, features).
    private func isFlatten(_ node: Onnx_NodeProto) throws -> Bool {
        let what = Self.describe(node)
        switch node.opType {
        case "Flatten":
            return ONNXNodeAttributes(node, what: what).int("axis", default: 1) == 1
        case "Reshape":
            guard node.input.count >= 2 else { return false }
            let shape = try ONNXTensorDecoding.integers(constant(named: node.input[1], what: what), what: "\(what)'s shape")
            return shape.count == 2 && ((shape[1] == -1 && (shape[0] == 0 || shape[0] == 1)) || (shape[0] == -1 && shape[1] > 0))
        default:
            return false
        }
    }

    // MARK: Constants

    private func constant(named name: String, what: String) throws -> Onnx_TensorProto {
        guard let proto = constants[name] else {
            throw ONNXImportError("\(what) reads '\(name)', which is computed in the graph; only initializers can be weights")
        }
        return proto
    }

    /// Input `position` of `node` as a float tensor of rank `rank` (any rank when nil).
    private func constant(_ node: Onnx_NodeProto, _ position: Int, what: String, rank: Int?) throws -> Tensor {
        guard node.input.count > position, !node.input[position].isEmpty else {
            throw ONNXImportError("\(what) has no input \(position)")
        }
        let name = node.input[position]
        let tensor = try ONNXTensorDecoding.floats(constant(named: name, what: what), what: "initializer '\(name)' of \(what)")
        if let rank, tensor.rank != rank {
            throw ONNXImportError("\(what): initializer '\(name)' has shape \(tensor.shape); a tensor of rank \(rank) was expected")
        }
        return tensor
    }

    /// A per-channel vector of `count` values; (1, count) and (count, 1, 1) shapes are accepted.
    private func vector(_ tensor: Tensor, count: Int, what: String) throws -> Tensor {
        guard tensor.count == count, tensor.shape.filter({ $0 != 1 }).count <= 1 else {
            throw ONNXImportError("\(what) has a tensor of shape \(tensor.shape) where \(count) values (one per channel) were expected")
        }
        return tensor.reshaped([count])
    }

    private func transposed(_ matrix: Tensor, what: String) throws -> Tensor {
        let rows = matrix.shape[0], columns = matrix.shape[1]
        guard rows >= 1, columns >= 1 else { throw ONNXImportError("\(what) has an empty weight \(matrix.shape)") }
        var scalars = [Float](repeating: 0, count: matrix.count)
        matrix.scalars.withUnsafeBufferPointer { source in
            for r in 0..<rows { for c in 0..<columns { scalars[c * rows + r] = source[r * columns + c] } }
        }
        return Tensor(shape: [columns, rows], scalars: scalars)
    }

    static func describe(_ node: Onnx_NodeProto) -> String {
        let name = node.name.isEmpty ? "producing '\(node.output.first ?? "")'" : "'\(node.name)'"
        return "\(node.opType.isEmpty ? "unnamed" : node.opType) node \(name)"
    }
}
