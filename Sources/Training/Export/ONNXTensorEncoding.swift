import Foundation
import NeuralEngine
import ONNXFormat

extension Onnx_TensorProto {
    /// A FLOAT initializer with our tensor's shape and scalars as `raw_data`, which
    /// ONNX defines as little-endian whatever the machine (onnx.proto, TensorProto.raw_data).
    init(float32 tensor: Tensor, name: String) {
        self.init()
        self.name = name
        dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        dims = tensor.shape.map(Int64.init)
        var bytes = Data(count: tensor.count * 4)
        bytes.withUnsafeMutableBytes { buffer in
            for (index, scalar) in tensor.scalars.enumerated() {
                buffer.storeBytes(of: scalar.bitPattern.littleEndian, toByteOffset: 4 * index, as: UInt32.self)
            }
        }
        rawData = bytes
    }
}
