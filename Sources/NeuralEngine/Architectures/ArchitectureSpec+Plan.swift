/// Turning a spec into a `LayerPlan`: the one place that knows how a VGG table
/// or a ResNet stage list becomes layers and names.
///
/// Names follow torchvision where it has them (`features.0`, `stage1.block0.conv1`,
/// `…shortcut.0` for the projection), and the last Dense layer is always `head`
/// so that transfer learning can replace it by name.
extension ArchitectureSpec {
    /// The top-level members, in order; the last one is always ("head", .dense).
    func plan(zeroInitResidualGamma: Bool = true) -> [(name: String, plan: LayerPlan)] {
        switch family {
        case .vgg(let vgg): return vggPlan(vgg)
        case .resnet(let resnet): return resnetPlan(resnet, zeroGamma: zeroInitResidualGamma)
        case .mobilenetV2(let mobilenet): return mobilenetV2Plan(mobilenet, zeroGamma: zeroInitResidualGamma)
        }
    }

    private func vggPlan(_ vgg: VGGSpec) -> [(name: String, plan: LayerPlan)] {
        var features: [(name: String, plan: LayerPlan)] = []
        var shape = [inputChannels, inputHeight, inputWidth]
        func add(_ plan: LayerPlan) {
            features.append((String(features.count), plan))
            shape = plan.outputShape(for: shape)
        }
        for item in vgg.layers {
            switch item {
            case .conv(let channels):
                // torchvision keeps the convolution bias even before BatchNorm;
                // kept here too so parameter counts match its vgg*_bn.
                add(.conv(inChannels: shape[0], outChannels: channels, kernelSize: 3, stride: 1, padding: 1, bias: true))
                if vgg.batchNorm { add(.batchNorm(channels: channels, zeroGamma: false)) }
                add(.relu)
            case .pool:
                add(.maxPool(kernelSize: 2, stride: 2, padding: 0))
            }
        }
        var result: [(name: String, plan: LayerPlan)] = [("features", .sequence(features))]
        switch vgg.head {
        case .globalAveragePool:
            result.append(("pool", .globalAveragePool))
            result.append(("head", .dense(inFeatures: shape[0], outFeatures: classCount)))
        case .classic(let hidden, let dropout):
            result.append(("flatten", .flatten))
            var width = shape.reduce(1, *)
            var classifier: [(name: String, plan: LayerPlan)] = []
            for next in hidden {
                // Indexed as torchvision's `classifier`: Linear, ReLU, Dropout, …
                classifier.append((String(classifier.count), .dense(inFeatures: width, outFeatures: next)))
                classifier.append((String(classifier.count), .relu))
                classifier.append((String(classifier.count), .dropout(rate: dropout)))
                width = next
            }
            if !classifier.isEmpty { result.append(("classifier", .sequence(classifier))) }
            result.append(("head", .dense(inFeatures: width, outFeatures: classCount)))
        }
        return result
    }

    private func resnetPlan(_ resnet: ResNetSpec, zeroGamma: Bool) -> [(name: String, plan: LayerPlan)] {
        var result: [(name: String, plan: LayerPlan)] = []
        switch resnet.stem {
        case .imagenet:
            result.append(("stem", .sequence([
                ("conv", .conv(inChannels: inputChannels, outChannels: resnet.stemWidth, kernelSize: 7, stride: 2, padding: 3, bias: false)),
                ("bn", .batchNorm(channels: resnet.stemWidth, zeroGamma: false)),
                ("relu", .relu),
                ("pool", .maxPool(kernelSize: 3, stride: 2, padding: 1)),
            ])))
        case .cifar:
            result.append(("stem", .sequence([
                ("conv", .conv(inChannels: inputChannels, outChannels: resnet.stemWidth, kernelSize: 3, stride: 1, padding: 1, bias: false)),
                ("bn", .batchNorm(channels: resnet.stemWidth, zeroGamma: false)),
                ("relu", .relu),
            ])))
        }
        var channels = resnet.stemWidth
        for (index, (width, depth)) in zip(resnet.widths, resnet.depths).enumerated() {
            var blocks: [(name: String, plan: LayerPlan)] = []
            for blockIndex in 0..<depth {
                let stride = index > 0 && blockIndex == 0 ? 2 : 1
                let (block, out) = resnetBlock(resnet.block, in: channels, width: width, stride: stride, zeroGamma: zeroGamma)
                blocks.append(("block\(blockIndex)", block))
                channels = out
            }
            result.append(("stage\(index + 1)", .sequence(blocks)))
        }
        result.append(("pool", .globalAveragePool))
        result.append(("head", .dense(inFeatures: channels, outFeatures: classCount)))
        return result
    }

