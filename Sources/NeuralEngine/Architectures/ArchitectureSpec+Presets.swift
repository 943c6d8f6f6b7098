/// The named presets. Tables are torchvision's `cfgs` (vgg.py) and stage depths
/// from `resnet.py`; the CIFAR ResNets follow He et al. 2015 §4.2 (6n+2 layers,
/// widths 16/32/64) but with projection shortcuts where the shape changes.
extension ArchitectureSpec {
    public static let presetNames: [String] = [
        "simple-cnn",
        "vgg11", "vgg11-bn", "vgg13", "vgg13-bn", "vgg16", "vgg16-bn",
        "resnet18", "resnet34", "resnet50",
        "resnet20", "resnet32", "resnet56",
        "mobilenet-v2",
    ]

    /// A preset for `inputSize`×`inputSize` images with `channels` (1 or 3) and `classes` outputs.
    /// Throws `ArchitectureError` for an unknown name or an input the network cannot take.
    public static func preset(_ name: String, inputSize: Int, channels: Int, classes: Int) throws -> ArchitectureSpec {
        let family: Family
        switch name {
        case "simple-cnn":
            // The Keras image-classification tutorial's baseline: three conv+pool
            // stages (32/64/128), Flatten, Dense 128 with dropout 0.5, Dense classes.
            family = .vgg(VGGSpec(layers: [.conv(32), .pool, .conv(64), .pool, .conv(128), .pool],
                                  batchNorm: false, head: .classic(hidden: [128], dropout: 0.5)))
        case "vgg11", "vgg11-bn", "vgg13", "vgg13-bn", "vgg16", "vgg16-bn":
            let depth = name.dropFirst(3).prefix(2)
            family = .vgg(VGGSpec(layers: vggTables[String(depth)] ?? [],
                                  batchNorm: name.hasSuffix("-bn"),
                                  head: .classic(hidden: [4096, 4096], dropout: 0.5)))
        case "resnet18":
            family = .resnet(ResNetSpec(stem: .imagenet, stemWidth: 64, block: .basic,
                                        widths: [64, 128, 256, 512], depths: [2, 2, 2, 2]))
        case "resnet34":
            family = .resnet(ResNetSpec(stem: .imagenet, stemWidth: 64, block: .basic,
                                        widths: [64, 128, 256, 512], depths: [3, 4, 6, 3]))
        case "resnet50":
            family = .resnet(ResNetSpec(stem: .imagenet, stemWidth: 64, block: .bottleneck,
                                        widths: [64, 128, 256, 512], depths: [3, 4, 6, 3]))
        case "resnet20", "resnet32", "resnet56":
            let layers = Int(name.dropFirst(6)) ?? 20
            let n = (layers - 2) / 6
            family = .resnet(ResNetSpec(stem: .cifar, stemWidth: 16, block: .basic,
                                        widths: [16, 32, 64], depths: [n, n, n]))
        case "mobilenet-v2":
            family = .mobilenetV2(.standard)
        default:
            throw ArchitectureError.unknownPreset(name, known: presetNames)
        }
        let spec = ArchitectureSpec(preset: name, family: family, inputChannels: channels,
                                    inputHeight: inputSize, inputWidth: inputSize, classCount: classes)
        try spec.validate()
        return spec
    }

    private static let vggTables: [String: [VGGSpec.Item]] = [
        "11": [.conv(64), .pool, .conv(128), .pool, .conv(256), .conv(256), .pool,
               .conv(512), .conv(512), .pool, .conv(512), .conv(512), .pool],
        "13": [.conv(64), .conv(64), .pool, .conv(128), .conv(128), .pool, .conv(256), .conv(256), .pool,
               .conv(512), .conv(512), .pool, .conv(512), .conv(512), .pool],
        "16": [.conv(64), .conv(64), .pool, .conv(128), .conv(128), .pool,
               .conv(256), .conv(256), .conv(256), .pool,
               .conv(512), .conv(512), .conv(512), .pool, .conv(512), .conv(512), .conv(512), .pool],
    ]

