import NeuralEngine

/// Which of our architectures a graph's operations are: a MobileNetV2 (depthwise
/// convolutions), a ResNet (stem, residual blocks, global pool, Dense) or a VGG (table of
/// 3×3 convolutions and pools, then a head), with its widths, depths or table read off
/// the weights. Geometry (strides, padding, kernel
/// sizes) is not checked here: `ONNXWeightAssignment` compares every operation with the
/// network this spec builds.
///
/// A graph whose BatchNorms were folded into the convolutions (torch.onnx's default in
/// eval mode) has no trace of them: a vgg11_bn exported that way reads as a vgg11, which
/// computes the same logits.
enum ONNXArchitectureRecognition {
    /// `input`: (C, H, W) of the graph's input, nil where symbolic (then 224, or the
    /// first convolution's input channels).
    static func spec(of operations: [ONNXOperation], input: [Int?], dropoutRate: Float?) throws -> ArchitectureSpec {
        guard case .dense(let headWeight, _, _)? = operations.last else {
            throw ONNXImportError("the graph does not end with a Gemm (or MatMul) giving the logits; its last operation is \(operations.last?.summary ?? "none")")
        }
        guard case .conv(let first)? = operations.first else {
            throw ONNXImportError("the graph does not start with a Conv; its first operation is \(operations.first?.summary ?? "none")")
        }
        let channels = input[0] ?? first.inChannels
        let height = input[1] ?? 224, width = input[2] ?? 224
        let family: ArchitectureSpec.Family
        if containsDepthwise(operations) {
            family = .mobilenetV2(try mobilenetV2(operations, stem: first, dropoutRate: dropoutRate ?? 0.2))
        } else if operations.contains(where: { if case .residual = $0 { return true } else { return false } }) {
            family = .resnet(try resnet(operations, stem: first))
        } else {
            family = .vgg(try vgg(operations, dropoutRate: dropoutRate ?? 0.5))
        }
        let classes = headWeight.shape[0]
        if height == width {
            for name in ArchitectureSpec.presetNames {
                if let preset = try? ArchitectureSpec.preset(name, inputSize: height, channels: channels, classes: classes),
                   preset.family == family {
                    return preset
                }
            }
        }
        let spec = ArchitectureSpec(family: family, inputChannels: channels, inputHeight: height,
                                    inputWidth: width, classCount: classes)
        do {
            try spec.validate()
        } catch {
            throw ONNXImportError("the graph reads as an architecture we cannot build: \(error)")
        }
        return spec
    }

    private static func resnet(_ operations: [ONNXOperation], stem: ONNXConvolution) throws -> ResNetSpec {
        let hasStemPool = operations.prefix(while: { if case .residual = $0 { return false } else { return true } })
            .contains { if case .maxPool = $0 { return true } else { return false } }
        var blockKind: ResNetSpec.Block?
        var widths: [Int] = [], depths: [Int] = []
        for operation in operations {
            guard case .residual(let body, _, _, let node) = operation else { continue }
            let convolutions = body.compactMap { if case .conv(let c) = $0 { return c } else { return nil } }
            let kind: ResNetSpec.Block
            switch convolutions.count {
            case 2: kind = .basic
            case 3: kind = .bottleneck
            default:
                throw ONNXImportError("the residual block ending at Add node '\(node)' has \(convolutions.count) convolutions; a basic block has 2, a bottleneck 3")
            }
            guard blockKind == nil || blockKind == kind else {
                throw ONNXImportError("the residual block ending at Add node '\(node)' is a \(kind) block among \(blockKind!) blocks")
            }
            blockKind = kind
            // A new stage starts with the first block and with every block that downsamples.
            if widths.isEmpty || convolutions.contains(where: { $0.stride != 1 }) {
                widths.append(convolutions[0].outChannels)
                depths.append(0)
            }
            depths[depths.count - 1] += 1
        }
        return ResNetSpec(stem: hasStemPool ? .imagenet : .cifar, stemWidth: stem.outChannels,
                          block: blockKind ?? .basic, widths: widths, depths: depths)
    }

    private static func containsDepthwise(_ operations: [ONNXOperation]) -> Bool {
        operations.contains { operation in
            switch operation {
            case .conv(let conv): return conv.depthwise
            case .residual(let body, _, _, _): return containsDepthwise(body)
            default: return false
            }
        }
    }

