import Foundation
import Testing
@testable import ImageKit

@Suite("PNG decoding") struct PNGDecoderTests {
    /// A small PNG encoder (every colour type, bit depth, tRNS and Adam7, which
    /// Pillow cannot all write), plus Pillow's decoding of each file as RGBA.
    static let generate = """
    import sys, zlib, struct
    import numpy as np
    from PIL import Image
    d = sys.argv[1]
    def chunk(t, data):
        return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data) & 0xffffffff)
    def row_bytes(row, depth):
        flat = row.reshape(-1).astype(np.uint32)
        if depth == 16: return flat.astype(">u2").tobytes()
        if depth == 8: return flat.astype(np.uint8).tobytes()
        bits = "".join(format(int(v), f"0{depth}b") for v in flat)
        bits += "0" * ((-len(bits)) % 8)
        return int(bits, 2).to_bytes(len(bits) // 8, "big")
    ADAM7 = [(0, 0, 8, 8), (0, 4, 8, 8), (4, 0, 8, 4), (0, 2, 4, 4), (2, 0, 4, 2), (0, 1, 2, 2), (1, 0, 2, 1)]
    def write_png(name, arr, ct, depth, plte=None, trns=None, interlace=False, extra=b""):
        h, w = arr.shape[:2]
        raw = b""
        for (y0, x0, dy, dx) in (ADAM7 if interlace else [(0, 0, 1, 1)]):
            sub = arr[y0::dy, x0::dx]
            if sub.shape[0] == 0 or sub.shape[1] == 0: continue
            for i, row in enumerate(sub):
                raw += bytes([i % 2]) + (row_bytes(row, depth) if i % 2 == 0 else sub_filter(row_bytes(row, depth), depth, arr))
        data = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ct, 0, 0, int(interlace)))
        if plte is not None: data += chunk(b"PLTE", plte)
        if trns is not None: data += chunk(b"tRNS", trns)
        data += extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
        open(f"{d}/{name}.png", "wb").write(data)
    def sub_filter(b, depth, arr):
        # Filter type 1 (Sub): each byte minus the byte one pixel to the left.
        channels = arr.shape[2] if arr.ndim == 3 else 1
        bpp = max(1, channels * depth // 8)
        return bytes((b[i] - (b[i - bpp] if i >= bpp else 0)) & 0xff for i in range(len(b)))
    rng = np.random.default_rng(3)
    W, H = 13, 11
    def rand(depth, *shape): return rng.integers(0, 2 ** depth, size=(H, W) + shape, dtype=np.uint32)
    for depth in (1, 2, 4, 8, 16):
        write_png(f"gray{depth}", rand(depth), 0, depth)
        write_png(f"gray{depth}_adam7", rand(depth), 0, depth, interlace=True)
    write_png("gray8_trns", rand(8) // 16 * 16, 0, 8, trns=struct.pack(">H", 32))
    for depth in (8, 16):
        write_png(f"rgb{depth}", rand(depth, 3), 2, depth)
        write_png(f"rgb{depth}_adam7", rand(depth, 3), 2, depth, interlace=True)
        write_png(f"graya{depth}", rand(depth, 2), 4, depth)
        write_png(f"rgba{depth}", rand(depth, 4), 6, depth)
        write_png(f"rgba{depth}_adam7", rand(depth, 4), 6, depth, interlace=True)
    write_png("rgb8_trns", rand(8, 3) // 64 * 64, 2, 8, trns=struct.pack(">HHH", 64, 128, 0))
    for depth in (1, 2, 4, 8):
        n = 2 ** depth
        plte = bytes(rng.integers(0, 256, 3 * n, dtype=np.uint8))
        trns = bytes(rng.integers(0, 256, max(1, n // 2), dtype=np.uint8))
        write_png(f"palette{depth}", rand(depth), 3, depth, plte=plte)
        write_png(f"palette{depth}_trns", rand(depth), 3, depth, plte=plte, trns=trns)
        write_png(f"palette{depth}_trns_adam7", rand(depth), 3, depth, plte=plte, trns=trns, interlace=True)
    # Files written by Pillow itself.
    base = Image.fromarray(rng.integers(0, 256, (H * 3, W * 3, 4), dtype=np.uint8))
    base.save(f"{d}/pillow_rgba.png")
    base.convert("RGB").save(f"{d}/pillow_rgb.png", optimize=True)
    base.convert("LA").save(f"{d}/pillow_la.png")
    base.convert("1").save(f"{d}/pillow_1.png")
    base.convert("P").save(f"{d}/pillow_p.png")
    import os
    for name in sorted(os.listdir(d)):
        if not name.endswith(".png"): continue
        im = Image.open(f"{d}/{name}")
        if im.mode.startswith("I"):
            # 16-bit gray: Pillow clips when converting I;16 to 8 bits, so take the
            # high byte ourselves, which is what it does for every other 16-bit mode.
            g = (np.array(im).astype(np.uint32) >> 8).astype(np.uint8)
            a = np.full_like(g, 255)
            ref = np.stack([g, g, g, a], -1)
        else:
            ref = np.array(im.convert("RGBA"))
        open(f"{d}/{name}.rgba", "wb").write(ref.tobytes())
        print(name, im.size[0], im.size[1])
    """

