import Foundation
import NeuralEngine
import ONNXFormat
import Testing
@testable import Training

/// `classifier-train export`: onnxruntime, an independent implementation of every
/// operator, must give our logits for every preset from the exported graph.
@Suite(.serialized) struct ONNXExportTests {
    /// Every preset at the smallest input it takes (at least 32), saved as a model file,
    /// exported, run by onnxruntime on the same two images.
    @Test(.enabled(if: ONNXTestSupport.hasONNXRuntime, "python3 with onnx and onnxruntime is not installed"))
    func onnxruntimeGivesOurLogitsForEveryPreset() throws {
        let directory = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var expected: [(name: String, logits: Tensor, output: URL)] = []
        var jobs: [String] = []
        for (index, name) in ArchitectureSpec.presetNames.enumerated() {
            let probe = try ArchitectureSpec.preset(name, inputSize: 224, channels: 3, classes: 7)
            let size = max(probe.minimumInputSize() ?? 32, 32)
            let spec = try ArchitectureSpec.preset(name, inputSize: size, channels: 3, classes: 7)
            let network = try ONNXTestSupport.randomNetwork(spec, seed: UInt64(index + 1))
            let model = directory.appendingPathComponent("\(name).safetensors")
            try ModelFile.save(network: network, metadata: ONNXTestSupport.metadata(for: spec), to: model)
            let onnx = directory.appendingPathComponent("\(name).onnx")
            try ONNXExport.export(modelPath: model.path, to: onnx.path)
            try FileManager.default.removeItem(at: model)

            let input = ONNXTestSupport.randomInput(spec, count: 2, seed: UInt64(100 + index))
            let inputFile = directory.appendingPathComponent("\(name).input")
            try ONNXTestSupport.writeFloats(input, to: inputFile)
            let output = directory.appendingPathComponent("\(name).logits")
            expected.append((name, network.forward(input, training: false), output))
            jobs += [onnx.path, inputFile.path, output.path, "\(size)"]
        }
        let script = """
        import sys, numpy as np, onnx, onnxruntime as ort
        args = sys.argv[1:]
        for i in range(0, len(args), 4):
            path, inp, out, size = args[i:i + 4]
            model = onnx.load(path)
            onnx.checker.check_model(model)
            dims = model.graph.input[0].type.tensor_type.shape.dim
            assert dims[0].dim_param and not dims[0].dim_value, "the batch dimension is not symbolic"
            assert model.opset_import[0].version == 17 and model.producer_name == "ImageClassifier"
            x = np.fromfile(inp, dtype=np.float32).reshape(2, 3, int(size), int(size))
            session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            assert [o.name for o in session.get_outputs()] == ["logits"]
            session.run(["logits"], {"input": x})[0].astype(np.float32).tofile(out)
        """
        _ = try ONNXTestSupport.python(["/usr/bin/env", "python3"], script, jobs)
        for (name, ours, output) in expected {
            let reference = try ONNXTestSupport.readFloats(output, shape: ours.shape)
            let difference = ONNXTestSupport.relativeDifference(ours, reference)
            #expect(difference <= 1e-4, "\(name): logits differ by \(difference) of the largest")
            #expect(reference.isFinite && reference.scalars.contains { $0 != 0 }, "\(name): degenerate logits")
        }
    }

    @Test func metadataPropsCarryLabelsPreprocessingAndArchitecture() throws {
        let directory = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spec = try ArchitectureSpec.preset("resnet20", inputSize: 16, channels: 1, classes: 3)
        let metadata = ONNXTestSupport.metadata(for: spec)
        let model = directory.appendingPathComponent("m.safetensors"), onnx = directory.appendingPathComponent("m.onnx")
        try ModelFile.save(network: try buildNetwork(spec, seed: 3), metadata: metadata, to: model)
        let summary = try ONNXExport.export(modelPath: model.path, to: onnx.path)

        let bytes = try Data(contentsOf: onnx)
        #expect(summary.byteCount == bytes.count)
        let proto = try Onnx_ModelProto(serializedBytes: bytes)
        #expect(proto.producerName == "ImageClassifier")
        #expect(proto.opsetImport.map(\.version) == [17])
        var props: [String: String] = [:]
        for entry in proto.metadataProps { props[entry.key] = entry.value }
        #expect(Set(props.keys) == ["labels", "preprocessing", "architecture"])
        let decoder = JSONDecoder()
        #expect(try decoder.decode([String].self, from: Data((props["labels"] ?? "").utf8)) == metadata.labels)
        #expect(try decoder.decode(Preprocessing.self, from: Data((props["preprocessing"] ?? "").utf8)) == metadata.preprocessing)
        #expect(try decoder.decode(ArchitectureSpec.self, from: Data((props["architecture"] ?? "").utf8)) == spec)
        #expect(proto.graph.input.map(\.name) == ["input"] && proto.graph.output.map(\.name) == ["logits"])
        #expect(proto.graph.input.first?.type.tensorType.shape.dim.map(\.dimValue) == [0, 1, 16, 16])
    }

    @Test func aMissingModelIsAClearError() throws {
        let out = TestSupport.temporaryDirectory().appendingPathComponent("m.onnx").path
        #expect {
            try ONNXExport.export(modelPath: "/nonexistent/m.safetensors", to: out)
        } throws: { error in
            guard case TrainingError.incompatibleModel(let path, let reason)? = error as? TrainingError else { return false }
            return path == "/nonexistent/m.safetensors" && reason.contains("No such file")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test(.enabled(if: TestSupport.trainBinary != nil))
    func theCommandWritesTheFileOrOneLineOfError() throws {
        let binary = try #require(TestSupport.trainBinary)
        let directory = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = try TestSupport.run(binary, ["export", "/nonexistent/m.safetensors", "--onnx", directory.appendingPathComponent("x.onnx").path])
        #expect(missing.status != 0)
        #expect(missing.stderr.split(separator: "\n").count == 1 && missing.stderr.hasPrefix("classifier-train: error: cannot use model /nonexistent/m.safetensors"), "\(missing.stderr)")

        let spec = try ArchitectureSpec.preset("simple-cnn", inputSize: 16, channels: 3, classes: 2)
        let model = directory.appendingPathComponent("m.safetensors")
        try ModelFile.save(network: try buildNetwork(spec, seed: 1), metadata: ONNXTestSupport.metadata(for: spec), to: model)
        let unwritable = try TestSupport.run(binary, ["export", model.path, "--onnx", "/proc/forbidden/m.onnx"])
        #expect(unwritable.status != 0)
        #expect(unwritable.stderr.split(separator: "\n").count == 1 && unwritable.stderr.contains("cannot write /proc/forbidden/m.onnx"), "\(unwritable.stderr)")

        let onnx = directory.appendingPathComponent("m.onnx")
        let written = try TestSupport.run(binary, ["export", model.path, "--onnx", onnx.path])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.hasPrefix("wrote \(onnx.path): "))
        #expect(try ONNXImport.read(contentsOf: onnx).spec == spec)
    }
}
