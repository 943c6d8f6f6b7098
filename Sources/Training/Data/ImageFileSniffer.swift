import Foundation
import ImageKit

/// Decides from a file's first bytes whether it is an image the decoders read,
/// through ImageKit's magic-byte detector. Names and extensions are never trusted
/// (a `.jpg` may be a GIF, `IMG_01` may be a JPEG).
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
        let head = (try? handle.read(upToCount: 32)) ?? Data()
        return sniff(Array(head))
    }

    static func sniff(_ bytes: [UInt8]) -> Verdict {
        guard let format = ImageFormat.detect(bytes) else { return .notAnImage }
        return format.isDecodable ? .supported(format.name) : .unsupported(format.name)
    }
}
