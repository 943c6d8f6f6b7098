import NeuralEngine

/// A graph read into the vocabulary of our layers (`LayerPlan`): each case is one of our
/// layers, carrying its weights and the name of the ONNX node it came from for messages.
/// Pass-through nodes (Identity, Dropout, a 1×1 AveragePool) are already gone, a
/// BatchNormalization is attached to the Conv before it, and the Flatten after a
/// GlobalAveragePool belongs to it (ours yields (N, C) directly).
indirect enum ONNXOperation {
    case conv(ONNXConvolution)
    case relu(node: String)
    /// Clip to [0, 6].
    case relu6(node: String)
    case maxPool(kernelSize: Int, stride: Int, padding: Int, node: String)
    case globalAveragePool(node: String)
    case flatten(node: String)
    /// weight (out, in), bias (out): y = x·Wᵀ + b.
    case dense(weight: Tensor, bias: Tensor, node: String)
    /// body(x) + shortcut(x), then a Relu when `activation`; the identity shortcut when
    /// nil. `node` is the Add.
    case residual(body: [ONNXOperation], shortcut: [ONNXOperation]?, activation: Bool, node: String)

    var node: String {
        switch self {
        case .conv(let conv): return conv.node
        case .relu(let node), .relu6(let node), .maxPool(_, _, _, let node), .globalAveragePool(let node),
             .flatten(let node), .dense(_, _, let node), .residual(_, _, _, let node):
            return node
        }
    }

    /// How the operation reads in a message: "Conv node 'x' (3×3/1 pad 1)".
    var summary: String {
        switch self {
        case .conv(let c):
            let channels = c.depthwise ? "depthwise \(c.outChannels)" : "\(c.inChannels)→\(c.outChannels)"
            return "Conv node '\(c.node)' (\(c.kernelSize)×\(c.kernelSize)/\(c.stride) pad \(c.padding), \(channels))"
        case .relu(let node): return "Relu node '\(node)'"
        case .relu6(let node): return "Clip node '\(node)' (ReLU6)"
        case .maxPool(let k, let s, let p, let node): return "MaxPool node '\(node)' (\(k)×\(k)/\(s) pad \(p))"
        case .globalAveragePool(let node): return "GlobalAveragePool node '\(node)'"
        case .flatten(let node): return "Flatten node '\(node)'"
        case .dense(let weight, _, let node): return "Gemm node '\(node)' (\(weight.shape[1])→\(weight.shape[0]))"
        case .residual(_, let shortcut, _, let node):
            return "Add node '\(node)' (a residual block, \(shortcut == nil ? "identity" : "projection") shortcut)"
        }
    }
}

/// A Conv node, with the BatchNormalization that follows it when there is one.
/// weight (K, C, R, R), bias (K) when the node has one; a depthwise Conv (one group per
/// channel) has weight (K, 1, R, R).
struct ONNXConvolution {
    var node: String
    var weight: Tensor
    var bias: Tensor?
    var kernelSize: Int
    var stride: Int
    var padding: Int
    var batchNorm: ONNXBatchNorm?
    var depthwise = false

    var outChannels: Int { weight.shape[0] }
    var inChannels: Int { depthwise ? weight.shape[0] : weight.shape[1] }
}

/// A BatchNormalization node in inference form: y = scale·(x − mean)/√(var + ε) + bias.
struct ONNXBatchNorm {
    var node: String
    var scale: Tensor
    var bias: Tensor
    var mean: Tensor
    var variance: Tensor
    var epsilon: Float
}
