import NeuralEngine

/// Walks the network a recognised spec builds beside the graph's operations, one layer
/// to one operation, checking each (kernel, stride, padding, shapes) and taking its
/// tensors under our parameter names. The names therefore come from the network itself,
/// the one place that defines them (`ArchitectureSpec+Plan`).
///
/// Our ResNet convolutions have no bias and a BatchNorm after them. A graph with the
/// BatchNorm folded into the Conv (a bias, no BatchNormalization) gets the BatchNorm that
/// only adds that bias: weight 1, bias b, running_mean 0, running_var 1 − ε, so that
/// (x − 0)/√(1 − ε + ε)·1 + b = x + b exactly. A Conv bias before a BatchNormalization
/// moves into its mean (BN(x + b) has mean μ − b), and another ε into its variance.
struct ONNXWeightAssignment {
    private(set) var tensors: [String: Tensor] = [:]
    private let architecture: String

    init(network: Network, operations: [ONNXOperation]) throws {
        architecture = network.spec.preset.map { "the recognised \($0)" } ?? "the recognised architecture"
        let ours = Self.units(of: network.backbone.members, prefix: "") + [.dense(name: "head", network.head)]
        try match(ours, operations, context: nil)
    }

    // MARK: Our side

    /// One of our layers as it meets an operation: a convolution with its BatchNorm.
    private indirect enum Unit {
        case conv(name: String, Conv2D, batchNorm: (name: String, layer: BatchNorm2D)?)
        case depthwise(name: String, DepthwiseConv2D, batchNorm: (name: String, layer: BatchNorm2D)?)
        case relu(name: String)
        case relu6(name: String)
        case maxPool(name: String, MaxPool2D)
        case globalAveragePool(name: String)
        case flatten(name: String)
        case dense(name: String, Dense)
        case residual(name: String, body: [Unit], shortcut: [Unit]?, activation: Bool)

        var summary: String {
            switch self {
            case .conv(let name, let c, let bn):
                return "\(name) (conv \(c.kernelSize)×\(c.kernelSize)/\(c.stride) pad \(c.padding), \(c.inChannels)→\(c.outChannels)\(bn == nil ? "" : ", BatchNorm"))"
            case .depthwise(let name, let c, let bn):
                return "\(name) (depthwise conv \(c.kernelSize)×\(c.kernelSize)/\(c.stride) pad \(c.padding), \(c.channels)\(bn == nil ? "" : ", BatchNorm"))"
            case .relu(let name): return "\(name) (relu)"
            case .relu6(let name): return "\(name) (relu6)"
            case .maxPool(let name, let p): return "\(name) (maxpool \(p.kernelSize)×\(p.kernelSize)/\(p.stride) pad \(p.padding))"
            case .globalAveragePool(let name): return "\(name) (global average pool)"
            case .flatten(let name): return "\(name) (flatten)"
            case .dense(let name, let d): return "\(name) (dense \(d.inFeatures)→\(d.outFeatures))"
            case .residual(let name, _, let shortcut, _): return "\(name) (residual block, \(shortcut == nil ? "identity" : "projection") shortcut)"
            }
        }
    }

    private static func units(of members: [(name: String, layer: any Layer)], prefix: String) -> [Unit] {
        var result: [Unit] = []
        var index = 0
        /// The BatchNorm at `index`, if there is one, taken with its name.
        func batchNorm(after index: inout Int) -> (name: String, layer: BatchNorm2D)? {
            guard index < members.count, let norm = members[index].layer as? BatchNorm2D else { return nil }
            defer { index += 1 }
            return (prefix.isEmpty ? members[index].name : "\(prefix).\(members[index].name)", norm)
        }
        while index < members.count {
            let (local, layer) = members[index]
            let name = prefix.isEmpty ? local : "\(prefix).\(local)"
            index += 1
            switch layer {
            case let sequence as Sequential:
                result += units(of: sequence.members, prefix: name)
            case let residual as Residual:
                result.append(.residual(name: name, body: units(of: residual.body, prefix: name),
                                        shortcut: residual.shortcut.map { units(of: $0.members, prefix: "\(name).shortcut") },
                                        activation: residual.activation))
            case let conv as Conv2D:
                result.append(.conv(name: name, conv, batchNorm: batchNorm(after: &index)))
            case let conv as DepthwiseConv2D:
                result.append(.depthwise(name: name, conv, batchNorm: batchNorm(after: &index)))
            case is ReLU: result.append(.relu(name: name))
            case is ReLU6: result.append(.relu6(name: name))
            case let pool as MaxPool2D: result.append(.maxPool(name: name, pool))
            case is GlobalAveragePool: result.append(.globalAveragePool(name: name))
            case is Flatten: result.append(.flatten(name: name))
            case let dense as Dense: result.append(.dense(name: name, dense))
            default: break  // Dropout: the identity at inference, absent from eval-mode graphs
            }
        }
        return result
    }

