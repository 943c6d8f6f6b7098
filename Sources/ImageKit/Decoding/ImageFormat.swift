/// Image container formats recognised by their leading bytes. Only `.jpeg` and
/// `.png` are decoded; the others exist so the error can say what was sent.
public enum ImageFormat: String, Sendable, CaseIterable, Equatable {
    case jpeg, png, gif, webp, bmp, tiff, heic, avif, jpeg2000, jpegXL, ico, psd, qoi, pdf

    /// Human-readable name used in error messages.
    public var name: String {
        switch self {
        case .jpeg: return "JPEG"
        case .png: return "PNG"
        case .gif: return "GIF"
        case .webp: return "WebP"
        case .bmp: return "BMP"
        case .tiff: return "TIFF"
        case .heic: return "HEIC"
        case .avif: return "AVIF"
        case .jpeg2000: return "JPEG 2000"
        case .jpegXL: return "JPEG XL"
        case .ico: return "ICO"
        case .psd: return "PSD"
        case .qoi: return "QOI"
        case .pdf: return "PDF"
        }
    }

    public var isDecodable: Bool { self == .jpeg || self == .png }

    /// Detects the format from magic bytes only (never from a name or a
    /// Content-Type, which clients get wrong). Returns nil when unrecognised.
    public static func detect<Bytes: Collection>(_ bytes: Bytes) -> ImageFormat?
    where Bytes.Element == UInt8 {
        let head = Array(bytes.prefix(32))
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && Array(head[offset..<offset + magic.count]) == magic
        }
        // A body cut off inside the signature is still that format, truncated
        // (a 422 from the decoder), not an unknown one: SOI alone for JPEG,
        // at least "\x89PNG" for PNG.
        if starts([0xFF, 0xD8]) && (head.count == 2 || starts([0xFF, 0xD8, 0xFF])) { return .jpeg }
        let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if head.count >= 4 && Array(head.prefix(8)) == Array(pngSignature.prefix(min(8, head.count))) { return .png }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts(Array("BM".utf8)) && head.count >= 14 { return .bmp }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if starts([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || starts([0xFF, 0x4F, 0xFF, 0x51]) {
            return .jpeg2000
        }
        if starts([0xFF, 0x0A]) || starts([0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) { return .jpegXL }
        // ISO-BMFF: size, "ftyp", major brand (ISO/IEC 23008-12 for HEIF, AV1 image file format for AVIF).
        if starts(Array("ftyp".utf8), at: 4) && head.count >= 12 {
            let brand = String(decoding: head[8..<12], as: UTF8.self)
            if brand == "avif" || brand == "avis" { return .avif }
            if ["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"].contains(brand) { return .heic }
        }
        if starts([0x00, 0x00, 0x01, 0x00]) && head.count >= 6 { return .ico }
        if starts(Array("8BPS".utf8)) { return .psd }
        if starts(Array("qoif".utf8)) { return .qoi }
        if starts(Array("%PDF".utf8)) { return .pdf }
        return nil
    }

    /// What `ImageError.unsupportedFormat` says about bytes that are not JPEG or PNG.
    static func describeUnsupported<Bytes: Collection>(_ bytes: Bytes) -> String
    where Bytes.Element == UInt8 {
        if let format = detect(bytes) { return format.name }
        let hex = bytes.prefix(8).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }
        return "unknown (first bytes \(hex.joined(separator: " ")))"
    }
}
