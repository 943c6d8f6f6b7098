import Foundation
import Testing
@testable import NeuralEngine

@Suite struct ArchitectureSpecTests {
    @Test func resnet18ParameterCountMatchesTorchvision() throws {
        let spec = try ArchitectureSpec.preset("resnet18", inputSize: 224, channels: 3, classes: 1000)
        #expect(spec.parameterCount == 11_689_512)
        let network = try buildNetwork(spec, seed: 1)
        #expect(network.trainableParameterCount == 11_689_512)
    }

    @Test func resnet50ParameterCountMatchesTorchvision() throws {
        let spec = try ArchitectureSpec.preset("resnet50", inputSize: 224, channels: 3, classes: 1000)
        #expect(spec.parameterCount == 25_557_032)
        let network = try buildNetwork(spec, seed: 1)
        #expect(network.trainableParameterCount == 25_557_032)
    }

    /// torchvision's `mobilenet_v2()`: 3,504,872 parameters, and its layer names.
    @Test func mobilenetV2MatchesTorchvisionsCountAndNames() throws {
        let spec = try ArchitectureSpec.preset("mobilenet-v2", inputSize: 224, channels: 3, classes: 1000)
        #expect(spec.parameterCount == 3_504_872)
        let network = try buildNetwork(spec, seed: 1)
        #expect(network.trainableParameterCount == 3_504_872)
        let names = Set(network.namedParameters().map(\.name))
        for expected in ["features.0.0.weight", "features.0.1.running_var", "features.1.conv.0.0.weight",
                         "features.1.conv.1.weight", "features.1.conv.2.bias", "features.2.conv.0.0.weight",
                         "features.2.conv.1.0.weight", "features.17.conv.3.weight", "features.18.0.weight",
                         "features.18.1.bias", "head.weight"] {
            #expect(names.contains(expected), "\(expected)")
        }
        #expect(network.outputShape(for: [1, 3, 224, 224]) == [1, 1000])
        // 300 M multiply-adds at 224 (Sandler et al. 2018, Table 4).
        #expect((290_000_000...320_000_000).contains(spec.flopsPerImage / 2))
    }

    @Test func resnet34CountMatchesTorchvision() throws {
        #expect(try ArchitectureSpec.preset("resnet34", inputSize: 224, channels: 3, classes: 1000).parameterCount == 21_797_672)
    }

    /// torchvision's VGG counts (classic 4096-4096 head at 224), counted from shapes only:
    /// allocating them would take half a gigabyte each.
    @Test(arguments: [
        ("vgg11", 132_863_336), ("vgg11-bn", 132_868_840), ("vgg13", 133_047_848),
        ("vgg13-bn", 133_053_736), ("vgg16", 138_357_544), ("vgg16-bn", 138_365_992),
    ])
    func vggParameterCountsMatchTorchvision(name: String, expected: Int) throws {
        #expect(try ArchitectureSpec.preset(name, inputSize: 224, channels: 3, classes: 1000).parameterCount == expected)
    }

    @Test(arguments: ArchitectureSpec.presetNames)
    func countFromShapesEqualsAllocatedNetwork(name: String) throws {
        let size = ["simple-cnn", "resnet20", "resnet32", "resnet56"].contains(name) ? 16 : 32
        let spec = try ArchitectureSpec.preset(name, inputSize: size, channels: 1, classes: 7)
        let network = try buildNetwork(spec, seed: 3)
        #expect(network.trainableParameterCount == spec.parameterCount)
        #expect(network.outputShape(for: spec.inputShape(batchSize: 2)) == [2, 7])
    }