    @Test("Every colour type, bit depth, tRNS and Adam7 file decodes to Pillow's RGBA exactly",
          .enabled(if: Pillow.available))
    func everyKindMatchesPillowExactly() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        let lines = try Pillow.run(Self.generate, in: dir).split(separator: "\n")
        #expect(lines.count >= 35)
        for line in lines {
            let parts = line.split(separator: " ")
            let name = String(parts[0])
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            let expected = try [UInt8](Data(contentsOf: dir.appendingPathComponent(name + ".rgba")))
            let decoded = try data.withUnsafeBytes { try PNGDecoder.decodeRGBA($0, options: DecodeOptions()) }
            #expect(decoded.width == Int(parts[1]) && decoded.height == Int(parts[2]), "\(name)")
            #expect(decoded.rgba == expected, "\(name): \(pixelDifference(decoded.rgba, expected))")

            // Through the public decoder: alpha over a chosen background, Pillow's paste rounding.
            let background = RGBColor(red: 10, green: 200, blue: 30)
            let image = try ImageDecoder(options: DecodeOptions(background: background)).decode(data)
            var composited = [UInt8]()
            for i in stride(from: 0, to: expected.count, by: 4) {
                let a = Int(expected[i + 3])
                for (k, bg) in [background.red, background.green, background.blue].enumerated() {
                    composited.append(UInt8((Int(expected[i + k]) * a + Int(bg) * (255 - a) + 127) / 255))
                }
            }
            #expect(image.pixels == composited, "\(name) composited")
        }
    }

    @Test("Transparent pixels land on white by default")
    func whiteBackgroundByDefault() throws {
        let rgba: [UInt8] = [255, 0, 0, 0, 0, 0, 255, 128]
        #expect(PNGDecoder.composite(rgba, over: .white) == [255, 255, 255, 127, 127, 255])
    }

    static let damaged = """
    import sys, zlib, struct
    import numpy as np
    from PIL import Image, PngImagePlugin
    d = sys.argv[1]
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "hello")
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (40, 50, 3), dtype=np.uint8)).save(f"{d}/good.png", pnginfo=info)
    data = open(f"{d}/good.png", "rb").read()
    def chunks(data):
        i = 8
        while i < len(data):
            n = struct.unpack(">I", data[i:i+4])[0]
            yield i, data[i+4:i+8], n
            i += 12 + n
    def with_ihdr(w, h):
        body = struct.pack(">II", w, h) + data[24:29]
        return data[:16] + body + struct.pack(">I", zlib.crc32(b"IHDR" + body) & 0xffffffff) + data[33:]
    for pos, kind, n in chunks(data):
        if kind == b"IDAT":
            bad = bytearray(data); bad[pos + 8 + n // 2] ^= 0x01; open(f"{d}/crc_idat.png", "wb").write(bad)
        if kind == b"tEXt":
            bad = bytearray(data); bad[pos + 9] ^= 0x20; open(f"{d}/crc_text.png", "wb").write(bad)
    open(f"{d}/zero_width.png", "wb").write(with_ihdr(0, 40))
    open(f"{d}/lying_huge.png", "wb").write(with_ihdr(20000, 14000))
    open(f"{d}/lying_big.png", "wb").write(with_ihdr(3000, 2000))
    """

    @Test("CRC errors in any chunk, zero sizes, lying headers and truncation are errors",
          .enabled(if: Pillow.available))
    func damagedFilesAreErrors() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        try Pillow.run(Self.damaged, in: dir)
        func load(_ name: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(name)) }
        let good = try load("good.png")
        #expect(try ImageDecoder().decode(good).width == 50)
        for name in ["crc_idat.png", "crc_text.png", "zero_width.png", "lying_big.png"] {
            let error = decodingError(try load(name))
            #expect(error?.isCorrupt == true, "\(name): \(String(describing: error))")
        }
        #expect(throws: ImageError.tooLarge(width: 20000, height: 14000, maxPixels: 64_000_000,
                                            maxDimension: 16_384)) {
            try ImageDecoder().decode(load("lying_huge.png"))
        }
        for length in [8, 20, 33, 60, good.count / 2, good.count - 12, good.count - 1] {
            #expect(throws: ImageError.self, "cut at \(length)") {
                try ImageDecoder().decode(Data(good.prefix(length)))
            }
        }
    }
}
