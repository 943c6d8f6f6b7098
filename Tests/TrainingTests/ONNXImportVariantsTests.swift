import Foundation
import NeuralEngine
import ONNXFormat
import Testing
@testable import Training

/// Other spellings of the same network that exporters write: MatMul + Add for Gemm, a
/// transposed or scaled Gemm, Reshape for Flatten, a Conv bias before its BatchNorm,
/// Dropout nodes, and weights stored as float_data, DOUBLE or FLOAT16. Each starts from
/// our exporter's graph, whose import is known to give back the network's tensors.
@Suite struct ONNXImportVariantsTests {
    let spec: ArchitectureSpec
    let network: Network
    let proto: Onnx_ModelProto

    init() throws {
        spec = try ArchitectureSpec.preset("resnet20", inputSize: 16, channels: 3, classes: 5)
        network = try ONNXTestSupport.randomNetwork(spec, seed: 11)
        proto = try ONNXExport.modelProto(network: network, metadata: ONNXTestSupport.metadata(for: spec))
    }

    var expected: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: network.namedParameters().map { ($0.name, $0.parameter.value) })
    }

    func imported(_ proto: Onnx_ModelProto) throws -> ImportedNetwork {
        let file = TestSupport.temporaryDirectory().appendingPathComponent("variant.onnx")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try Data(try proto.serializedBytes() as [UInt8]).write(to: file)
        return try ONNXImport.read(contentsOf: file)
    }

    func index(_ proto: Onnx_ModelProto, node name: String) throws -> Int {
        try #require(proto.graph.node.firstIndex { $0.name == name })
    }

    func index(_ proto: Onnx_ModelProto, initializer name: String) throws -> Int {
        try #require(proto.graph.initializer.firstIndex { $0.name == name })
    }

    func transposed(_ t: Tensor) -> Tensor {
        let rows = t.shape[0], columns = t.shape[1]
        var scalars = [Float](repeating: 0, count: t.count)
        for r in 0..<rows { for c in 0..<columns { scalars[c * rows + r] = t.scalars[r * columns + c] } }
        return Tensor(shape: [columns, rows], scalars: scalars)
    }

    func node(_ op: String, _ inputs: [String], _ output: String, name: String) -> Onnx_NodeProto {
        var node = Onnx_NodeProto()
        node.opType = op
        node.input = inputs
        node.output = [output]
        node.name = name
        return node
    }

    @Test func matMulAndAddReadAsTheHead() throws {
        var variant = proto
        let head = try index(variant, node: "head")
        let features = variant.graph.node[head].input[0]
        variant.graph.node[head] = node("MatMul", [features, "head.weight.t"], "product", name: "head.matmul")
        variant.graph.node.insert(node("Add", ["product", "head.bias"], "logits", name: "head.add"), at: head + 1)
        let weight = try index(variant, initializer: "head.weight")
        variant.graph.initializer[weight] = Onnx_TensorProto(float32: transposed(expected["head.weight"]!), name: "head.weight.t")
        let result = try imported(variant)
        #expect(result.spec == spec)
        #expect(result.tensors == expected)
    }

    @Test func aTransposedScaledGemmIsUndone() throws {
        var variant = proto
        let head = try index(variant, node: "head")
        variant.graph.node[head].attribute = [.int("transB", 0), .float("alpha", 2), .float("beta", 0.5)]
        let weight = try index(variant, initializer: "head.weight"), bias = try index(variant, initializer: "head.bias")
        var halved = transposed(expected["head.weight"]!)
        halved.scalars = halved.scalars.map { $0 / 2 }
        var doubled = expected["head.bias"]!
        doubled.scalars = doubled.scalars.map { $0 * 2 }
        variant.graph.initializer[weight] = Onnx_TensorProto(float32: halved, name: "head.weight")
        variant.graph.initializer[bias] = Onnx_TensorProto(float32: doubled, name: "head.bias")
        #expect(try imported(variant).tensors == expected)
    }

    @Test func aReshapeToBatchByFeaturesIsAFlatten() throws {
        var variant = proto
        let flatten = try index(variant, node: "pool.flatten")
        variant.graph.node[flatten].opType = "Reshape"
        variant.graph.node[flatten].attribute = []
        variant.graph.node[flatten].input.append("flat_shape")
        var shape = Onnx_TensorProto()
        shape.name = "flat_shape"
        shape.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        shape.dims = [2]
        shape.int64Data = [0, -1]
        variant.graph.initializer.append(shape)
        #expect(try imported(variant).tensors == expected)
    }

    /// BN(x + b) = BN′(x) with running_mean′ = running_mean − b.
    @Test func aConvBiasBeforeBatchNormMovesIntoTheMean() throws {
        var variant = proto
        let conv = try index(variant, node: "stage1.block0.conv1")
        let bias = Tensor(shape: [16], scalars: (0..<16).map { Float($0) / 4 - 2 })
        variant.graph.node[conv].input.append("extra.bias")
        variant.graph.initializer.append(Onnx_TensorProto(float32: bias, name: "extra.bias"))
        let result = try imported(variant)
        let mean = expected["stage1.block0.bn1.running_mean"]!
        #expect(result.tensors["stage1.block0.bn1.running_mean"]?.scalars == zip(mean.scalars, bias.scalars).map { $0 - $1 })
        #expect(result.tensors["stage1.block0.conv1.weight"] == expected["stage1.block0.conv1.weight"])
    }

    /// A Dropout between Dense layers, as a training-mode export would keep it: its ratio becomes the spec's.
    @Test func dropoutNodesPassThroughAndGiveTheirRate() throws {
        let vgg = try ArchitectureSpec.preset("simple-cnn", inputSize: 16, channels: 3, classes: 3)
        var variant = try ONNXExport.modelProto(network: try buildNetwork(vgg, seed: 4), metadata: ONNXTestSupport.metadata(for: vgg))
        let relu = try index(variant, node: "classifier.1")
        let output = variant.graph.node[relu].output[0]
        variant.graph.node[relu].output[0] = "before_dropout"
        var ratio = Onnx_TensorProto(float32: Tensor(shape: [], scalars: [0.25]), name: "dropout_ratio")
        ratio.dims = []
        variant.graph.initializer.append(ratio)
        variant.graph.node.insert(node("Dropout", ["before_dropout", "dropout_ratio"], output, name: "classifier.2"), at: relu + 1)
        let result = try imported(variant)
        #expect(result.spec.preset == nil)
        #expect(result.spec.family == .vgg(VGGSpec(layers: [.conv(32), .pool, .conv(64), .pool, .conv(128), .pool],
                                                   batchNorm: false, head: .classic(hidden: [128], dropout: 0.25))))
    }

    @Test func floatDataDoubleAndFloat16WeightsAreRead() throws {
        var variant = proto
        let bias = try index(variant, initializer: "head.bias")
        variant.graph.initializer[bias].rawData = Data()
        variant.graph.initializer[bias].floatData = expected["head.bias"]!.scalars

        let head = try index(variant, initializer: "head.weight")
        variant.graph.initializer[head].rawData = Data()
        variant.graph.initializer[head].dataType = Int32(Onnx_TensorProto.DataType.double.rawValue)
        variant.graph.initializer[head].doubleData = expected["head.weight"]!.scalars.map { Double($0) }

        let stem = try index(variant, initializer: "stem.conv.weight")
        let halves = expected["stem.conv.weight"]!.scalars.map { Float16($0) }
        variant.graph.initializer[stem].dataType = Int32(Onnx_TensorProto.DataType.float16.rawValue)
        variant.graph.initializer[stem].rawData = halves.withUnsafeBufferPointer { Data(buffer: $0) }

        let result = try imported(variant)
        #expect(result.tensors["head.bias"] == expected["head.bias"])
        #expect(result.tensors["head.weight"] == expected["head.weight"])
        #expect(result.tensors["stem.conv.weight"]?.scalars == halves.map { Float($0) })
    }

    @Test func anInt32WeightIsRefusedByName() throws {
        var variant = proto
        let head = try index(variant, initializer: "head.weight")
        variant.graph.initializer[head].dataType = Int32(Onnx_TensorProto.DataType.int32.rawValue)
        let reason = ONNXTestSupport.importFailure { _ = try imported(variant) }
        #expect(reason?.contains("initializer 'head.weight'") == true && reason?.contains("INT32") == true, "\(reason ?? "")")
    }
}