    @Test func cifarResNetsHaveSixNPlusTwoLayers() throws {
        for (name, blocks) in [("resnet20", 3), ("resnet32", 5), ("resnet56", 9)] {
            let spec = try ArchitectureSpec.preset(name, inputSize: 32, channels: 3, classes: 10)
            let table = try spec.layerTable()
            let weighted = table.filter { $0.type.hasPrefix("conv") && !$0.name.contains("shortcut") || $0.type.hasPrefix("dense") }
            #expect(weighted.count == 6 * blocks + 2, "\(name)")
        }
        // He et al.'s resnet20 has 0.27 M parameters (269,722 with parameter-free shortcuts);
        // the two 1×1 projections with their BatchNorms add 16·32 + 64 + 32·64 + 128 = 2,752.
        #expect(try ArchitectureSpec.preset("resnet20", inputSize: 32, channels: 3, classes: 10).parameterCount == 269_722 + 2_752)
    }

    @Test func parameterNamesFollowTheContract() throws {
        let resnet = try buildNetwork(ArchitectureSpec.preset("resnet18", inputSize: 32, channels: 3, classes: 4), seed: 1)
        let names = Set(resnet.namedParameters().map(\.name))
        for expected in ["stem.conv.weight", "stem.bn.weight", "stem.bn.running_mean", "stage1.block0.conv1.weight",
                         "stage1.block0.bn1.bias", "stage2.block0.shortcut.0.weight", "stage2.block0.shortcut.1.running_var",
                         "stage4.block1.conv2.weight", "head.weight", "head.bias"] {
            #expect(names.contains(expected), "\(expected)")
        }
        #expect(!names.contains("stage1.block0.shortcut.0.weight"))   // identity where the shape is kept
        let vgg = try buildNetwork(ArchitectureSpec.preset("vgg11-bn", inputSize: 32, channels: 3, classes: 4), seed: 1)
        let vggNames = vgg.namedParameters().map(\.name)
        #expect(vggNames.first == "features.0.weight")
        #expect(vggNames.contains("features.1.running_mean"))
        #expect(vggNames.contains("classifier.0.weight") && vggNames.contains("classifier.3.weight"))
        #expect(vggNames.suffix(2) == ["head.weight", "head.bias"])
    }

