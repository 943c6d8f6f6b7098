import Foundation
import Testing
@testable import ImageKit

@Suite("EXIF orientation") struct EXIFOrientationTests {
    static let generate = PythonScripts.photo + """
    import sys
    from PIL import ImageOps
    d = sys.argv[1]
    im = photo(96, 64)
    for o in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = o
        im.save(f"{d}/o{o}.jpg", quality=95, exif=exif.tobytes())
        ref = ImageOps.exif_transpose(Image.open(f"{d}/o{o}.jpg")).convert("RGB")
        open(f"{d}/o{o}.rgb", "wb").write(ref.tobytes())
        print(o, ref.size[0], ref.size[1])
    """

    @Test("All eight orientations written by Pillow come out as Pillow's exif_transpose",
          .enabled(if: Pillow.available))
    func allOrientationsMatchPillow() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        let lines = try Pillow.run(Self.generate, in: dir).split(separator: "\n")
        #expect(lines.count == 8)
        for line in lines {
            let parts = line.split(separator: " ").compactMap { Int($0) }
            let data = try Data(contentsOf: dir.appendingPathComponent("o\(parts[0]).jpg"))
            let orientation = data.withUnsafeBytes { EXIFOrientation.read(jpeg: $0) }
            #expect(orientation.rawValue == parts[0])
            let image = try ImageDecoder().decode(data)
            let expected = try [UInt8](Data(contentsOf: dir.appendingPathComponent("o\(parts[0]).rgb")))
            #expect(image.width == parts[1] && image.height == parts[2])
            let diff = pixelDifference(image.pixels, expected)
            #expect(diff.max <= 3 && diff.mean < 0.3, "orientation \(parts[0]): \(diff)")
            // Turning can be switched off.
            let raw = try ImageDecoder(options: DecodeOptions(appliesEXIFOrientation: false)).decode(data)
            #expect(raw.width == 96 && raw.height == 64)
        }
    }

    @Test("A corrupt EXIF block is ignored, not fatal", .enabled(if: Pillow.available))
    func corruptEXIFIgnored() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        try Pillow.run(Self.generate, in: dir)
        let original = try [UInt8](Data(contentsOf: dir.appendingPathComponent("o6.jpg")))
        let upright = try ImageDecoder(options: DecodeOptions(appliesEXIFOrientation: false)).decode(original)
        let exif = try #require(Self.find(Array("Exif\0\0".utf8), in: original))
        let tiff = exif + 6
        var corruptions: [[UInt8]] = []
        var badOffset = original  // IFD0 offset far outside the block
        badOffset.replaceSubrange((tiff + 4)..<(tiff + 8), with: [0xFF, 0xFF, 0xFF, 0xF0])
        corruptions.append(badOffset)
        var badOrder = original  // neither II nor MM
        badOrder[tiff] = 0x58
        corruptions.append(badOrder)
        let ifd = tiff + 8
        var wrongType = original  // orientation stored as something other than SHORT
        wrongType[ifd + 2 + 3] = 9
        corruptions.append(wrongType)
        for data in corruptions {
            let image = try ImageDecoder().decode(data)
            #expect(image.width == upright.width && image.height == upright.height)
        }
        // An entry count running far past the end of the block: the entries that
        // are in bounds are still read, and nothing beyond them is touched.
        var hugeCount = original
        hugeCount[ifd] = 0xFF; hugeCount[ifd + 1] = 0xFF
        hugeCount[ifd + 2] = 0x01; hugeCount[ifd + 3] = 0x00  // first tag no longer Orientation
        let image = try ImageDecoder().decode(hugeCount)
        #expect(image.width == upright.width && image.height == upright.height)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }

    @Test("Big-endian TIFF headers are read and out-of-range values rejected")
    func tiffParsing() {
        // MM, 42, IFD at 8, one entry: 0x0112 SHORT count 1 value 8.
        let bigEndian: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1,
                                  0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0]
        #expect(bigEndian.withUnsafeBytes { EXIFOrientation.readTIFF($0) } == .left)
        var outOfRange = bigEndian
        outOfRange[19] = 9
        #expect(outOfRange.withUnsafeBytes { EXIFOrientation.readTIFF($0) } == nil)
        #expect([UInt8](bigEndian.prefix(15)).withUnsafeBytes { EXIFOrientation.readTIFF($0) } == nil)
    }

    @Test("Orientation transforms on a 3x2 image move every pixel where EXIF says")
    func transformsOnTinyImage() throws {
        // Pixels numbered 0...5 row by row: [0 1 2; 3 4 5].
        let image = try RGBImage(width: 3, height: 2, grayPixels: [0, 1, 2, 3, 4, 5])
        func gray(_ o: EXIFOrientation) -> [UInt8] {
            let out = image.applying(o)
            return stride(from: 0, to: out.pixels.count, by: 3).map { out.pixels[$0] }
        }
        #expect(gray(.up) == [0, 1, 2, 3, 4, 5])
        #expect(gray(.upMirrored) == [2, 1, 0, 5, 4, 3])
        #expect(gray(.down) == [5, 4, 3, 2, 1, 0])
        #expect(gray(.downMirrored) == [3, 4, 5, 0, 1, 2])
        #expect(gray(.leftMirrored) == [0, 3, 1, 4, 2, 5])   // transpose, 2 wide
        #expect(gray(.right) == [3, 0, 4, 1, 5, 2])          // 90° clockwise
        #expect(gray(.rightMirrored) == [5, 2, 4, 1, 3, 0])  // transverse
        #expect(gray(.left) == [2, 5, 1, 4, 0, 3])           // 90° anticlockwise
    }
}
