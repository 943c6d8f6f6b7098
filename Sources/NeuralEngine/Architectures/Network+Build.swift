/// Builds the layers a spec describes, with He-initialised weights from `seed`.
///
/// `zeroInitResidualGamma` (default true) starts the last BatchNorm scale of every
/// residual body at zero, so each block begins as the identity and deep ResNets
/// train stably from the first step (Goyal et al. 2017, "Accurate, Large Minibatch
/// SGD", §5.1). It changes only the initial values, never the architecture or names.
public func buildNetwork(_ spec: ArchitectureSpec, seed: UInt64,
                         zeroInitResidualGamma: Bool = true) throws -> Network {
    try spec.validate()
    var generator = SeededGenerator(seed: seed)
    var members = spec.plan(zeroInitResidualGamma: zeroInitResidualGamma).map {
        (name: $0.name, layer: instantiate($0.plan, generator: &generator))
    }
    guard let last = members.popLast(), last.name == "head", let head = last.layer as? Dense else {
        // The plan always ends with ("head", .dense); reaching here is a bug in this file.
        throw ArchitectureError.invalidSpec("internal: the plan does not end with a Dense head")
    }
    return Network(spec: spec, backbone: Sequential(named: members), head: head)
}

private func instantiate(_ plan: LayerPlan, generator: inout SeededGenerator) -> any Layer {
    func list(_ members: [(name: String, plan: LayerPlan)]) -> [(name: String, layer: any Layer)] {
        members.map { (name: $0.name, layer: instantiate($0.plan, generator: &generator)) }
    }
    switch plan {
    case .conv(let c, let k, let size, let stride, let padding, let bias):
        return Conv2D(inChannels: c, outChannels: k, kernelSize: size, stride: stride, padding: padding,
                      bias: bias, generator: &generator)
    case .depthwiseConv(let c, let size, let stride, let padding, let bias):
        return DepthwiseConv2D(channels: c, kernelSize: size, stride: stride, padding: padding, bias: bias,
                               generator: &generator)
    case .batchNorm(let channels, let zeroGamma):
        let layer = BatchNorm2D(channels: channels)
        if zeroGamma { layer.weight.value.zero() }
        return layer
    case .relu:
        return ReLU()
    case .relu6:
        return ReLU6()
    case .maxPool(let k, let s, let p):
        return MaxPool2D(kernelSize: k, stride: s, padding: p)
    case .globalAveragePool:
        return GlobalAveragePool()
    case .flatten:
        return Flatten()
    case .dense(let i, let o):
        return Dense(inFeatures: i, outFeatures: o, generator: &generator)
    case .dropout(let rate):
        return Dropout(rate: rate, seed: generator.next())
    case .sequence(let members):
        return Sequential(named: list(members))
    case .residual(let body, let shortcut, let activation):
        return Residual(body: list(body), shortcut: shortcut.map(list), activation: activation)
    }
}
