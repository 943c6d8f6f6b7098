import NeuralEngine

/// Recognises the network a PyTorch state dict holds from its keys and shapes alone,
/// and says where each of our parameters is in it. Covers torchvision's and timm's
/// names for ResNets (basic and bottleneck blocks, any depths) and VGGs (with or
/// without BatchNorm), and MobileNetV2 (StateDictArchitecture+MobileNet.swift); timm's
/// ResNets use torchvision's names.
struct StateDictArchitecture {
    /// The naming schemes recognised, in the words of the model's provenance.
    enum Naming: String {
        case torchvisionResNet = "torchvision/timm ResNet names"
        case torchvisionVGG = "torchvision VGG names"
        case timmVGG = "timm VGG names"
        case torchvisionMobileNetV2 = "torchvision MobileNetV2 names"
        case timmMobileNetV2 = "timm MobileNetV2 names"
    }

    var spec: ArchitectureSpec
    var naming: Naming
    /// The source key of one of our parameter names (`stage1.block0.conv1.weight` →
    /// `layer1.0.conv1.weight`).
    var sourceKey: (String) -> String

    /// The architecture of `shapes` (source key → shape), or a reason naming the keys
    /// that decided against it. `inputSize` defaults to the one the weights were made for.
    static func recognise(_ shapes: [String: [Int]], inputSize: Int?) throws(ImportFailure) -> StateDictArchitecture {
        if shapes["conv1.weight"] != nil || shapes["layer1.0.conv1.weight"] != nil {
            return try resnet(shapes, inputSize: inputSize)
        }
        // Before VGG: torchvision's MobileNetV2 also keeps its layers under features.
        if isMobileNetV2(shapes) || shapes["conv_stem.weight"] != nil {
            return try mobilenetV2(shapes, inputSize: inputSize)
        }
        if shapes.keys.contains(where: { $0.hasPrefix("features.") }) {
            return try vgg(shapes, inputSize: inputSize)
        }
        let sample = shapes.keys.sorted().prefix(4).joined(separator: ", ")
        throw ImportFailure("the keys (\(sample), …) are not torchvision's or timm's names for a ResNet, a VGG or a MobileNetV2")
    }

    // MARK: ResNet

    private static func resnet(_ shapes: [String: [Int]], inputSize: Int?) throws(ImportFailure) -> StateDictArchitecture {
        let stem = try shape(shapes, "conv1.weight", rank: 4)
        let stemKind: ResNetSpec.Stem
        switch (stem[2], stem[3]) {
        case (7, 7): stemKind = .imagenet
        case (3, 3): stemKind = .cifar
        default: throw ImportFailure("conv1.weight is a \(stem[2])×\(stem[3]) convolution; a ResNet stem is 7×7 (ImageNet) or 3×3 (CIFAR)")
        }
        var widths: [Int] = [], depths: [Int] = []
        while let first = shapes["layer\(widths.count + 1).0.conv1.weight"] {
            let stage = widths.count + 1
            var depth = 0
            while shapes["layer\(stage).\(depth).conv1.weight"] != nil { depth += 1 }
            widths.append(first[0])
            depths.append(depth)
        }
        guard !widths.isEmpty else { throw ImportFailure("there is conv1.weight but no layer1.0.conv1.weight: not a ResNet") }
        let block: ResNetSpec.Block = shapes["layer1.0.conv3.weight"] != nil ? .bottleneck : .basic
        let head = try shape(shapes, "fc.weight", rank: 2)
        let family = ResNetSpec(stem: stemKind, stemWidth: stem[0], block: block, widths: widths, depths: depths)
        let size = inputSize ?? (stemKind == .imagenet ? 224 : 32)
        let spec = try build(.resnet(family), channels: stem[1], size: size, classes: head[0])
        return StateDictArchitecture(spec: spec, naming: .torchvisionResNet) { name in
            if name.hasPrefix("stem.conv.") { return "conv1." + name.dropFirst("stem.conv.".count) }
            if name.hasPrefix("stem.bn.") { return "bn1." + name.dropFirst("stem.bn.".count) }
            if name.hasPrefix("head.") { return "fc." + name.dropFirst("head.".count) }
            // stageI.blockJ.rest → layerI.J.rest, with the projection named downsample.
            let parts = name.split(separator: ".", maxSplits: 2).map(String.init)
            guard parts.count == 3, parts[0].hasPrefix("stage"), parts[1].hasPrefix("block") else { return name }
            let rest = parts[2].hasPrefix("shortcut.") ? "downsample." + parts[2].dropFirst("shortcut.".count) : parts[2]
            return "layer\(parts[0].dropFirst(5)).\(parts[1].dropFirst(5)).\(rest)"
        }
    }

    // MARK: VGG

