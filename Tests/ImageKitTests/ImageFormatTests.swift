import Foundation
import Testing
@testable import ImageKit

@Suite("Format detection") struct ImageFormatTests {
    static let samples: [(String, [UInt8])] = [
        ("GIF", Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0]),
        ("WebP", Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8 ".utf8)),
        ("BMP", Array("BM".utf8) + [UInt8](repeating: 0, count: 30)),
        ("TIFF", [0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0]),
        ("HEIC", [0, 0, 0, 24] + Array("ftypheic".utf8) + [0, 0, 0, 0]),
        ("AVIF", [0, 0, 0, 24] + Array("ftypavif".utf8) + [0, 0, 0, 0]),
        ("PDF", Array("%PDF-1.7".utf8)),
    ]

    @Test("Unsupported formats are named in the error", arguments: samples)
    func unsupportedFormatsAreNamed(name: String, bytes: [UInt8]) {
        #expect(decodingError(bytes) == .unsupportedFormat(detected: name))
    }

    @Test("JPEG and PNG are recognised by magic bytes, not by anything else")
    func recognisesDecodableFormats() {
        #expect(ImageFormat.detect([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ImageFormat.detect([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) == .png)
        // Cut off inside the signature: a truncated PNG. Eight bytes that differ from it: not one.
        #expect(ImageFormat.detect([0x89, 0x50, 0x4E, 0x47]) == .png)
        #expect(ImageFormat.detect([0x89, 0x50, 0x4E, 0x47, 0x00, 0x00, 0x00, 0x00]) == nil)
    }

    @Test("Empty data is its own error and unknown bytes are shown in hex")
    func emptyAndUnknown() {
        #expect(decodingError([UInt8]()) == .empty)
        #expect(decodingError([0x00, 0x01, 0xAB]) == .unsupportedFormat(detected: "unknown (first bytes 00 01 ab)"))
        #expect(decodingError(Array("hello, world".utf8))?.description.contains("unknown") == true)
    }

    @Test("A bare JPEG or PNG signature is corrupt, not a crash")
    func bareSignatures() {
        #expect(decodingError([0xFF, 0xD8, 0xFF])?.isCorrupt == true)
        #expect(decodingError([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])?.isCorrupt == true)
    }
}
