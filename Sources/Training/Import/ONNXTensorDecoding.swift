import Foundation
import NeuralEngine
import ONNXFormat

/// An initializer (or Constant node value) as one of our Float32 tensors, refusing
/// anything whose byte count does not match its shape, so that a crafted file cannot
/// make us read past a buffer or allocate without bound.
enum ONNXTensorDecoding {
    /// More scalars than any preset has parameters in one tensor (VGG's 25088×4096 is 10⁸).
    static let scalarLimit = 1 << 31

    static func floats(_ proto: Onnx_TensorProto, what: String) throws -> Tensor {
        let shape = try checkedShape(proto, what: what)
        let count = shape.reduce(1, *)
        let type = Onnx_TensorProto.DataType(rawValue: Int(proto.dataType))
        let raw = proto.rawData
        switch type {
        case .float?:
            if !raw.isEmpty {
                try expect(raw.count, count * 4, what: what)
                return Tensor(shape: shape, scalars: littleEndian(raw, count: count) { Float(bitPattern: $0) })
            }
            try expect(proto.floatData.count, count, what: what, unit: "float_data values")
            return Tensor(shape: shape, scalars: proto.floatData)
        case .double?:
            if !raw.isEmpty {
                try expect(raw.count, count * 8, what: what)
                return Tensor(shape: shape, scalars: littleEndian(raw, count: count) { Float(Double(bitPattern: $0)) })
            }
            try expect(proto.doubleData.count, count, what: what, unit: "double_data values")
            return Tensor(shape: shape, scalars: proto.doubleData.map { Float($0) })
        case .float16?:
            // FLOAT16 keeps its bits in raw_data, or one per int32_data value (onnx.proto).
            let bits: [UInt16]
            if !raw.isEmpty {
                try expect(raw.count, count * 2, what: what)
                bits = littleEndian(raw, count: count) { (value: UInt16) in value }
            } else {
                try expect(proto.int32Data.count, count, what: what, unit: "int32_data values")
                bits = proto.int32Data.map { UInt16(truncatingIfNeeded: $0) }
            }
            return Tensor(shape: shape, scalars: bits.map { Float(Float16(bitPattern: $0)) })
        default:
            throw ONNXImportError("\(what) has data type \(typeName(proto.dataType)); only FLOAT (or FLOAT16, DOUBLE) weights can be imported")
        }
    }

    /// An INT64 tensor's values (Reshape's target shape).
    static func integers(_ proto: Onnx_TensorProto, what: String) throws -> [Int] {
        let shape = try checkedShape(proto, what: what)
        let count = shape.reduce(1, *)
        guard Onnx_TensorProto.DataType(rawValue: Int(proto.dataType)) == .int64 else {
            throw ONNXImportError("\(what) has data type \(typeName(proto.dataType)), not INT64")
        }
        if !proto.rawData.isEmpty {
            try expect(proto.rawData.count, count * 8, what: what)
            return littleEndian(proto.rawData, count: count) { (value: UInt64) in Int(truncatingIfNeeded: Int64(bitPattern: value)) }
        }
        try expect(proto.int64Data.count, count, what: what, unit: "int64_data values")
        return proto.int64Data.map { Int($0) }
    }

    private static func checkedShape(_ proto: Onnx_TensorProto, what: String) throws -> [Int] {
        if proto.dataLocation == .external || !proto.externalData.isEmpty {
            let location = proto.externalData.first { $0.key == "location" }?.value ?? "another file"
            throw ONNXImportError("\(what) keeps its data outside the model (in \(location)); external data is not supported: save the model as one file (onnx.save_model(model, path, save_as_external_data=False))")
        }
        guard proto.dims.count <= 8, proto.dims.allSatisfy({ $0 >= 0 && $0 <= Int64(scalarLimit) }) else {
            throw ONNXImportError("\(what) has an invalid shape \(proto.dims)")
        }
        let shape = proto.dims.map { Int($0) }
        var count = 1
        for size in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, product <= scalarLimit else {
                throw ONNXImportError("\(what) has an invalid shape \(proto.dims) (too many values)")
            }
            count = product
        }
        return shape
    }

    private static func expect(_ found: Int, _ needed: Int, what: String, unit: String = "bytes of raw_data") throws {
        guard found == needed else {
            throw ONNXImportError("\(what) has \(found) \(unit) where its shape needs \(needed)")
        }
    }

    /// `count` little-endian values of `T` from `data`, whose size the caller has checked.
    private static func littleEndian<T: FixedWidthInteger, R>(_ data: Data, count: Int, _ convert: (T) -> R) -> [R] {
        data.withUnsafeBytes { buffer in
            (0..<count).map { convert(T(littleEndian: buffer.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self))) }
        }
    }

    static func typeName(_ code: Int32) -> String {
        Onnx_TensorProto.DataType(rawValue: Int(code)).map { "\($0)".uppercased() } ?? "\(code)"
    }
}
