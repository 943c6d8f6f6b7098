import Foundation
import Testing
@testable import Training

/// Shared helpers: temporary folders, a synthetic ImageFolder drawn by Pillow
/// (an independent encoder), and running the real `classifier-train` binary.
enum TestSupport {
    static func temporaryDirectory(_ name: String = #function) -> URL {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("trainer-tests-\(getpid())-\(safe)-\(UInt32.random(in: 0...UInt32.max))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Whether python3 with Pillow is available (the suite's image encoder).
    static let hasPillow: Bool = {
        (try? run("/usr/bin/env", ["python3", "-c", "import PIL"]).status) == 0
    }()

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Drain stderr on another thread so neither pipe can fill and block the child.
        let errData = ErrorBox()
        let reader = Thread { errData.data = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while errData.data == nil { usleep(1000) }
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self),
                String(decoding: errData.data ?? Data(), as: UTF8.self))
    }

    final class ErrorBox: @unchecked Sendable {  // written once by the reader thread, then read
        var data: Data?
    }

    static func python(_ script: String, _ arguments: [String] = []) throws {
        let result = try run("/usr/bin/env", ["python3", "-c", script] + arguments)
        guard result.status == 0 else {
            throw TrainingError.invalidConfiguration("python3 failed: \(result.stderr)")
        }
    }

    /// Classes that differ by colour and shape, so a tiny network separates them
    /// in a few epochs: red discs, green squares, blue horizontal bars. JPEG and
    /// PNG alternate, on light backgrounds with random offsets.
    static func makeSyntheticImageFolder(at root: URL, classes: [String] = ["discs", "squares", "bars"],
                                         perClass: Int = 24, size: Int = 32, seed: Int = 7) throws {
        let script = """
        import sys, os, random
        from PIL import Image, ImageDraw
        root, classes, per, size, seed = sys.argv[1], sys.argv[2].split(','), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        random.seed(seed)
        colours = [(200, 30, 30), (30, 160, 30), (30, 30, 200), (160, 30, 160), (200, 160, 30)]
        for ci, name in enumerate(classes):
            os.makedirs(os.path.join(root, name), exist_ok=True)
            for i in range(per):
                bg = tuple(random.randint(200, 255) for _ in range(3))
                im = Image.new('RGB', (size, size), bg)
                d = ImageDraw.Draw(im)
                c = tuple(max(0, min(255, v + random.randint(-25, 25))) for v in colours[ci % len(colours)])
                s = size // 2
                x, y = random.randint(0, size - s - 1), random.randint(0, size - s - 1)
                kind = ci % 3
                if kind == 0: d.ellipse([x, y, x + s, y + s], fill=c)
                elif kind == 1: d.rectangle([x, y, x + s, y + s], fill=c)
                else: d.rectangle([0, y, size, y + s // 3], fill=c)
                ext = 'jpg' if i % 2 else 'png'
                im.save(os.path.join(root, name, f'img{i:03d}.{ext}'), quality=95)
        """
        try python(script, [root.path, classes.joined(separator: ","), String(perClass), String(size), String(seed)])
    }

    /// The `classifier-train` binary built beside the test bundle.
    static var trainBinary: String? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("classifier-train").path,
            packageRoot.appendingPathComponent(".build/release/classifier-train").path,
            packageRoot.appendingPathComponent(".build/debug/classifier-train").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Fashion-MNIST as Debian's `dataset-fashion-mnist` installs it.
    static let fashionMNIST = "/usr/share/datasets/fashion-mnist"
    static let hasFashionMNIST = FileManager.default.fileExists(atPath: fashionMNIST + "/t10k-images-idx3-ubyte.gz")

    /// The hymenoptera (ants/bees) training photos: under `IMAGECLASSIFIER_DATA`, or in
    /// `../shared/data` beside the package, or in /work/shared/data. Nil when absent.
    static let hymenopteraTrain: String? = {
        let roots: [String?] = [ProcessInfo.processInfo.environment["IMAGECLASSIFIER_DATA"],
                                packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data").path,
                                "/work/shared/data"]
        return roots.compactMap { $0 }.map { $0 + "/hymenoptera/train" }.first { FileManager.default.fileExists(atPath: $0) }
    }()

    /// A configuration for a quick run on a synthetic folder.
    static func quickConfiguration(data: URL, out: URL) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.data = data.path
        c.arch = "resnet20"
        c.inputSize = 16
        c.epochs = 4
        c.batchSize = 12
        c.optimizer = .adamw
        c.lr = 0.01
        c.valSplit = 0.25
        c.threads = 2
        c.out = out.path
        return c
    }

    /// Progress output thrown away (tests read the outcome, not the text).
    static func silentPrinter() -> ProgressPrinter {
        ProgressPrinter(output: FileHandle(forWritingAtPath: "/dev/null") ?? .standardError, forceTerminal: false)
    }
}