    /// The stem (Conv, Clip), then blocks, each ending at a Conv with no activation after
    /// it (the linear projection) or at a residual Add; then the last Conv and Clip, the
    /// global pool and the head. Strides are read off each block's depthwise Conv.
    private static func mobilenetV2(_ operations: [ONNXOperation], stem: ONNXConvolution,
                                    dropoutRate: Float) throws -> MobileNetV2Spec {
        struct Block { var input: Int, hidden: Int, output: Int, stride: Int }
        var blocks: [Block] = []
        var pending: [ONNXConvolution] = []
        var channels = stem.outChannels
        func close(_ convolutions: [ONNXConvolution], at node: String) throws {
            guard let depthwise = convolutions.first(where: \.depthwise), let projection = convolutions.last,
                  !projection.depthwise, convolutions.count <= 3 else {
                throw ONNXImportError("the block ending at node '\(node)' is not an inverted residual block (an optional 1×1 expansion, a depthwise Conv, a 1×1 projection)")
            }
            guard depthwise.outChannels % channels == 0 else {
                throw ONNXImportError("Conv node '\(depthwise.node)' filters \(depthwise.outChannels) channels, not a whole multiple of the block's \(channels) inputs")
            }
            blocks.append(Block(input: channels, hidden: depthwise.outChannels, output: projection.outChannels,
                                stride: depthwise.stride))
            channels = projection.outChannels
        }
        // operations[0] is the stem, [1] its Clip; the last four the final Conv, its Clip,
        // the pool and the head.
        guard operations.count > 6 else { throw ONNXImportError("the graph is too short for a MobileNetV2") }
        let body = operations[2..<(operations.count - 4)]
        for (offset, operation) in body.enumerated() {
            switch operation {
            case .conv(let conv):
                pending.append(conv)
                let next = body.dropFirst(offset + 1).first
                if conv.depthwise { continue }
                if case .relu6? = next { continue }
                try close(pending, at: conv.node)
                pending = []
            case .relu6:
                continue
            case .residual(let operations, let shortcut, let activation, let node):
                guard pending.isEmpty, shortcut == nil, !activation else {
                    throw ONNXImportError("the residual block ending at Add node '\(node)' is not a MobileNetV2 block (identity shortcut, no Relu after the sum)")
                }
                try close(operations.compactMap { if case .conv(let c) = $0 { return c } else { return nil } }, at: node)
            default:
                throw ONNXImportError("\(operation.summary) has no place in a MobileNetV2's blocks")
            }
        }
        guard pending.isEmpty, case .conv(let last) = operations[operations.count - 4] else {
            throw ONNXImportError("the graph does not end its MobileNetV2 blocks with a 1×1 Conv before the pool")
        }
        var stages: [MobileNetV2Spec.Stage] = []
        for block in blocks {
            let expansion = block.hidden / block.input
            if let stage = stages.last, stage.channels == block.output, stage.expansion == expansion, block.stride == 1 {
                stages[stages.count - 1].repeats += 1
            } else {
                stages.append(MobileNetV2Spec.Stage(expansion: expansion, channels: block.output, repeats: 1,
                                                    stride: block.stride))
            }
        }
        return MobileNetV2Spec(stemWidth: stem.outChannels, stages: stages, lastWidth: last.outChannels, dropout: dropoutRate)
    }

    private static func vgg(_ operations: [ONNXOperation], dropoutRate: Float) throws -> VGGSpec {
        var layers: [VGGSpec.Item] = []
        var batchNorm: Bool?
        var index = 0
        loop: while index < operations.count {
            switch operations[index] {
            case .conv(let conv):
                let normalised = conv.batchNorm != nil
                guard batchNorm == nil || batchNorm == normalised else {
                    throw ONNXImportError("Conv node '\(conv.node)' is \(normalised ? "" : "not ")followed by a BatchNormalization, unlike the convolutions before it")
                }
                batchNorm = normalised
                layers.append(.conv(conv.outChannels))
            case .maxPool:
                layers.append(.pool)
            case .relu:
                break
            default:
                break loop
            }
            index += 1
        }
        let head = Array(operations[index...])
        if head.count == 2, case .globalAveragePool = head[0] {
            return VGGSpec(layers: layers, batchNorm: batchNorm ?? false, head: .globalAveragePool)
        }
        guard case .flatten? = head.first else {
            throw ONNXImportError("after the convolutions comes \(head.first?.summary ?? "nothing"); a VGG head starts with a Flatten or a GlobalAveragePool")
        }
        // Flatten, then (Dense, Relu) per hidden width, then the Dense to the classes.
        let hidden = head.dropFirst().dropLast().compactMap { operation -> Int? in
            if case .dense(let weight, _, _) = operation { return weight.shape[0] } else { return nil }
        }
        return VGGSpec(layers: layers, batchNorm: batchNorm ?? false, head: .classic(hidden: hidden, dropout: dropoutRate))
    }
}
