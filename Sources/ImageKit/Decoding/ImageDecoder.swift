import Foundation

/// Bytes → upright RGB8 pixels. The format is taken from the magic bytes only.
///
///     let image = try ImageDecoder().decode(uploadData)
///     let info = try ImageDecoder().inspect(uploadData)   // format and size, no pixels
public struct ImageDecoder: Sendable {
    public var options: DecodeOptions

    public init(options: DecodeOptions = DecodeOptions()) {
        self.options = options
    }

    /// Format and stored size from the header alone (no pixel memory).
    public struct Info: Sendable, Equatable {
        public var format: ImageFormat
        public var width: Int
        public var height: Int
    }

    public func decode(_ data: Data) throws -> RGBImage {
        try data.withUnsafeBytes { try decode(bytes: $0) }
    }

    public func decode(_ bytes: [UInt8]) throws -> RGBImage {
        try bytes.withUnsafeBytes { try decode(bytes: $0) }
    }

    /// Reads a file and decodes it; I/O failures are rethrown as Foundation errors.
    public func decode(contentsOf url: URL) throws -> RGBImage {
        try decode(Data(contentsOf: url))
    }

    public func decode(bytes: UnsafeRawBufferPointer) throws -> RGBImage {
        switch try Self.detect(bytes) {
        case .jpeg: return try JPEGDecoder.decode(bytes, options: options)
        case .png: return try PNGDecoder.decode(bytes, options: options)
        case let other: throw ImageError.unsupportedFormat(detected: other.name)
        }
    }

    public func inspect(_ data: Data) throws -> Info {
        try data.withUnsafeBytes { bytes in
            switch try Self.detect(bytes) {
            case .jpeg:
                let header = try JPEGDecoder.readHeader(bytes)
                return Info(format: .jpeg, width: header.width, height: header.height)
            case .png:
                let header = try PNGDecoder.readHeader(bytes)
                return Info(format: .png, width: header.width, height: header.height)
            case let other:
                throw ImageError.unsupportedFormat(detected: other.name)
            }
        }
    }

    private static func detect(_ bytes: UnsafeRawBufferPointer) throws -> ImageFormat {
        guard !bytes.isEmpty else { throw ImageError.empty }
        guard let format = ImageFormat.detect(bytes) else {
            throw ImageError.unsupportedFormat(detected: ImageFormat.describeUnsupported(bytes))
        }
        return format
    }
}
