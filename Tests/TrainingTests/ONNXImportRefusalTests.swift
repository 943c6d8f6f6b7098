import Foundation
import NeuralEngine
import ONNXFormat
import Testing
@testable import Training

/// Files `ONNXImport` must refuse with `TrainingError.cannotImport` naming what is wrong,
/// never a trap: graphs of our own exporter, then altered as a crafted file would be.
@Suite struct ONNXImportRefusalTests {
    /// A small exported graph to alter: resnet20 (CIFAR stem) or resnet18 (ImageNet stem).
    func exportedGraph(_ preset: String = "resnet20") throws -> Onnx_ModelProto {
        let spec = try ArchitectureSpec.preset(preset, inputSize: 32, channels: 3, classes: 3)
        return try ONNXExport.modelProto(network: try buildNetwork(spec, seed: 2), metadata: ONNXTestSupport.metadata(for: spec))
    }

    func reason(importing bytes: some DataProtocol, sourceLocation: SourceLocation = #_sourceLocation) throws -> String? {
        let file = TestSupport.temporaryDirectory().appendingPathComponent("crafted.onnx")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try Data(bytes).write(to: file)
        return ONNXTestSupport.importFailure({ _ = try ONNXImport.read(contentsOf: file) }, sourceLocation: sourceLocation)
    }

    func reason(importing proto: Onnx_ModelProto, sourceLocation: SourceLocation = #_sourceLocation) throws -> String? {
        try reason(importing: try proto.serializedBytes() as [UInt8], sourceLocation: sourceLocation)
    }

    func nodeIndex(_ proto: Onnx_ModelProto, named name: String) throws -> Int {
        try #require(proto.graph.node.firstIndex { $0.name == name })
    }

    @Test func aTruncatedFileIsNotAModel() throws {
        let bytes: [UInt8] = try exportedGraph().serializedBytes()
        let reason = try reason(importing: bytes.prefix(bytes.count / 2))
        #expect(reason?.contains("not an ONNX model") == true, "\(reason ?? "")")
    }

    @Test func aMissingFileIsNamed() throws {
        let reason = ONNXTestSupport.importFailure { _ = try ONNXImport.read(contentsOf: URL(fileURLWithPath: "/nonexistent/m.onnx")) }
        #expect(reason?.contains("no such file") == true)
    }

    @Test func anUnsupportedOperatorNamesItsNode() throws {
        var proto = try exportedGraph()
        proto.graph.node[try nodeIndex(proto, named: "stage2.block1.relu1")].opType = "Sigmoid"
        let reason = try reason(importing: proto)
        #expect(reason?.contains("Sigmoid node 'stage2.block1.relu1'") == true, "\(reason ?? "")")
    }

    @Test func aKernelShapeWeDoNotHaveNamesItsNode() throws {
        var proto = try exportedGraph("resnet18")
        let conv = try nodeIndex(proto, named: "stem.conv")
        proto.graph.node[conv].attribute = [.ints("kernel_shape", [5, 5]), .ints("strides", [2, 2]), .ints("pads", [2, 2, 2, 2])]
        let weight = try #require(proto.graph.initializer.firstIndex { $0.name == "stem.conv.weight" })
        proto.graph.initializer[weight] = Onnx_TensorProto(float32: Tensor(repeating: 0.1, shape: [64, 3, 5, 5]), name: "stem.conv.weight")
        let reason = try reason(importing: proto)
        #expect(reason?.contains("Conv node 'stem.conv' (5×5/2 pad 2") == true, "\(reason ?? "")")
        #expect(reason?.contains("stem.conv (conv 7×7/2 pad 3") == true, "\(reason ?? "")")
    }

    @Test func aNonSquareKernelNamesItsNode() throws {
        var proto = try exportedGraph()
        let conv = try nodeIndex(proto, named: "stem.conv")
        proto.graph.node[conv].attribute = [.ints("kernel_shape", [3, 1])]
        let reason = try reason(importing: proto)
        #expect(reason?.contains("Conv node 'stem.conv' has kernel shape 3×1") == true, "\(reason ?? "")")
    }

    @Test func anInitializerShorterThanItsShapeIsNamed() throws {
        var proto = try exportedGraph()
        let index = try #require(proto.graph.initializer.firstIndex { $0.name == "stage1.block0.conv1.weight" })
        proto.graph.initializer[index].rawData = proto.graph.initializer[index].rawData.prefix(100)
        let reason = try reason(importing: proto)
        #expect(reason?.contains("initializer 'stage1.block0.conv1.weight'") == true && reason?.contains("100 bytes") == true,
                "\(reason ?? "")")
    }

    @Test func anAbsurdShapeIsRefusedBeforeAnyAllocation() throws {
        var proto = try exportedGraph()
        let index = try #require(proto.graph.initializer.firstIndex { $0.name == "head.weight" })
        proto.graph.initializer[index].dims = [1 << 40, 1 << 40]
        let reason = try reason(importing: proto)
        #expect(reason?.contains("initializer 'head.weight'") == true && reason?.contains("invalid shape") == true, "\(reason ?? "")")
    }

    @Test func externalDataIsRefusedClearly() throws {
        var proto = try exportedGraph()
        let index = try #require(proto.graph.initializer.firstIndex { $0.name == "head.weight" })
        var location = Onnx_StringStringEntryProto()
        location.key = "location"
        location.value = "weights.bin"
        proto.graph.initializer[index].rawData = Data()
        proto.graph.initializer[index].dataLocation = .external
        proto.graph.initializer[index].externalData = [location]
        let reason = try reason(importing: proto)
        #expect(reason?.contains("initializer 'head.weight'") == true && reason?.contains("external data is not supported") == true,
                "\(reason ?? "")")
    }

    @Test func aCycleIsAnErrorNotAHang() throws {
        var proto = try exportedGraph()
        // The stem's ReLU writes the graph's input again, which the stem's Conv reads: round and round.
        proto.graph.node[try nodeIndex(proto, named: "stem.relu")].output[0] = "input"
        let reason = try reason(importing: proto)
        #expect(reason?.contains("Conv node 'stem.conv' is reached twice") == true, "\(reason ?? "")")
    }

    @Test func aResidualSumWithoutReLUNamesTheAdd() throws {
        var proto = try exportedGraph()
        let relu = try nodeIndex(proto, named: "stage1.block0.relu")
        proto.graph.node[relu].opType = "Identity"
        let reason = try reason(importing: proto)
        #expect(reason?.contains("Add node 'stage1.block0.add'") == true, "\(reason ?? "")")
    }
}
