import Foundation
import NeuralEngine
import ONNXFormat
import Testing
@testable import Training

/// `ONNXImport.read` against PyTorch: torchvision's models exported by torch.onnx (the
/// BatchNorms folded into the convolutions, or kept), imported, built and run by us,
/// must give torch's logits on the same images.
@Suite(.serialized) struct ONNXImportTests {
    struct TorchCase: CustomTestStringConvertible, Sendable {
        var model: String
        var opset: Int
        /// torch.onnx.TrainingMode.PRESERVE without constant folding: BatchNormalization stays.
        var keepsBatchNorm: Bool
        /// Ours: a folded vgg11_bn has no BatchNorm left and is a vgg11, with the same logits.
        var preset: String
        var classes = 10
        var testDescription: String { "\(model), opset \(opset)\(keepsBatchNorm ? ", BatchNorm kept" : ""), \(classes) classes" }
    }

    static let torchCases: [TorchCase] = [
        TorchCase(model: "resnet18", opset: 17, keepsBatchNorm: false, preset: "resnet18"),
        TorchCase(model: "resnet50", opset: 17, keepsBatchNorm: false, preset: "resnet50"),
        TorchCase(model: "vgg11_bn", opset: 17, keepsBatchNorm: false, preset: "vgg11"),
        TorchCase(model: "resnet18", opset: 13, keepsBatchNorm: true, preset: "resnet18"),
        TorchCase(model: "vgg11_bn", opset: 13, keepsBatchNorm: true, preset: "vgg11-bn"),
        TorchCase(model: "resnet34", opset: 17, keepsBatchNorm: false, preset: "resnet34", classes: 1000),
        TorchCase(model: "vgg16", opset: 17, keepsBatchNorm: false, preset: "vgg16", classes: 1000),
        // Depthwise Convs (group = channels), Clip for ReLU6, residual Adds without a Relu.
        TorchCase(model: "mobilenet_v2", opset: 17, keepsBatchNorm: false, preset: "mobilenet-v2", classes: 1000),
        TorchCase(model: "mobilenet_v2", opset: 13, keepsBatchNorm: true, preset: "mobilenet-v2"),
    ]

    /// Builds the torchvision model with seed 0, random BatchNorm statistics, in eval mode;
    /// writes the ONNX file, two 224×224 images and torch's logits as float32.
    static let torchScript = """
    import sys, torch, torchvision
    name, opset, keep, classes, directory = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", int(sys.argv[4]), sys.argv[5]
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None, num_classes=classes)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 2)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
    model.eval()
    x = torch.rand(2, 3, 224, 224) * 2 - 1
    extra = dict(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False) if keep else {}
    torch.onnx.export(model, x, directory + "/model.onnx", opset_version=opset, **extra)
    with torch.no_grad():
        logits = model(x)
    x.numpy().tofile(directory + "/input")
    logits.numpy().tofile(directory + "/logits")
    """

    @Test(.enabled(if: ONNXTestSupport.hasTorch, "/usr/bin/python3 with torch and torchvision is not installed"),
          arguments: torchCases)
    func torchvisionModelsGiveTorchsLogits(_ item: TorchCase) throws {
        let directory = TestSupport.temporaryDirectory("\(item.model)\(item.opset)")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try ONNXTestSupport.python([ONNXTestSupport.torchPython], Self.torchScript,
                                       [item.model, String(item.opset), item.keepsBatchNorm ? "1" : "0", String(item.classes), directory.path])
        let imported = try ONNXImport.read(contentsOf: directory.appendingPathComponent("model.onnx"))
        #expect(imported.spec.preset == item.preset)
        #expect(imported.spec.classCount == item.classes && imported.spec.inputHeight == 224 && imported.spec.inputChannels == 3)
        #expect(imported.format.hasPrefix("ONNX (opset \(item.opset), producer pytorch 1.13"), "\(imported.format)")

        let network = try buildNetwork(imported.spec, seed: 1)
        try LoadedModel(path: "imported", metadata: ONNXTestSupport.metadata(for: imported.spec), tensors: imported.tensors,
                        sha256: "", byteCount: 0).apply(to: network)
        let input = try ONNXTestSupport.readFloats(directory.appendingPathComponent("input"), shape: [2, 3, 224, 224])
        let reference = try ONNXTestSupport.readFloats(directory.appendingPathComponent("logits"), shape: [2, item.classes])
        let difference = ONNXTestSupport.relativeDifference(network.forward(input, training: false), reference)
        #expect(difference <= 1e-4, "logits differ by \(difference) of the largest")
    }

    /// Our exporter's graphs keep every BatchNorm, so every preset comes back as itself
    /// with the very same tensors.
    @Test func everyPresetWeExportImportsBackToTheSameTensors() throws {
        let directory = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (index, name) in ArchitectureSpec.presetNames.enumerated() {
            let spec = try ArchitectureSpec.preset(name, inputSize: 32, channels: index % 2 == 0 ? 3 : 1, classes: 4)
            let network = try ONNXTestSupport.randomNetwork(spec, seed: UInt64(index + 20))
            let model = directory.appendingPathComponent("\(name).safetensors")
            let onnx = directory.appendingPathComponent("\(name).onnx")
            try ModelFile.save(network: network, metadata: ONNXTestSupport.metadata(for: spec), to: model)
            try ONNXExport.export(modelPath: model.path, to: onnx.path)
            let imported = try ONNXImport.read(contentsOf: onnx)
            #expect(imported.spec == spec, "\(name)")
            #expect(imported.format == "ONNX (opset 17, producer ImageClassifier)")
            let expected = Dictionary(uniqueKeysWithValues: network.namedParameters().map { ($0.name, $0.parameter.value) })
            #expect(imported.tensors == expected, "\(name): tensors differ")
            if name == "resnet18" || name == "vgg11-bn" {
                let rebuilt = try buildNetwork(imported.spec, seed: 99)
                try LoadedModel(path: name, metadata: ONNXTestSupport.metadata(for: spec), tensors: imported.tensors,
                                sha256: "", byteCount: 0).apply(to: rebuilt)
                let input = ONNXTestSupport.randomInput(spec, count: 2, seed: 5)
                #expect(rebuilt.forward(input, training: false) == network.forward(input, training: false), "\(name)")
            }
            try FileManager.default.removeItem(at: model)
            try FileManager.default.removeItem(at: onnx)
        }
    }
}
