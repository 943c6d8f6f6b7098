import Foundation

extension SafetensorsFile {
    /// The file's bytes: tensors sorted by name and packed without gaps, the header
    /// padded with spaces to a multiple of 8 so that every tensor starts 8-byte aligned
    /// (what the reference writer does, so memory-mapping readers can use the data in place).
    public func serialized() throws(ModelFileError.Reason) -> [UInt8] {
        let names = tensorNames
        var entries: [(String, SafetensorsHeader.Entry)] = []
        var offset = 0
        for name in names {
            guard !name.isEmpty, name != SafetensorsHeader.metadataKey else { throw .invalidTensorName(name) }
            let tensor = tensors[name]!  // names come from the dictionary's own keys
            let end = offset + 4 * tensor.count
            entries.append((name, .init(dtype: "F32", shape: tensor.shape, dataOffsets: [offset, end])))
            offset = end
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var header: [UInt8]
        do {
            header = Array(try encoder.encode(HeaderEncoding(metadata: metadata, entries: entries)))
        } catch {
            throw .invalidHeader("cannot encode the header: \(error)")
        }
        header.append(contentsOf: repeatElement(0x20, count: (8 - header.count % 8) % 8))

        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        let headerLength = UInt64(header.count)
        for index in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: headerLength >> (8 * UInt64(index)))) }
        bytes += header
        for name in names {
            #if _endian(little)
            tensors[name]!.scalars.withUnsafeBytes { bytes.append(contentsOf: $0) }
            #else
            for scalar in tensors[name]!.scalars {
                let bits = scalar.bitPattern.littleEndian
                withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
            }
            #endif
        }
        return bytes
    }

    /// Writes the file atomically (see `AtomicFileWriter`): a reader of `url` sees the
    /// previous file or this one, never a mixture.
    public func write(to url: URL) throws(ModelFileError) {
        let bytes: [UInt8]
        do throws(ModelFileError.Reason) {
            bytes = try serialized()
        } catch {
            throw ModelFileError(path: url.path, reason: error)
        }
        try AtomicFileWriter.write(bytes, to: url)
    }
}

/// Encodes `__metadata__` and the tensor entries side by side in one JSON object.
private struct HeaderEncoding: Encodable {
    var metadata: [String: String]
    var entries: [(String, SafetensorsHeader.Entry)]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        if !metadata.isEmpty {
            try container.encode(metadata, forKey: Key(stringValue: SafetensorsHeader.metadataKey))
        }
        for (name, entry) in entries {
            try container.encode(entry, forKey: Key(stringValue: name))
        }
    }
}

extension SafetensorsHeader.Entry: Encodable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(dtype, forKey: .dtype)
        try container.encode(shape, forKey: .shape)
        try container.encode(dataOffsets, forKey: .dataOffsets)
    }
}
