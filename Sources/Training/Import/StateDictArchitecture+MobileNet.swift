import NeuralEngine

/// MobileNetV2 state dicts: torchvision's `mobilenet_v2` names (`features.N.conv.…`,
/// `classifier.1`) and timm's `mobilenetv2_*` names (`conv_stem`, `blocks.S.J.conv_pw`,
/// `conv_head`, `classifier`), at any width.
///
/// Channels, expansions and repeats come from the shapes; strides are not in the weights,
/// so the stages must be the paper's seven (Table 2), whose strides are known.
extension StateDictArchitecture {
    static func isMobileNetV2(_ shapes: [String: [Int]]) -> Bool {
        shapes["features.1.conv.0.0.weight"] != nil || shapes["blocks.0.0.conv_dw.weight"] != nil
    }

    /// One inverted residual block as the weights describe it.
    private struct Block {
        var input: Int, hidden: Int, output: Int
        /// The source key prefix of each of our layers in the block (`conv.0.0` → its key).
        var keys: [String: String]
    }

    static func mobilenetV2(_ shapes: [String: [Int]], inputSize: Int?) throws(ImportFailure) -> StateDictArchitecture {
        let timm = shapes["conv_stem.weight"] != nil
        if timm, shapes.keys.contains(where: { $0.contains(".se.") }) {
            throw ImportFailure("this is a timm EfficientNet (its blocks have squeeze-and-excitation), which ImageClassifier cannot build yet")
        }
        let stemKey = timm ? "conv_stem" : "features.0.0"
        let stem = try shape(shapes, stemKey + ".weight", rank: 4)
        guard stem[2] == 3, stem[3] == 3 else {
            throw ImportFailure("\(stemKey).weight is \(stem[2])×\(stem[3]); MobileNetV2's stem is a 3×3 convolution")
        }
        let blocks = timm ? try timmBlocks(shapes, stemWidth: stem[0]) : try torchvisionBlocks(shapes, stemWidth: stem[0])

        // Consecutive blocks with the same output width form a stage (Table 2's rows all differ).
        var stages: [MobileNetV2Spec.Stage] = []
        for block in blocks {
            guard block.hidden % block.input == 0 else {
                throw ImportFailure("a block expands \(block.input) channels to \(block.hidden), not a whole multiple")
            }
            let expansion = block.hidden / block.input
            if let last = stages.last, last.channels == block.output, last.expansion == expansion {
                stages[stages.count - 1].repeats += 1
            } else {
                stages.append(MobileNetV2Spec.Stage(expansion: expansion, channels: block.output, repeats: 1, stride: 1))
            }
        }
        let standard = MobileNetV2Spec.standard.stages
        guard stages.map(\.repeats) == standard.map(\.repeats) else {
            throw ImportFailure("the blocks form stages of \(stages.map(\.repeats)) blocks; MobileNetV2 has \(standard.map(\.repeats)), and the strides of other layouts are not in the weights")
        }
        for index in stages.indices { stages[index].stride = standard[index].stride }

        let lastKey = timm ? "conv_head" : "features.\(blocks.count + 1).0"
        let last = try shape(shapes, lastKey + ".weight", rank: 4)
        let headKey = timm ? "classifier" : "classifier.1"
        let head = try shape(shapes, headKey + ".weight", rank: 2)
        let family = MobileNetV2Spec(stemWidth: stem[0], stages: stages, lastWidth: last[0],
                                     dropout: MobileNetV2Spec.standard.dropout)
        let spec = try build(.mobilenetV2(family), channels: stem[1], size: inputSize ?? 224, classes: head[0])

        // Our names are torchvision's but for the head; timm's differ layer by layer.
        var renamed: [String: String] = ["head": headKey]
        if timm {
            renamed["features.0.0"] = "conv_stem"
            renamed["features.0.1"] = "bn1"
            renamed["features.\(blocks.count + 1).0"] = "conv_head"
            renamed["features.\(blocks.count + 1).1"] = "bn2"
            for (index, block) in blocks.enumerated() {
                for (ours, theirs) in block.keys { renamed["features.\(index + 1).\(ours)"] = theirs }
            }
        }
        return StateDictArchitecture(spec: spec, naming: timm ? .timmMobileNetV2 : .torchvisionMobileNetV2) { name in
            guard let dot = name.lastIndex(of: ".") else { return name }
            let layer = String(name[..<dot])
            return renamed[layer].map { $0 + name[dot...] } ?? name
        }
    }

    /// `features.1…`: `conv.0.0` a depthwise filter (expansion 1), else `conv.0.0` the
    /// expansion and `conv.1.0` the depthwise filter; the projection after them.
    private static func torchvisionBlocks(_ shapes: [String: [Int]], stemWidth: Int) throws(ImportFailure) -> [Block] {
        var blocks: [Block] = []
        var channels = stemWidth
        while let first = shapes["features.\(blocks.count + 1).conv.0.0.weight"] {
            let prefix = "features.\(blocks.count + 1).conv"
            let expands = first[1] != 1
            let projection = try shape(shapes, "\(prefix).\(expands ? 2 : 1).weight", rank: 4)
            let hidden = first[0]
            guard first[1] == (expands ? channels : 1) else {
                throw ImportFailure("\(prefix).0.0.weight takes \(first[1]) channels; the block before gives \(channels)")
            }
            blocks.append(Block(input: channels, hidden: hidden, output: projection[0], keys: [:]))
            channels = projection[0]
        }
        guard !blocks.isEmpty else { throw ImportFailure("missing key features.1.conv.0.0.weight") }
        return blocks
    }

    /// `blocks.S.J`: `conv_dw`/`bn1`/`conv_pw`/`bn2` for the first (a depthwise-separable
    /// block), `conv_pw`/`bn1`/`conv_dw`/`bn2`/`conv_pwl`/`bn3` for the others.
    private static func timmBlocks(_ shapes: [String: [Int]], stemWidth: Int) throws(ImportFailure) -> [Block] {
        var blocks: [Block] = []
        var channels = stemWidth
        var stage = 0
        while shapes["blocks.\(stage).0.conv_dw.weight"] != nil {
            var index = 0
            while let dw = shapes["blocks.\(stage).\(index).conv_dw.weight"] {
                let prefix = "blocks.\(stage).\(index)"
                let hidden = dw[0]
                let keys: [String: String]
                let output: Int
                if shapes["\(prefix).conv_pwl.weight"] != nil {
                    output = try shape(shapes, "\(prefix).conv_pwl.weight", rank: 4)[0]
                    keys = ["conv.0.0": "\(prefix).conv_pw", "conv.0.1": "\(prefix).bn1", "conv.1.0": "\(prefix).conv_dw",
                            "conv.1.1": "\(prefix).bn2", "conv.2": "\(prefix).conv_pwl", "conv.3": "\(prefix).bn3"]
                } else {
                    output = try shape(shapes, "\(prefix).conv_pw.weight", rank: 4)[0]
                    guard hidden == channels else {
                        throw ImportFailure("\(prefix).conv_dw.weight filters \(hidden) channels; the block before gives \(channels)")
                    }
                    keys = ["conv.0.0": "\(prefix).conv_dw", "conv.0.1": "\(prefix).bn1", "conv.1": "\(prefix).conv_pw",
                            "conv.2": "\(prefix).bn2"]
                }
                blocks.append(Block(input: channels, hidden: hidden, output: output, keys: keys))
                channels = output
                index += 1
            }
            stage += 1
        }
        return blocks
    }
}
