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

    /// Throws `unreadableFile` (with strerror's reason) when the file cannot be opened or read:
    /// a file the trainer may not read is not a "not an image".
    static func sniff(path: String) throws -> Verdict {
        sniff(try FileAccess.head(of: path, count: 32))
    }

    static func sniff(_ bytes: [UInt8]) -> Verdict {
        guard let format = ImageFormat.detect(bytes) else { return .notAnImage }
        return format.isDecodable ? .supported(format.name) : .unsupported(format.name)
    }
}
