import Foundation
import Testing
@testable import ImageKit

@Suite("Resizing and preprocessing") struct ImagePreprocessorTests {
    static let generate = PythonScripts.photo + """
    import sys
    d = sys.argv[1]
    im = photo(300, 200)
    im.save(f"{d}/src.png")
    def out(name, img):
        open(f"{d}/{name}.rgb", "wb").write(img.convert("RGB").tobytes())
    F = {"box": Image.Resampling.BOX, "triangle": Image.Resampling.BILINEAR, "bicubic": Image.Resampling.BICUBIC}
    for fname, f in F.items():
        out(f"down_{fname}", im.resize((64, 48), f))
        out(f"squash_{fname}", im.resize((90, 90), f))
        out(f"up_{fname}", im.crop((0, 0, 31, 23)).resize((77, 50), f))
    # torchvision Resize(128) + CenterCrop(112): shorter side 128, longer int(128*300/200)
    r = im.resize((192, 128), Image.Resampling.BILINEAR)
    out("shorter", r.crop((40, 8, 152, 120)))
    # letterbox 112x112 on white
    canvas = Image.new("RGB", (112, 112), (255, 255, 255))
    canvas.paste(im.resize((112, 75), Image.Resampling.BILINEAR), (0, 18))
    out("pad", canvas)
    out("gray", im.resize((90, 90), Image.Resampling.BILINEAR).convert("L").convert("RGB"))
    """

    static func load(_ dir: URL, _ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: dir.appendingPathComponent(name + ".rgb")))
    }

    @Test("Antialiased resizing matches Pillow's resize within one level", .enabled(if: Pillow.available))
    func resizeMatchesPillow() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        try Pillow.run(Self.generate, in: dir)
        let source = try ImageDecoder().decode(contentsOf: dir.appendingPathComponent("src.png"))
        let corner = try RGBImage(width: 31, height: 23, pixels: (0..<23).flatMap { y in
            Array(source.pixels[(y * 300 * 3)..<(y * 300 * 3 + 31 * 3)])
        })
        for filter in ResampleFilter.allCases {
            let cases: [(String, RGBImage, Int, Int)] = [
                ("down", source, 64, 48), ("squash", source, 90, 90), ("up", corner, 77, 50),
            ]
            for (name, image, w, h) in cases {
                let ours = Resampler.resize(image, box: (0, 0, Double(image.width), Double(image.height)),
                                            outWidth: w, outHeight: h, filter: filter)
                let diff = pixelDifference(ours.pixels, try Self.load(dir, "\(name)_\(filter.rawValue)"))
                #expect(diff.max <= 1, "\(name) \(filter): \(diff)")
            }
        }
    }

    @Test("Shorter-side + centre crop and letterbox padding match Pillow", .enabled(if: Pillow.available))
    func policiesMatchPillow() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        try Pillow.run(Self.generate, in: dir)
        let source = try ImageDecoder().decode(contentsOf: dir.appendingPathComponent("src.png"))
        let shorter = try ImagePreprocessor(options: PreprocessingOptions(
            inputWidth: 112, inputHeight: 112, resize: .shorterSide))
        #expect(shorter.options.resizedSize(sourceWidth: 300, sourceHeight: 200) == (192, 128))
        let a = pixelDifference(shorter.resize(source).pixels, try Self.load(dir, "shorter"))
        #expect(a.max <= 1, "shorter-side: \(a)")
        let pad = try ImagePreprocessor(options: PreprocessingOptions(inputWidth: 112, inputHeight: 112, resize: .pad))
        let b = pixelDifference(pad.resize(source).pixels, try Self.load(dir, "pad"))
        #expect(b.max <= 1, "pad: \(b)")
    }

    @Test("Gray BT.601 with inversion and normalisation matches Pillow's convert('L')",
          .enabled(if: Pillow.available))
    func grayMatchesPillow() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        try Pillow.run(Self.generate, in: dir)
        let source = try ImageDecoder().decode(contentsOf: dir.appendingPathComponent("src.png"))
        let expected = try Self.load(dir, "gray")
        let plain = try ImagePreprocessor(options: PreprocessingOptions(
            inputWidth: 90, inputHeight: 90, channels: 1, mean: [0], std: [1]))
        let inverted = try ImagePreprocessor(options: PreprocessingOptions(
            inputWidth: 90, inputHeight: 90, channels: 1, mean: [0.5], std: [0.25], invert: true))
        let t = plain.tensor(source), u = inverted.tensor(source)
        #expect(t.count == 90 * 90)
        var largest: Float = 0
        for i in 0..<(90 * 90) {
            let v = Float(expected[3 * i])
            largest = max(largest, abs(t[i] * 255 - v))
            largest = max(largest, abs(u[i] - ((255 - v) / 255 - 0.5) / 0.25) * 255 * 0.25)
        }
        // Within one gray level (the resize may differ by one before the luma).
        #expect(largest <= 1.01)
    }

    @Test("Batches are NCHW with per-channel mean and std")
    func batchLayout() throws {
        let red = try RGBImage(width: 4, height: 3, color: RGBColor(red: 255, green: 0, blue: 51))
        let gray = try RGBImage(width: 4, height: 3, color: RGBColor(gray: 102))
        let pre = try ImagePreprocessor(options: PreprocessingOptions(
            inputWidth: 4, inputHeight: 3, mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2]))
        let batch = pre.batch([red, gray])
        #expect(batch.shape == [2, 3, 3, 4])
        #expect(batch.data.count == 2 * 3 * 12)
        func at(_ n: Int, _ c: Int) -> Float { batch.data[(n * 3 + c) * 12 + 5] }
        #expect(abs(at(0, 0) - 1) < 1e-5)        // (1 − 0.5)/0.5
        #expect(abs(at(0, 1) - -1) < 1e-5)       // (0 − 0.25)/0.25
        #expect(abs(at(0, 2) - 0.1) < 1e-5)      // 0.2/2
        #expect(abs(at(1, 0) - -0.2) < 1e-5)     // (0.4 − 0.5)/0.5
        #expect(pre.tensor(gray) == Array(batch.data[36...]))
    }

    @Test("Options that cannot be carried out are refused")
    func invalidOptions() {
        #expect(throws: ImageError.self) { try ImagePreprocessor(options: .init(inputWidth: 0, inputHeight: 5)) }
        #expect(throws: ImageError.self) { try ImagePreprocessor(options: .init(inputWidth: 5, inputHeight: 5, channels: 2)) }
        #expect(throws: ImageError.self) {
            try ImagePreprocessor(options: .init(inputWidth: 5, inputHeight: 5, mean: [0, 0], std: [1, 1]))
        }
        #expect(throws: ImageError.self) {
            try ImagePreprocessor(options: .init(inputWidth: 5, inputHeight: 5, std: [1, 0, 1]))
        }
        #expect(throws: ImageError.self) { try RGBImage(width: 2, height: 2, pixels: [1, 2, 3]) }
    }

    @Test("Decoding plus preprocessing in parallel reports the failing file")
    func encodedBatch() throws {
        let pre = try ImagePreprocessor(options: PreprocessingOptions(inputWidth: 8, inputHeight: 8))
        #expect(throws: ImageError.empty) { try pre.batch(fromEncoded: [Data()]) }
    }
}
