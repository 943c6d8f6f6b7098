import Foundation

/// A safetensors container (https://github.com/huggingface/safetensors#format) holding
/// Float32 tensors and string metadata:
///
///     8 bytes   N, the header length, unsigned little-endian
///     N bytes   JSON header: {"__metadata__": {...}, name: {dtype, shape, data_offsets}, ...}
///               padded with spaces so that the data starts 8-byte aligned
///     rest      the tensors' little-endian bytes; data_offsets are relative to here
///
/// Reading trusts nothing: every length and offset is checked against the bytes
/// actually present before anything is allocated, so a damaged or crafted file is an
/// error, never a crash or a huge allocation.
public struct SafetensorsFile: Sendable, Equatable {
    /// The `__metadata__` strings.
    public var metadata: [String: String]
    /// Tensors by name.
    public var tensors: [String: Tensor]

    /// The reference implementation refuses headers above 100 MB; so do we.
    public static let maximumHeaderLength = 100_000_000

    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Names in file order: sorted, as the reference writer orders tensors of one dtype.
    public var tensorNames: [String] { tensors.keys.sorted() }

    /// Reads and validates a whole file.
    public init(contentsOf url: URL) throws(ModelFileError) {
        let bytes = try WholeFileReader.read(url)
        try self.init(bytes: bytes, path: url.path)
    }

    /// Parses and validates a file's bytes. `path` names the file in errors.
    public init(bytes: [UInt8], path: String) throws(ModelFileError) {
        do throws(ModelFileError.Reason) {
            self = try Self.parse(bytes)
        } catch {
            throw ModelFileError(path: path, reason: error)
        }
    }

    private static func parse(_ bytes: [UInt8]) throws(ModelFileError.Reason) -> SafetensorsFile {
        guard bytes.count >= 8 else { throw .tooShort(size: bytes.count) }
        var headerLength: UInt64 = 0
        for index in 0..<8 { headerLength |= UInt64(bytes[index]) << (8 * UInt64(index)) }
        guard headerLength <= UInt64(maximumHeaderLength) else {
            throw .headerLengthAbsurd(headerLength: headerLength, limit: maximumHeaderLength)
        }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw .headerLengthExceedsFile(headerLength: headerLength, fileSize: bytes.count)
        }
        let dataStart = 8 + Int(headerLength)
        let header = try SafetensorsHeader.decode(bytes[8..<dataStart])
        let dataLength = bytes.count - dataStart

        let layout = try validateLayout(header.entries, dataLength: dataLength)
        var tensors: [String: Tensor] = [:]
        tensors.reserveCapacity(layout.count)
        for (name, shape, range) in layout {
            tensors[name] = decodeFloats(bytes, from: dataStart + range.lowerBound,
                                         count: range.count / 4, shape: shape)
        }
        return SafetensorsFile(tensors: tensors, metadata: header.metadata)
    }

    /// Checks dtypes, shapes and offsets: each tensor's byte range must match its
    /// shape × 4, and the ranges must tile the data exactly (no overlap, no hole, no
    /// trailing bytes), as the reference reader requires.
    private static func validateLayout(
        _ entries: [(name: String, entry: SafetensorsHeader.Entry)], dataLength: Int
    ) throws(ModelFileError.Reason) -> [(String, [Int], Range<Int>)] {
        var layout: [(String, [Int], Range<Int>)] = []
        for (name, entry) in entries {
            guard !name.isEmpty else { throw .invalidTensorName(name) }
            guard entry.dtype == "F32" else { throw .unsupportedDType(tensor: name, dtype: entry.dtype) }
            var count = 1
            for dimension in entry.shape {
                guard dimension >= 0 else { throw .invalidShape(tensor: name, shape: entry.shape) }
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw .invalidShape(tensor: name, shape: entry.shape) }
                count = product
            }
            let (byteCount, overflow) = count.multipliedReportingOverflow(by: 4)
            guard !overflow else { throw .invalidShape(tensor: name, shape: entry.shape) }
            guard entry.dataOffsets.count == 2 else {
                throw .invalidOffsets(tensor: name, detail: "expected [begin, end], found \(entry.dataOffsets)")
            }
            let begin = entry.dataOffsets[0], end = entry.dataOffsets[1]
            guard begin >= 0, end >= begin else {
                throw .invalidOffsets(tensor: name, detail: "[\(begin), \(end)] is not a byte range")
            }
            guard end - begin == byteCount else {
                throw .invalidOffsets(tensor: name, detail:
                    "[\(begin), \(end)] spans \(end - begin) bytes but shape \(entry.shape) needs \(byteCount)")
            }
            layout.append((name, entry.shape, begin..<end))
        }
        layout.sort { ($0.2.lowerBound, $0.2.upperBound, $0.0) < ($1.2.lowerBound, $1.2.upperBound, $1.0) }
        var expected = 0
        for (name, _, range) in layout {
            if range.lowerBound < expected {
                throw .invalidOffsets(tensor: name, detail: "[\(range.lowerBound), \(range.upperBound)] overlaps the previous tensor")
            }
            if range.lowerBound > expected {
                throw .invalidOffsets(tensor: name, detail: "[\(range.lowerBound), \(range.upperBound)] leaves a hole after byte \(expected)")
            }
            expected = range.upperBound
        }
        if expected > dataLength { throw .truncated(needed: expected, available: dataLength) }
        if expected < dataLength { throw .trailingBytes(count: dataLength - expected) }
        return layout
    }

    /// Little-endian Float32 from validated, possibly unaligned bytes.
    private static func decodeFloats(_ bytes: [UInt8], from start: Int, count: Int, shape: [Int]) -> Tensor {
        let scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                for index in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: start + 4 * index, as: UInt32.self)
                    buffer[index] = Float(bitPattern: UInt32(littleEndian: bits))
                }
            }
            initialized = count
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}
