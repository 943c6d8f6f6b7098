import Foundation

/// A safetensors container (https://github.com/huggingface/safetensors#format) holding
/// Float32 tensors and string metadata (other dtypes only when asked: `DTypePolicy`):
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
    /// Integer and boolean tensors left out under `.convertingToFloat32`, name → dtype
    /// (a PyTorch state dict's `num_batches_tracked` counters).
    public var skippedTensors: [String: String] = [:]

    /// Which dtypes a reader takes. Our model files hold F32 only, and anything else in
    /// one is damage; another framework's state dict may hold half precision, doubles
    /// and integer counters, which an importer converts or leaves out.
    public enum DTypePolicy: Sendable {
        case float32Only
        /// F16, BF16 and F64 become Float32; integer and boolean tensors are skipped.
        case convertingToFloat32
    }

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
    public init(bytes: [UInt8], path: String, dtypes: DTypePolicy = .float32Only) throws(ModelFileError) {
        do throws(ModelFileError.Reason) {
            self = try Self.parse(bytes, dtypes: dtypes)
        } catch {
            throw ModelFileError(path: path, reason: error)
        }
    }

    private static func parse(_ bytes: [UInt8], dtypes: DTypePolicy) throws(ModelFileError.Reason) -> SafetensorsFile {
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

        let layout = try validateLayout(header.entries, dataLength: dataLength, dtypes: dtypes)
        var file = SafetensorsFile(metadata: header.metadata)
        file.tensors.reserveCapacity(layout.count)
        for (name, element, shape, range) in layout {
            guard element.isFloatingPoint else {
                file.skippedTensors[name] = element.rawValue
                continue
            }
            file.tensors[name] = decodeFloats(bytes, from: dataStart + range.lowerBound,
                                              count: range.count / element.size, element: element, shape: shape)
        }
        return file
    }

    /// The dtypes safetensors defines that a reader can lay out (the 8-bit floats are not among them).
    enum Element: String {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
        case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"

        var size: Int {
            switch self {
            case .f64, .i64, .u64: 8
            case .f32, .i32, .u32: 4
            case .f16, .bf16, .i16, .u16: 2
            case .i8, .u8, .bool: 1
            }
        }

        var isFloatingPoint: Bool { [.f64, .f32, .f16, .bf16].contains(self) }
    }

    /// Checks dtypes, shapes and offsets: each tensor's byte range must match its
    /// shape × 4, and the ranges must tile the data exactly (no overlap, no hole, no
    /// trailing bytes), as the reference reader requires.
    private static func validateLayout(
        _ entries: [(name: String, entry: SafetensorsHeader.Entry)], dataLength: Int, dtypes: DTypePolicy
    ) throws(ModelFileError.Reason) -> [(String, Element, [Int], Range<Int>)] {
        var layout: [(String, Element, [Int], Range<Int>)] = []
        for (name, entry) in entries {
            guard !name.isEmpty else { throw .invalidTensorName(name) }
            guard let element = Element(rawValue: entry.dtype),
                  element == .f32 || dtypes == .convertingToFloat32 else {
                throw .unsupportedDType(tensor: name, dtype: entry.dtype)
            }
            var count = 1
            for dimension in entry.shape {
                guard dimension >= 0 else { throw .invalidShape(tensor: name, shape: entry.shape) }
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw .invalidShape(tensor: name, shape: entry.shape) }
                count = product
            }
            let (byteCount, overflow) = count.multipliedReportingOverflow(by: element.size)
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
            layout.append((name, element, entry.shape, begin..<end))
        }
        layout.sort { ($0.3.lowerBound, $0.3.upperBound, $0.0) < ($1.3.lowerBound, $1.3.upperBound, $1.0) }
        var expected = 0
        for (name, _, _, range) in layout {
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

    /// Little-endian floats of `element`'s width as Float32, from validated, possibly unaligned bytes.
    private static func decodeFloats(_ bytes: [UInt8], from start: Int, count: Int, element: Element,
                                     shape: [Int]) -> Tensor {
        let scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                for index in 0..<count {
                    let offset = start + element.size * index
                    switch element {
                    case .f64:
                        let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                        buffer[index] = Float(Double(bitPattern: UInt64(littleEndian: bits)))
                    case .f16:
                        let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
                        buffer[index] = Float(Float16(bitPattern: UInt16(littleEndian: bits)))
                    case .bf16:
                        // bfloat16 is the top half of a Float32.
                        let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
                        buffer[index] = Float(bitPattern: UInt32(UInt16(littleEndian: bits)) << 16)
                    default:
                        let bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
                        buffer[index] = Float(bitPattern: UInt32(littleEndian: bits))
                    }
                }
            }
            initialized = count
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}
