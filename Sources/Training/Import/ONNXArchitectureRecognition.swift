import NeuralEngine

/// Which of our architectures a graph's operations are: a ResNet (stem, residual blocks,
/// global pool, Dense) or a VGG (table of 3×3 convolutions and pools, then a head), with
/// its widths, depths or table read off the weights. Geometry (strides, padding, kernel
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
        if operations.contains(where: { if case .residual = $0 { return true } else { return false } }) {
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
            guard case .residual(let body, _, let node) = operation else { continue }
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