    private static func vgg(_ shapes: [String: [Int]], inputSize: Int?) throws(ImportFailure) -> StateDictArchitecture {
        let convolutions = shapes.compactMap { key, shape -> (Int, [Int])? in
            let parts = key.split(separator: ".")
            guard parts.count == 3, parts[0] == "features", parts[2] == "weight", shape.count == 4,
                  let index = Int(parts[1]) else { return nil }
            return (index, shape)
        }.sorted { $0.0 < $1.0 }
        guard let first = convolutions.first, first.0 == 0 else {
            throw ImportFailure("features.0.weight is missing or not a convolution: not a torchvision VGG")
        }
        let batchNorm = shapes["features.1.running_mean"] != nil
        // Each convolution is followed by (BatchNorm and) ReLU; any other index in
        // between is one 2×2 max-pool, the "M" of torchvision's tables.
        let span = batchNorm ? 3 : 2
        var items: [VGGSpec.Item] = []
        var next = 0
        for (index, shape) in convolutions {
            guard shape[2] == 3, shape[3] == 3 else {
                throw ImportFailure("features.\(index).weight is \(shape[2])×\(shape[3]); VGG convolutions are 3×3")
            }
            guard index >= next else { throw ImportFailure("features.\(index).weight overlaps the layer before it") }
            items += Array(repeating: .pool, count: index - next)
            items.append(.conv(shape[0]))
            next = index + span
        }
        let lastWidth = convolutions.last!.1[0]

        let naming: Naming
        var hidden: [Int] = []
        var hiddenKeys: [String] = []
        let headKey: String
        var firstInputs: Int
        if shapes["pre_logits.fc1.weight"] != nil {
            // timm: the first two classifier layers are 7×7 and 1×1 convolutions (ConvMlp).
            naming = .timmVGG
            let fc1 = try shape(shapes, "pre_logits.fc1.weight", rank: 4)
            let fc2 = try shape(shapes, "pre_logits.fc2.weight", rank: 4)
            hidden = [fc1[0], fc2[0]]
            hiddenKeys = ["pre_logits.fc1", "pre_logits.fc2"]
            headKey = "head.fc"
            firstInputs = fc1[1] * fc1[2] * fc1[3]
        } else {
            naming = .torchvisionVGG
            let linear = shapes.compactMap { key, shape -> Int? in
                let parts = key.split(separator: ".")
                guard parts.count == 3, parts[0] == "classifier", parts[2] == "weight", shape.count == 2 else { return nil }
                return Int(parts[1])
            }.sorted()
            guard let last = linear.last else { throw ImportFailure("no classifier.N.weight: not a torchvision VGG") }
            hiddenKeys = linear.dropLast().map { "classifier.\($0)" }
            hidden = hiddenKeys.map { shapes[$0 + ".weight"]![0] }
            headKey = "classifier.\(last)"
            firstInputs = shapes["classifier.\(linear[0]).weight"]![1]
        }
        _ = try shape(shapes, headKey + ".weight", rank: 2)
        let classes = shapes[headKey + ".weight"]![0]

        // The first classifier layer fixes the final feature map, and with it the input
        // size: torchvision's adaptive 7×7 average pool is not part of our VGG.
        let side = Int(Double(firstInputs / max(lastWidth, 1)).squareRoot().rounded())
        guard side > 0, side * side * lastWidth == firstInputs else {
            throw ImportFailure("\(hiddenKeys.first ?? headKey).weight takes \(firstInputs) features, not a square map of the last convolution's \(lastWidth) channels")
        }
        let pools = items.filter { $0 == .pool }.count
        var trailing = 1  // every torchvision table ends with "M"
        if let inputSize {
            trailing = -1
            for t in 0...8 where inputSize == side << (pools + t) { trailing = t }
            guard trailing >= 0 else {
                throw ImportFailure("this VGG's classifier takes a \(side)×\(side) map, so its input is \(side << (pools + 1))×\(side << (pools + 1)), not \(inputSize)×\(inputSize)")
            }
        }
        items += Array(repeating: .pool, count: trailing)
        let size = side << (pools + trailing)
        let head: VGGSpec.Head = .classic(hidden: hidden, dropout: 0.5)
        let spec = try build(.vgg(VGGSpec(layers: items, batchNorm: batchNorm, head: head)),
                             channels: first.1[1], size: size, classes: classes)
        return StateDictArchitecture(spec: spec, naming: naming) { name in
            if name.hasPrefix("head.") { return headKey + "." + name.dropFirst("head.".count) }
            // Our classifier is Linear, ReLU, Dropout per hidden layer: classifier.3n.
            let parts = name.split(separator: ".", maxSplits: 2).map(String.init)
            if parts.count == 3, parts[0] == "classifier", let index = Int(parts[1]), index % 3 == 0, index / 3 < hiddenKeys.count {
                return hiddenKeys[index / 3] + "." + parts[2]
            }
            return name
        }
    }

    // MARK: Helpers

    /// The spec, named after the preset it equals (so `inspect` says "resnet50").
    static func build(_ family: ArchitectureSpec.Family, channels: Int, size: Int,
                              classes: Int) throws(ImportFailure) -> ArchitectureSpec {
        var spec = ArchitectureSpec(family: family, inputChannels: channels, inputHeight: size,
                                    inputWidth: size, classCount: classes)
        spec.preset = ArchitectureSpec.presetNames.first { name in
            guard var preset = try? ArchitectureSpec.preset(name, inputSize: size, channels: channels, classes: classes) else {
                return false
            }
            preset.preset = nil
            return preset == spec
        }
        do {
            try spec.validate()
        } catch {
            throw ImportFailure("the weights describe a network that cannot be built: \(error)")
        }
        return spec
    }

    static func shape(_ shapes: [String: [Int]], _ key: String, rank: Int) throws(ImportFailure) -> [Int] {
        guard let shape = shapes[key] else { throw ImportFailure("missing key \(key)") }
        guard shape.count == rank else {
            throw ImportFailure("\(key) has shape \(shape), expected \(rank) dimensions")
        }
        return shape
    }
}

/// Why an import failed, as the reason in `TrainingError.cannotImport`.
struct ImportFailure: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