    private func resnetBlock(_ kind: ResNetSpec.Block, in channels: Int, width: Int, stride: Int,
                             zeroGamma: Bool) -> (LayerPlan, Int) {
        func conv(_ i: Int, _ o: Int, _ k: Int, _ s: Int) -> LayerPlan {
            .conv(inChannels: i, outChannels: o, kernelSize: k, stride: s, padding: k / 2, bias: false)
        }
        let body: [(name: String, plan: LayerPlan)]
        let out: Int
        switch kind {
        case .basic:
            out = width
            body = [
                ("conv1", conv(channels, width, 3, stride)), ("bn1", .batchNorm(channels: width, zeroGamma: false)), ("relu1", .relu),
                ("conv2", conv(width, width, 3, 1)), ("bn2", .batchNorm(channels: width, zeroGamma: zeroGamma)),
            ]
        case .bottleneck:
            // Stride on the 3×3 (torchvision's "ResNet v1.5"), not on the first 1×1 as in He et al.
            out = 4 * width
            body = [
                ("conv1", conv(channels, width, 1, 1)), ("bn1", .batchNorm(channels: width, zeroGamma: false)), ("relu1", .relu),
                ("conv2", conv(width, width, 3, stride)), ("bn2", .batchNorm(channels: width, zeroGamma: false)), ("relu2", .relu),
                ("conv3", conv(width, out, 1, 1)), ("bn3", .batchNorm(channels: out, zeroGamma: zeroGamma)),
            ]
        }
        // Projection shortcut (He et al. 2015, option B) only where the shape changes.
        let shortcut: [(name: String, plan: LayerPlan)]? = stride != 1 || channels != out
            ? [("0", conv(channels, out, 1, stride)), ("1", .batchNorm(channels: out, zeroGamma: false))]
            : nil
        return (.residual(body: body, shortcut: shortcut, activation: true), out)
    }

    /// torchvision's layout and names: `features.0` the stem (conv, BN, ReLU6),
    /// `features.1…` the inverted residual blocks, each a `conv` sequence numbered as
    /// torchvision's (`features.2.conv.1.0` the depthwise convolution), the last feature
    /// layer a 1×1 convolution, then pooling, dropout and the head.
    private func mobilenetV2Plan(_ spec: MobileNetV2Spec, zeroGamma: Bool) -> [(name: String, plan: LayerPlan)] {
        func convBNReLU6(_ i: Int, _ o: Int, kernel: Int, stride: Int) -> LayerPlan {
            .sequence([
                ("0", .conv(inChannels: i, outChannels: o, kernelSize: kernel, stride: stride, padding: kernel / 2, bias: false)),
                ("1", .batchNorm(channels: o, zeroGamma: false)),
                ("2", .relu6),
            ])
        }
        var features: [(name: String, plan: LayerPlan)] = [("0", convBNReLU6(inputChannels, spec.stemWidth, kernel: 3, stride: 2))]
        var channels = spec.stemWidth
        for stage in spec.stages {
            for index in 0..<stage.repeats {
                let stride = index == 0 ? stage.stride : 1
                let hidden = channels * stage.expansion
                // The block adds its input back only where the shapes agree (§3.3, Figure 4).
                let residual = stride == 1 && channels == stage.channels
                var layers: [(name: String, plan: LayerPlan)] = []
                if stage.expansion != 1 {
                    layers.append((String(layers.count), convBNReLU6(channels, hidden, kernel: 1, stride: 1)))
                }
                layers.append((String(layers.count), .sequence([
                    ("0", .depthwiseConv(channels: hidden, kernelSize: 3, stride: stride, padding: 1, bias: false)),
                    ("1", .batchNorm(channels: hidden, zeroGamma: false)),
                    ("2", .relu6),
                ])))
                // The linear bottleneck: no activation after the projection (§3.2).
                layers.append((String(layers.count), .conv(inChannels: hidden, outChannels: stage.channels, kernelSize: 1,
                                                           stride: 1, padding: 0, bias: false)))
                layers.append((String(layers.count), .batchNorm(channels: stage.channels, zeroGamma: residual && zeroGamma)))
                let body: [(name: String, plan: LayerPlan)] = [("conv", .sequence(layers))]
                features.append((String(features.count),
                                 residual ? .residual(body: body, shortcut: nil, activation: false) : .sequence(body)))
                channels = stage.channels
            }
        }
        features.append((String(features.count), convBNReLU6(channels, spec.lastWidth, kernel: 1, stride: 1)))
        return [
            ("features", .sequence(features)),
            ("pool", .globalAveragePool),
            ("dropout", .dropout(rate: spec.dropout)),
            ("head", .dense(inFeatures: spec.lastWidth, outFeatures: classCount)),
        ]
    }
}
