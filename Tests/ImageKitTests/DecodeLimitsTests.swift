import Foundation
import Testing
@testable import ImageKit

/// Files built to be slow or greedy, and ordinary files that must not be refused
/// (issue #19, items 1–3 and 5).
@Suite("Decode limits")
struct DecodeLimitsTests {
    static let cjpegAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/cjpeg")

    /// Writes `noise.ppm` (random RGB of the size in argv[2] × argv[3]), a
    /// 100-scan progressive JPEG of it (`scans.jpg`, cjpeg's most), a plain
    /// progressive one (`progressive.jpg`) and a noise PNG (`noise.png`).
    static let makeFiles = """
    import sys, subprocess, numpy as np
    from PIL import Image
    d, w, h = sys.argv[1], 512, 512
    rng = np.random.default_rng(7)
    Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(f"{d}/noise.ppm")
    Image.fromarray(rng.integers(0, 255, (1500, 1500, 3), dtype=np.uint8)).save(f"{d}/big.png")
    Image.fromarray(rng.integers(0, 255, (1500, 1500, 3), dtype=np.uint8)).save(f"{d}/big.ppm")
    lines = ["0,1,2: 0 0 0 0;"]
    for c in range(3):
        lines += [f"{c}: {k} {k} 0 0;" for k in range(1, 33)] + [f"{c}: 33 63 0 0;"]
    open(f"{d}/scans.txt", "w").write("\\n".join(lines) + "\\n")
    subprocess.run(["cjpeg", "-scans", f"{d}/scans.txt", "-outfile", f"{d}/scans.jpg", f"{d}/noise.ppm"], check=True)
    subprocess.run(["cjpeg", "-progressive", "-outfile", f"{d}/big.jpg", f"{d}/big.ppm"], check=True)
    """

    func load(_ dir: URL, _ name: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(name)) }

    @Test("A progressive JPEG with more scans than the limit is refused as too complex; within it, it decodes",
          .enabled(if: Pillow.available && cjpegAvailable))
    func scanLimit() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        try Pillow.run(Self.makeFiles, in: dir)
        let file = try load(dir, "scans.jpg")
        #expect(try ImageDecoder().decode(file).width == 512)
        let error = decodingError(file, options: DecodeOptions(maxScans: 60))
        #expect(error == .tooComplex(format: .jpeg, reason: "more than 60 scans"))
        #expect(decodingError(file, options: DecodeOptions(maxScans: 100)) == nil)
    }

    @Test("A CPU-time limit stops JPEG and PNG decodes that pass it; without one they decode",
          .enabled(if: Pillow.available && cjpegAvailable))
    func cpuTimeLimit() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        try Pillow.run(Self.makeFiles, in: dir)
        for (name, format) in [("big.jpg", ImageFormat.jpeg), ("big.png", .png)] {
            let file = try load(dir, name)
            #expect(decodingError(file) == nil, "\(name)")
            let error = decodingError(file, options: DecodeOptions(cpuTimeLimit: .microseconds(1)))
            #expect(error == .tooComplex(format: format, reason: "decoding took more than 0 ms of CPU time"), "\(name)")
            #expect(decodingError(file, options: DecodeOptions(cpuTimeLimit: .seconds(60))) == nil, "\(name)")
        }
    }

    @Test("A cancelled decode stops with .cancelled, for JPEG and PNG, even when cancelled from another thread",
          .enabled(if: Pillow.available && cjpegAvailable))
    func cancellation() async throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        try Pillow.run(Self.makeFiles, in: dir)
        for name in ["big.jpg", "big.png"] {
            let file = try load(dir, name)
            let cancelled = DecodeCancellation()
            cancelled.cancel()
            #expect(decodingError(file, options: DecodeOptions(cancellation: cancelled)) == .cancelled, "\(name)")
            // Not cancelled: the same options decode.
            #expect(decodingError(file, options: DecodeOptions(cancellation: DecodeCancellation())) == nil)
        }
        // From another thread while decoding: keep decoding until one decode sees it.
        let file = try load(dir, "big.png")
        let cancellation = DecodeCancellation()
        // On a Dispatch thread, not the cooperative pool, which this loop would hold.
        let outcome = Locked<ImageError?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            for _ in 0..<2_000 {
                if let error = decodingError(file, options: DecodeOptions(cancellation: cancellation)) {
                    outcome.set(error)
                    break
                }
            }
            done.signal()
        }
        try await Task.sleep(for: .milliseconds(50))
        cancellation.cancel()
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { done.wait(); continuation.resume() }
        }
        #expect(outcome.value == .cancelled)
    }

    /// A 100×100 RGBA PNG whose one zlib stream goes on with `extra` zero
    /// bytes after the image's rows (argv[2]), compressed: 200 MB of zeros
    /// fit in about 200 KB.
    static let excessIDAT = """
    import sys, zlib, struct
    d, extra = sys.argv[1], int(sys.argv[2])
    def chunk(t, b): return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
    raw = b"".join(b"\\0" + bytes(range(200)) * 2 for _ in range(100))
    z = zlib.compressobj(9)
    body = z.compress(raw) + z.compress(bytes(extra)) + z.flush()
    png = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100, 100, 8, 6, 0, 0, 0))
    png += chunk(b"IDAT", body) + chunk(b"IEND", b"")
    open(f"{d}/extra.png", "wb").write(png)
    """

    @Test("Compressed data far past the last row is refused before it is inflated; a little extra is accepted, as by Pillow",
          .enabled(if: Pillow.available))
    func excessCompressedData() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        try Pillow.run(Self.excessIDAT.replacingOccurrences(of: "int(sys.argv[2])", with: "200_000_000"), in: dir)
        let bomb = try load(dir, "extra.png")
        #expect(bomb.count < 400_000)
        #expect(decodingError(bomb) == .corrupt(format: .png, reason: "compressed image data continues past the last row"))

        try Pillow.run(Self.excessIDAT.replacingOccurrences(of: "int(sys.argv[2])", with: "0"), in: dir)
        let exact = try ImageDecoder().decode(load(dir, "extra.png"))
        try Pillow.run(Self.excessIDAT.replacingOccurrences(of: "int(sys.argv[2])", with: "100"), in: dir)
        let slightlyLong = try ImageDecoder().decode(load(dir, "extra.png"))
        #expect(slightlyLong.width == 100 && slightlyLong.pixels == exact.pixels)
    }

    @Test("Every hymenoptera photo re-saved as PNG by Pillow, ICC profile kept, decodes (libpng's benign errors are warnings)",
          .enabled(if: Pillow.available && TestData.hymenopteraTrain != nil))
    func pngsWithICCProfilesDecode() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        let script = """
        import sys, glob, os
        from PIL import Image
        d, n = sys.argv[1], 0
        for i, path in enumerate(sorted(glob.glob("\(TestData.hymenopteraTrain!.path)/*/*.jpg"))):
            im = Image.open(path)
            icc = im.info.get("icc_profile")
            if not icc: continue
            im.convert("RGB").resize((32, 32)).save(f"{d}/{i}.png", icc_profile=icc)
            n += 1
        print(n)
        """
        let count = Int(try Pillow.run(script, in: dir).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(count >= 10)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".png") }
        #expect(names.count == count)
        for name in names {
            #expect(decodingError(try load(dir, name)) == nil, "\(name)")
        }
    }

    @Test("A body cut off inside the JPEG or PNG signature is a truncated file of that format")
    func truncatedSignatures() {
        #expect(decodingError([0xFF, 0xD8])?.isCorrupt == true)
        #expect(decodingError([0x89, 0x50, 0x4E, 0x47])?.isCorrupt == true)
        #expect(decodingError([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A])?.isCorrupt == true)
        #expect(ImageFormat.detect([0xFF, 0xD8, 0x00]) == nil)
        #expect(ImageFormat.detect([0x89, 0x50, 0x4E]) == nil)
    }
}

