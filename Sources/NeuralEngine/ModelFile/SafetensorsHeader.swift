import Foundation

/// The JSON header of a safetensors file, as written:
/// `{"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}`.
/// Only decoded and type-checked here; `SafetensorsFile` validates the numbers.
struct SafetensorsHeader: Decodable {
    struct Entry: Decodable {
        var dtype: String
        var shape: [Int]
        // Decoded as Int so that a negative, fractional or enormous value is a
        // decoding error (or caught by the range checks), never a trap.
        var dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    static let metadataKey = "__metadata__"

    var metadata: [String: String] = [:]
    var entries: [(name: String, entry: Entry)] = []

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if key.stringValue == Self.metadataKey {
                // The spec allows only string-to-string metadata.
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                entries.append((key.stringValue, try container.decode(Entry.self, forKey: key)))
            }
        }
    }

    /// Decodes header bytes, turning Foundation's verbose decoding errors into one line.
    static func decode(_ bytes: ArraySlice<UInt8>) throws(ModelFileError.Reason) -> SafetensorsHeader {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw .invalidHeader("it is not UTF-8 text")
        }
        let firstNonSpace = bytes.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        guard firstNonSpace == UInt8(ascii: "{") else {
            throw .invalidHeader("it does not start with a JSON object")
        }
        do {
            return try JSONDecoder().decode(SafetensorsHeader.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw .invalidHeader(Self.summary(of: error))
        } catch {
            throw .invalidHeader(String(describing: error))
        }
    }

    private static func summary(of error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? "" : " at \(keys.joined(separator: "."))"
        }
        switch error {
        case .dataCorrupted(let context):
            let underlying = context.underlyingError.map { ": \(String(describing: $0))" } ?? ""
            return "malformed JSON\(path(context))\(underlying)"
        case .keyNotFound(let key, let context):
            return "missing \"\(key.stringValue)\"\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(context.debugDescription)\(path(context))"
        @unknown default:
            return String(describing: error)
        }
    }
}