    @Test func lastBatchNormOfEachBlockStartsAtZeroUnlessAskedNotTo() throws {
        let spec = try ArchitectureSpec.preset("resnet50", inputSize: 32, channels: 3, classes: 4)
        let zeroed = try buildNetwork(spec, seed: 1)
        let plain = try buildNetwork(spec, seed: 1, zeroInitResidualGamma: false)
        for (name, parameter) in zeroed.namedParameters() where name.hasSuffix("bn3.weight") {
            #expect(parameter.value.scalars.allSatisfy { $0 == 0 }, "\(name)")
        }
        for (name, parameter) in zeroed.namedParameters() where name.hasSuffix("bn1.weight") {
            #expect(parameter.value.scalars.allSatisfy { $0 == 1 }, "\(name)")
        }
        #expect(plain.namedParameters().filter { $0.name.hasSuffix("bn3.weight") }
            .allSatisfy { $0.parameter.value.scalars.allSatisfy { $0 == 1 } })
    }

    @Test func unknownPresetNamesTheKnownOnes() {
        #expect(throws: ArchitectureError.unknownPreset("resnet19", known: ArchitectureSpec.presetNames)) {
            try ArchitectureSpec.preset("resnet19", inputSize: 32, channels: 3, classes: 2)
        }
        let message = ArchitectureError.unknownPreset("resnet19", known: ArchitectureSpec.presetNames).description
        #expect(message.contains("resnet18") && message.contains("simple-cnn"))
    }

    @Test func badChannelsClassesAndSizesAreRefused() {
        #expect(throws: ArchitectureError.invalidChannels(2)) {
            try ArchitectureSpec.preset("resnet18", inputSize: 64, channels: 2, classes: 3)
        }
        #expect(throws: ArchitectureError.invalidClassCount(1)) {
            try ArchitectureSpec.preset("resnet18", inputSize: 64, channels: 3, classes: 1)
        }
        #expect(throws: ArchitectureError.invalidInputSize(height: 0, width: 0)) {
            try ArchitectureSpec.preset("simple-cnn", inputSize: 0, channels: 3, classes: 3)
        }
    }

    @Test func tooSmallInputSaysWhichLayerAndTheSmallestSize() throws {
        do {
            _ = try ArchitectureSpec.preset("vgg11", inputSize: 16, channels: 3, classes: 3)
            Issue.record("a 16×16 input cannot go through five 2×2 pools")
        } catch let error as ArchitectureError {
            guard case .inputTooSmall(_, 16, 16, let layer, let minimum) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(layer == "features.20")   // the fifth pool
            #expect(minimum == 32)
        }
    }

    @Test func resnet18At32NeedsTwoImagesPerTrainingBatchForItsOneByOneBatchNorms() throws {
        let spec = try ArchitectureSpec.preset("resnet18", inputSize: 32, channels: 3, classes: 10)
        #expect(spec.minimumTrainingBatchSize == 2)
        let smallest = try #require(spec.smallestBatchNormMap())
        #expect(smallest.layer.hasPrefix("stage4."))
        #expect(smallest.height == 1 && smallest.width == 1)
        let larger = try #require(spec.minimumInputSizeForSingleImageBatches())
        #expect(larger > 32)
        #expect(try ArchitectureSpec.preset("resnet18", inputSize: larger, channels: 3, classes: 10).minimumTrainingBatchSize == 1)
        #expect(try ArchitectureSpec.preset("resnet18", inputSize: larger - 1, channels: 3, classes: 10).minimumTrainingBatchSize == 2)
    }

    @Test(arguments: [("resnet20", 32), ("resnet18", 64), ("vgg11-bn", 32), ("simple-cnn", 16)])
    func networksWhoseBatchNormsSeeMoreThanOnePixelTrainOnSingleImages(preset: String, size: Int) throws {
        let spec = try ArchitectureSpec.preset(preset, inputSize: size, channels: 3, classes: 10)
        #expect(spec.minimumTrainingBatchSize == 1)
        if preset == "simple-cnn" { #expect(spec.smallestBatchNormMap() == nil) }
    }

    @Test func specSurvivesJSONRoundTrip() throws {
        for name in ArchitectureSpec.presetNames {
            let spec = try ArchitectureSpec.preset(name, inputSize: 64, channels: 3, classes: 5)
            let data = try JSONEncoder().encode(spec)
            #expect(try JSONDecoder().decode(ArchitectureSpec.self, from: data) == spec)
        }
    }

    @Test func invalidSpecFromAFileIsRefusedBeforeAllocating() {
        let spec = ArchitectureSpec(family: .resnet(ResNetSpec(stem: .cifar, stemWidth: 16, block: .basic,
                                                               widths: [16, 32], depths: [2])),
                                    inputChannels: 3, inputHeight: 32, inputWidth: 32, classCount: 10)
        #expect(throws: ArchitectureError.self) { try buildNetwork(spec, seed: 1) }
        let huge = ArchitectureSpec(family: .vgg(VGGSpec(layers: [.conv(64)], batchNorm: false,
                                                         head: .classic(hidden: [100_000], dropout: 0.5))),
                                    inputChannels: 3, inputHeight: 4096, inputWidth: 4096, classCount: 10)
        #expect(throws: ArchitectureError.self) { try buildNetwork(huge, seed: 1) }
    }

    @Test func layerTableAddsUpAndCountsResnet18Flops() throws {
        let spec = try ArchitectureSpec.preset("resnet18", inputSize: 224, channels: 3, classes: 1000)
        let table = try spec.layerTable()
        #expect(table.reduce(0) { $0 + $1.parameterCount } == 11_689_512)
        // 1.814 G multiply-adds (torchvision's documented 1.81 GFLOPS counts multiply-adds).
        #expect(abs(Double(spec.flopsPerImage) / 2 - 1.814e9) < 0.01e9)
        #expect(table.first { $0.name == "stem.pool" }?.outputShape == [64, 56, 56])
        #expect(table.first { $0.name == "stage4.block1" }?.outputShape == [512, 7, 7])
        #expect(table.last?.name == "head" && table.last?.outputShape == [1000])
        let text = try spec.describeLayers()
        #expect(text.contains("stage2.block0.shortcut.0") && text.contains("11,689,512"))
    }
}