@Suite("Decode memory estimates")
struct DecodeMemoryEstimateTests {
    @Test("The estimate comes from the header: RGBA plus RGB for a PNG, RGB plus coefficients for a progressive JPEG",
          .enabled(if: Pillow.available))
    func estimatesFromTheHeader() throws {
        let dir = try Pillow.scratch()
        defer { Pillow.cleanUp(dir) }
        try Pillow.run("""
        import sys
        from PIL import Image
        d = sys.argv[1]
        Image.new("RGBA", (7000, 7000)).save(f"{d}/bomb.png", optimize=True)
        Image.new("RGB", (800, 600)).save(f"{d}/baseline.jpg")
        Image.new("RGB", (800, 600)).save(f"{d}/progressive.jpg", progressive=True)
        """, in: dir)
        let bomb = try [UInt8](Data(contentsOf: dir.appendingPathComponent("bomb.png")))
        #expect(bomb.count < 300_000)
        #expect(ImageDecoder().estimatedPeakBytes(bomb) == 7000 * 7000 * 7)
        let baseline = try [UInt8](Data(contentsOf: dir.appendingPathComponent("baseline.jpg")))
        #expect(ImageDecoder().estimatedPeakBytes(baseline) == 800 * 600 * 3)
        let progressive = try [UInt8](Data(contentsOf: dir.appendingPathComponent("progressive.jpg")))
        #expect(ImageDecoder().estimatedPeakBytes(progressive) == 800 * 600 * 3 + 800 * 600 * 3 * 2)
        #expect(ImageDecoder().estimatedPeakBytes(Array("not an image".utf8)) == 12)
    }
}

/// A value shared with a Dispatch thread.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.lock(); defer { lock.unlock() }; return stored }
    func set(_ value: Value) { lock.lock(); stored = value; lock.unlock() }
}
