import Foundation

/// Decides from a file's first bytes whether it is an image the decoders read.
/// Names and extensions are never trusted (a `.jpg` may be a GIF, `IMG_01` may be a JPEG).
enum ImageFileSniffer {
    enum Verdict: Equatable {
        case supported(String)
        /// An image, but in a format the decoders refuse (GIF, WebP, BMP, …).
        case unsupported(String)
        case notAnImage
    }

    static func sniff(path: String) -> Verdict {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .notAnImage }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 16)) ?? Data()
        return sniff(Array(head))
    }

    static func sniff(_ bytes: [UInt8]) -> Verdict {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<offset + prefix.count]) == prefix
        }
        if starts([0xFF, 0xD8, 0xFF]) { return .supported("JPEG") }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .supported("PNG") }
        if starts(Array("GIF8".utf8)) { return .unsupported("GIF") }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .unsupported("WebP") }
        if starts(Array("BM".utf8)) && bytes.count >= 14 { return .unsupported("BMP") }
        if starts(Array("ftyp".utf8), at: 4) { return .unsupported("HEIF/AVIF") }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .unsupported("TIFF") }
        return .notAnImage
    }
}