    // MARK: Matching

    private mutating func match(_ ours: [Unit], _ operations: [ONNXOperation], context: String?) throws {
        let place = context.map { " in the residual block ending at Add node '\($0)'" } ?? ""
        for (index, operation) in operations.enumerated() {
            guard index < ours.count else {
                throw ONNXImportError("\(operation.summary)\(place) has no counterpart in \(architecture)")
            }
            try match(ours[index], operation)
        }
        if ours.count > operations.count {
            throw ONNXImportError("the graph\(place) has no operation for \(ours[operations.count].summary) of \(architecture)")
        }
    }

    private mutating func match(_ unit: Unit, _ operation: ONNXOperation) throws {
        let mismatch = ONNXImportError("\(operation.summary) where \(architecture) has \(unit.summary)")
        switch (unit, operation) {
        case (.conv(let name, let layer, let norm), .conv(let conv)):
            guard conv.kernelSize == layer.kernelSize, conv.stride == layer.stride, conv.padding == layer.padding,
                  conv.weight.shape == layer.weight.value.shape else { throw mismatch }
            tensors["\(name).weight"] = conv.weight
            try assignBiasAndNorm(conv, name: name, hasBias: layer.bias != nil, norm: norm, mismatch: mismatch)
        case (.depthwise(let name, let layer, let norm), .conv(let conv)):
            guard conv.depthwise, conv.kernelSize == layer.kernelSize, conv.stride == layer.stride,
                  conv.padding == layer.padding, conv.weight.shape == layer.weight.value.shape else { throw mismatch }
            tensors["\(name).weight"] = conv.weight
            try assignBiasAndNorm(conv, name: name, hasBias: layer.bias != nil, norm: norm, mismatch: mismatch)
        case (.relu, .relu), (.relu6, .relu6), (.globalAveragePool, .globalAveragePool), (.flatten, .flatten):
            break
        case (.maxPool(_, let layer), .maxPool(let k, let s, let p, _)):
            guard k == layer.kernelSize, s == layer.stride, p == layer.padding else { throw mismatch }
        case (.dense(let name, let layer), .dense(let weight, let bias, _)):
            guard weight.shape == layer.weight.value.shape else { throw mismatch }
            tensors["\(name).weight"] = weight
            tensors["\(name).bias"] = bias
        case (.residual(_, let body, let shortcut, let activation), .residual(let operations, let projection, let graphActivation, let node)):
            guard (shortcut == nil) == (projection == nil), activation == graphActivation else { throw mismatch }
            try match(body, operations, context: node)
            if let shortcut, let projection { try match(shortcut, projection, context: node) }
        default:
            throw mismatch
        }
    }

    /// `hasBias`: whether our convolution has a bias of its own.
    private mutating func assignBiasAndNorm(_ conv: ONNXConvolution, name: String, hasBias: Bool,
                                            norm: (name: String, layer: BatchNorm2D)?,
                                            mismatch: ONNXImportError) throws {
        let channels = conv.outChannels
        let convBias = conv.bias ?? Tensor(zeros: [channels])
        if hasBias {
            tensors["\(name).bias"] = convBias
        }
        guard let norm else {
            // Ours has neither BatchNorm nor (then) anywhere to put one from the graph.
            guard conv.batchNorm == nil, hasBias || conv.bias == nil else { throw mismatch }
            return
        }
        let epsilon = Double(norm.layer.epsilon)
        let prefix = norm.name
        if let graphNorm = conv.batchNorm {
            // With our own conv bias kept, the graph's conv bias stays in the conv.
            let shift = hasBias ? Array(repeating: 0, count: channels) : convBias.scalars
            tensors["\(prefix).weight"] = graphNorm.scale
            tensors["\(prefix).bias"] = graphNorm.bias
            tensors["\(prefix).running_mean"] = Tensor(shape: [channels], scalars: zip(graphNorm.mean.scalars, shift).map { $0 - $1 })
            tensors["\(prefix).running_var"] = Tensor(shape: [channels], scalars: graphNorm.variance.scalars.map {
                Float(Double($0) + Double(graphNorm.epsilon) - epsilon)
            })
        } else {
            tensors["\(prefix).weight"] = Tensor(repeating: 1, shape: [channels])
            tensors["\(prefix).bias"] = hasBias ? Tensor(zeros: [channels]) : convBias
            tensors["\(prefix).running_mean"] = Tensor(zeros: [channels])
            tensors["\(prefix).running_var"] = Tensor(repeating: Float(1 - epsilon), shape: [channels])
        }
    }
}