    /// Checks that the spec describes a buildable network: sensible counts, and an
    /// input large enough that no layer's output is empty. A spec read from a
    /// model file goes through here before anything is allocated.
    public func validate() throws {
        guard inputChannels == 1 || inputChannels == 3 else { throw ArchitectureError.invalidChannels(inputChannels) }
        guard classCount >= 2 else { throw ArchitectureError.invalidClassCount(classCount) }
        guard inputHeight > 0, inputWidth > 0 else {
            throw ArchitectureError.invalidInputSize(height: inputHeight, width: inputWidth)
        }
        // Far above any real input; keeps a crafted spec from asking for absurd allocations.
        guard inputHeight <= 8192, inputWidth <= 8192, classCount <= 1_000_000 else {
            throw ArchitectureError.invalidSpec("input \(inputHeight)×\(inputWidth) or \(classCount) classes is beyond the supported range")
        }
        switch family {
        case .vgg(let vgg):
            guard vgg.layers.contains(where: { if case .conv = $0 { true } else { false } }) else {
                throw ArchitectureError.invalidSpec("a VGG table needs at least one convolution")
            }
            for case .conv(let c) in vgg.layers where c < 1 || c > 65_536 {
                throw ArchitectureError.invalidSpec("VGG convolution width \(c) is out of range")
            }
            if case .classic(let hidden, let dropout) = vgg.head {
                guard hidden.allSatisfy({ $0 >= 1 && $0 <= 1_000_000 }) else {
                    throw ArchitectureError.invalidSpec("VGG hidden widths must be positive, got \(hidden)")
                }
                guard dropout >= 0, dropout < 1 else {
                    throw ArchitectureError.invalidSpec("dropout rate must be in [0, 1), got \(dropout)")
                }
            }
        case .resnet(let resnet):
            guard !resnet.widths.isEmpty, resnet.widths.count == resnet.depths.count else {
                throw ArchitectureError.invalidSpec("ResNet widths \(resnet.widths) and depths \(resnet.depths) must be non-empty and of equal length")
            }
            guard (resnet.widths + [resnet.stemWidth]).allSatisfy({ $0 >= 1 && $0 <= 65_536 }),
                  resnet.depths.allSatisfy({ $0 >= 1 && $0 <= 1000 }) else {
                throw ArchitectureError.invalidSpec("ResNet widths and depths must be positive")
            }
        case .mobilenetV2(let mobilenet):
            guard !mobilenet.stages.isEmpty else { throw ArchitectureError.invalidSpec("MobileNetV2 needs at least one stage") }
            let widths = [mobilenet.stemWidth, mobilenet.lastWidth] + mobilenet.stages.map(\.channels)
            guard widths.allSatisfy({ $0 >= 1 && $0 <= 65_536 }),
                  mobilenet.stages.allSatisfy({ (1...64).contains($0.expansion) && (1...1000).contains($0.repeats)
                      && (1...2).contains($0.stride) }) else {
                throw ArchitectureError.invalidSpec("MobileNetV2 widths, expansions (1–64), repeats and strides (1 or 2) must be in range")
            }
            guard mobilenet.dropout >= 0, mobilenet.dropout < 1 else {
                throw ArchitectureError.invalidSpec("dropout rate must be in [0, 1), got \(mobilenet.dropout)")
            }
        }
        if let layer = firstEmptyLayer() {
            throw ArchitectureError.inputTooSmall(spec: preset ?? "this architecture", height: inputHeight,
                                                  width: inputWidth, layer: layer, minimum: minimumInputSize())
        }
        let parameters = parameterCount
        guard parameters <= 2_000_000_000 else {
            throw ArchitectureError.invalidSpec("\(parameters) parameters is beyond the supported range")
        }
    }

    /// The smallest square input for which every layer has a non-empty output.
    public func minimumInputSize() -> Int? {
        var probe = self
        for size in 1...1024 {
            probe.inputHeight = size
            probe.inputWidth = size
            if probe.firstEmptyLayer() == nil { return size }
        }
        return nil
    }

    /// The dotted name of the first layer whose output would be empty, if any.
    func firstEmptyLayer() -> String? {
        rows(zeroInitResidualGamma: false).first { $0.outputShape.contains { $0 <= 0 } }?.name
    }
}
