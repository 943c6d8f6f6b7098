import Foundation

/// Float32 values stored in JSON as base64 of their little-endian bytes: 5⅓ characters a
/// value instead of about 11 as decimal text. The nearest-neighbour bank of a detector is
/// thousands of feature rows, and a model file's metadata is JSON text (safetensors allows
/// only strings there).
public struct PackedFloats: Codable, Sendable, Equatable {
    public var values: [Float]

    public init(_ values: [Float]) { self.values = values }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let data = Data(base64Encoded: text), data.count % 4 == 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "not base64 of whole float32 values"))
        }
        values = data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var data = Data(capacity: values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        var container = encoder.singleValueContainer()
        try container.encode(data.base64EncodedString())
    }
}
