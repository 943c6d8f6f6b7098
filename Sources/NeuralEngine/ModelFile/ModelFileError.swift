/// Why a model (or any safetensors) file could not be read, written or applied,
/// always with the file it concerns. `description` is one line a person can act on.
public struct ModelFileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// An `Error` only so that internal functions can throw it typed; the public
    /// surface throws `ModelFileError`, which adds the path.
    public enum Reason: Error, Sendable, Equatable {
        /// open/read/write/fsync/rename failed; the text carries `errno` and its meaning.
        case io(String)
        case tooShort(size: Int)
        case fileTooLarge(size: Int, limit: Int)
        case headerLengthExceedsFile(headerLength: UInt64, fileSize: Int)
        case headerLengthAbsurd(headerLength: UInt64, limit: Int)
        case invalidHeader(String)
        case unsupportedDType(tensor: String, dtype: String)
        case invalidShape(tensor: String, shape: [Int])
        case invalidOffsets(tensor: String, detail: String)
        case truncated(needed: Int, available: Int)
        case trailingBytes(count: Int)
        case invalidTensorName(String)
        case missingMetadata(key: String, found: [String])
        case invalidMetadata(key: String, detail: String)
        case wrongFormat(found: String)
        case newerFormatVersion(found: Int, supported: Int)
        case nonFiniteValue(tensor: String, index: Int, value: Float)
        case architectureMismatch(missing: [String], unexpected: [String], wrongShapes: [String])
        /// The metadata's architecture cannot be built (the builder's message).
        case invalidArchitecture(String)
    }

    /// The path of the file concerned.
    public let path: String
    public let reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "model file \(path): \(reason.text)" }
}

extension ModelFileError.Reason {
    public var text: String {
        switch self {
        case .io(let detail):
            return detail
        case .tooShort(let size):
            return size == 0
                ? "the file is empty (0 bytes); a safetensors file starts with an 8-byte header length"
                : "the file is only \(size) bytes, shorter than the 8-byte header length of a safetensors file"
        case .fileTooLarge(let size, let limit):
            return "the file is \(size) bytes, larger than the \(limit) bytes this reader accepts"
        case .headerLengthExceedsFile(let length, let size):
            return "the header length \(length) is bigger than the file (\(size) bytes); the file is truncated or not safetensors"
        case .headerLengthAbsurd(let length, let limit):
            return "the header length \(length) is absurd (limit \(limit) bytes); the file is damaged or not safetensors"
        case .invalidHeader(let detail):
            return "the header is not valid safetensors JSON: \(detail)"
        case .unsupportedDType(let tensor, let dtype):
            return "tensor \"\(tensor)\" has dtype \(dtype); only F32 is supported"
        case .invalidShape(let tensor, let shape):
            return "tensor \"\(tensor)\" has an invalid shape \(shape)"
        case .invalidOffsets(let tensor, let detail):
            return "tensor \"\(tensor)\" has invalid data_offsets: \(detail)"
        case .truncated(let needed, let available):
            return "the file is truncated: its tensors need \(needed) bytes of data but only \(available) follow the header"
        case .trailingBytes(let count):
            return "\(count) unexpected bytes follow the last tensor; the file is damaged"
        case .invalidTensorName(let name):
            return "invalid tensor name \"\(name)\""
        case .missingMetadata(let key, let found):
            let keys = found.isEmpty ? "none" : found.sorted().joined(separator: ", ")
            return "__metadata__ has no \"\(key)\" (keys found: \(keys)); this is not an ImageClassifier model file — train one with classifier-train"
        case .invalidMetadata(let key, let detail):
            return "__metadata__ \"\(key)\" is invalid: \(detail)"
        case .wrongFormat(let found):
            return "the format is \"\(found)\", expected \"\(ModelMetadata.formatName)\"; this is not an ImageClassifier model file — train one with classifier-train"
        case .newerFormatVersion(let found, let supported):
            return "format_version \(found) is newer than this build reads (up to \(supported)); upgrade ImageClassifier to load it"
        case .nonFiniteValue(let tensor, let index, let value):
            return "tensor \"\(tensor)\" holds \(value) at index \(index); weights must be finite (did training diverge?)"
        case .architectureMismatch(let missing, let unexpected, let wrongShapes):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(Self.list(missing))") }
            if !unexpected.isEmpty { parts.append("unexpected \(Self.list(unexpected))") }
            if !wrongShapes.isEmpty { parts.append("wrong shape \(Self.list(wrongShapes))") }
            return "tensors do not match the architecture: " + parts.joined(separator: "; ")
        case .invalidArchitecture(let detail):
            return "the architecture in __metadata__ cannot be built: \(detail)"
        }
    }

    /// The first few items of a long list, then a count: a mismatched ResNet-50 has
    /// hundreds of names and one line must stay readable.
    private static func list(_ items: [String]) -> String {
        let shown = items.prefix(5).joined(separator: ", ")
        return items.count > 5 ? "\(shown) and \(items.count - 5) more" : shown
    }
}
