import Foundation
import Testing
@testable import ImageKit

@Suite("JPEG decoding") struct JPEGDecoderTests {
    /// Writes JPEG variants with Pillow (and jpegtran for arithmetic coding),
    /// plus Pillow's own decoding of each as raw RGB.
    static let generate = PythonScripts.photo + """
    import sys, os, shutil, subprocess
    d = sys.argv[1]
    im = photo(203, 147)
    im.save(f"{d}/baseline.jpg", quality=90)
    im.save(f"{d}/progressive.jpg", quality=85, progressive=True)
    im.save(f"{d}/subsample444.jpg", quality=95, subsampling=0)
    im.convert("L").save(f"{d}/gray.jpg", quality=90)
    im.convert("CMYK").save(f"{d}/cmyk.jpg", quality=95)
    if shutil.which("jpegtran"):
        subprocess.run(["jpegtran", "-arithmetic", "-outfile", f"{d}/arithmetic.jpg", f"{d}/baseline.jpg"], check=True)
    for name in os.listdir(d):
        if name.endswith(".jpg"):
            ref = Image.open(f"{d}/{name}").convert("RGB")
            open(f"{d}/{name}.rgb", "wb").write(ref.tobytes())
            print(name, ref.size[0], ref.size[1])
    """

    @Test("Baseline, progressive, 4:4:4, grayscale, CMYK and arithmetic JPEGs match Pillow closely",
          .enabled(if: Pillow.available))
    func variantsMatchPillow() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        let listing = try Pillow.run(Self.generate, in: dir)
        let lines = listing.split(separator: "\n")
        #expect(lines.count >= 5)
        for line in lines {
            let parts = line.split(separator: " ")
            let name = String(parts[0])
            let image = try ImageDecoder().decode(contentsOf: dir.appendingPathComponent(name))
            let expected = try [UInt8](Data(contentsOf: dir.appendingPathComponent(name + ".rgb")))
            #expect(image.width == Int(parts[1]) && image.height == Int(parts[2]), "\(name)")
            let diff = pixelDifference(image.pixels, expected)
            // Same libjpeg-turbo algorithms; versions may differ by rounding.
            #expect(diff.max <= 3 && diff.mean < 0.3, "\(name): \(diff)")
        }
    }

    @Test("A truncated JPEG is an error, not a grey-padded picture", .enabled(if: Pillow.available))
    func truncatedIsError() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        try Pillow.run(Self.generate, in: dir)
        for name in ["baseline.jpg", "progressive.jpg"] {
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            for fraction in [0.3, 0.6, 0.95] {
                let cut = data.prefix(Int(Double(data.count) * fraction))
                #expect(throws: ImageError.self) { try ImageDecoder().decode(Data(cut)) }
            }
            // Just the end-of-image marker missing.
            #expect(throws: ImageError.self) { try ImageDecoder().decode(Data(data.dropLast(2))) }
        }
    }

    @Test("Flipped bits in the entropy-coded data are reported as corrupt", .enabled(if: Pillow.available))
    func corruptScanIsError() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        try Pillow.run(Self.generate, in: dir)
        var data = try [UInt8](Data(contentsOf: dir.appendingPathComponent("baseline.jpg")))
        // Overwrite a stretch of scan data with a marker-like pattern libjpeg must reject.
        let start = data.count / 2
        for i in start..<(start + 64) { data[i] = i % 2 == 0 ? 0xFF : 0xD3 }
        let error = decodingError(data)
        #expect(error?.isCorrupt == true, "\(String(describing: error))")
    }

    /// Position of the first SOF0/SOF2 segment's precision byte.
    static func sofOffset(_ data: [UInt8]) -> Int? {
        var i = 2
        while i + 4 < data.count {
            guard data[i] == 0xFF else { return nil }
            let marker = data[i + 1]
            if marker == 0xC0 || marker == 0xC2 { return i }
            i += 2 + Int(data[i + 2]) << 8 + Int(data[i + 3])
        }
        return nil
    }

    @Test("12-bit and lossless JPEGs get an unsupported-variant error", .enabled(if: Pillow.available))
    func unsupportedVariants() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        try Pillow.run(Self.generate, in: dir)
        let data = try [UInt8](Data(contentsOf: dir.appendingPathComponent("baseline.jpg")))
        let sof = try #require(Self.sofOffset(data))
        var twelveBit = data
        twelveBit[sof + 4] = 12  // precision byte (ITU T.81 B.2.2)
        var lossless = data
        lossless[sof + 1] = 0xC3  // SOF3: lossless, Huffman
        for variant in [twelveBit, lossless] {
            let error = decodingError(variant)
            #expect(error?.isUnsupportedVariant == true, "\(String(describing: error))")
        }
    }

    @Test("A 20000x14000 header is refused before decoding and zero sizes are corrupt",
          .enabled(if: Pillow.available))
    func lyingHeaders() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        try Pillow.run(Self.generate, in: dir)
        let data = try [UInt8](Data(contentsOf: dir.appendingPathComponent("baseline.jpg")))
        let sof = try #require(Self.sofOffset(data))
        func withSize(_ width: Int, _ height: Int) -> [UInt8] {
            var copy = data
            copy[sof + 5] = UInt8(height >> 8); copy[sof + 6] = UInt8(height & 0xFF)
            copy[sof + 7] = UInt8(width >> 8); copy[sof + 8] = UInt8(width & 0xFF)
            return copy
        }
        #expect(throws: ImageError.tooLarge(width: 20000, height: 14000, maxPixels: 64_000_000,
                                            maxDimension: 16_384)) {
            try ImageDecoder().decode(withSize(20000, 14000))
        }
        // Within the limits but far more pixels than the data holds.
        #expect(throws: ImageError.self) { try ImageDecoder().decode(withSize(4000, 3000)) }
        #expect(throws: ImageError.self) { try ImageDecoder().decode(withSize(0, 147)) }
        // Limits are configurable.
        let strict = ImageDecoder(options: DecodeOptions(maxPixels: 10_000))
        #expect(throws: ImageError.self) { try strict.decode(data) }
    }

    @Test("Large JPEGs are decoded at a DCT scale that still covers the target", .enabled(if: Pillow.available))
    func dctDownscaling() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        try Pillow.run(PythonScripts.photo + """
        import sys
        photo(1600, 1200).save(sys.argv[1] + "/big.jpg", quality=90)
        """, in: dir)
        let data = try Data(contentsOf: dir.appendingPathComponent("big.jpg"))
        let squash = PreprocessingOptions(inputWidth: 224, inputHeight: 224)
        let small = try ImageDecoder(options: DecodeOptions(downscaleFor: squash)).decode(data)
        // 1600/8 = 200 < 224, so 1/4 it must be.
        #expect(small.width == 400 && small.height == 300)
        let crop = PreprocessingOptions(inputWidth: 100, inputHeight: 100, resize: .shorterSide)
        let smaller = try ImageDecoder(options: DecodeOptions(downscaleFor: crop)).decode(data)
        #expect(smaller.width == 200 && smaller.height == 150)
        let full = try ImageDecoder().decode(data)
        #expect(full.width == 1600 && full.height == 1200)
        // The preprocessed tensors agree whichever way the pixels were decoded.
        let pre = try ImagePreprocessor(options: squash)
        let a = pre.resize(small), b = pre.resize(full)
        #expect(pixelDifference(a.pixels, b.pixels).mean < 3)
    }

    @Test("Every hymenoptera training image decodes, and the GIF is refused as GIF")
    func decodesHymenoptera() throws {
        guard let root = TestData.hymenopteraTrain else { return }  // data absent: nothing to check
        var decoded = 0, gifs = 0
        for folder in ["ants", "bees"] {
            let dir = root.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() {
                let data = try Data(contentsOf: dir.appendingPathComponent(name))
                do {
                    let image = try ImageDecoder().decode(data)
                    #expect(image.width > 0 && image.pixels.count == image.width * image.height * 3)
                    decoded += 1
                } catch ImageError.unsupportedFormat(let detected) {
                    #expect(detected == "GIF", "\(name)")
                    gifs += 1
                }
            }
        }
        #expect(decoded == 244 && gifs == 1)
    }
}
