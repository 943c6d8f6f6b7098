import Foundation
import NeuralEngine

/// Real model files for end-to-end tests: a small network from an engine preset
/// with random weights, saved by the engine's own `ModelFile.save` (atomic).
/// Different seeds give different weights, hence different versions.
enum TestModelFile {
    static let labels = ["ants", "bees"]

    static func metadata(preset: String = "resnet20", size: Int = 32, labels: [String] = labels,
                         testTimeAugmentation: Preprocessing.TestTimeAugmentation? = nil,
                         calibration: ScoreCalibration? = nil) throws -> ModelMetadata {
        let spec = try ArchitectureSpec.preset(preset, inputSize: size, channels: 3, classes: labels.count)
        return ModelMetadata(
            architecture: spec, labels: labels,
            preprocessing: Preprocessing(inputWidth: size, inputHeight: size, channels: 3,
                                         mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
                                         resize: .shorterSide, testTimeAugmentation: testTimeAugmentation),
            provenance: Provenance(createdAt: "2026-11-21T12:00:00Z", arguments: ["test"],
                                   dataSummary: ["images": "0"], metrics: ["val_accuracy": 0.5]),
            calibration: calibration)
    }

    /// Writes a model to `url` atomically and returns its bytes.
    @discardableResult
    static func write(to url: URL, seed: UInt64, preset: String = "resnet20", size: Int = 32,
                      labels: [String] = labels,
                      testTimeAugmentation: Preprocessing.TestTimeAugmentation? = nil,
                      calibration: ScoreCalibration? = nil) throws -> [UInt8] {
        let metadata = try metadata(preset: preset, size: size, labels: labels, testTimeAugmentation: testTimeAugmentation,
                                    calibration: calibration)
        let network = try buildNetwork(metadata.architecture, seed: seed, zeroInitResidualGamma: false)
        try ModelFile.save(network: network, metadata: metadata, to: url)
        return Array(try Data(contentsOf: url))
    }

    /// Bytes of a model with this seed, without leaving a file behind.
    static func bytes(seed: UInt64) throws -> [UInt8] {
        let directory = try makeTemporaryDirectory("model-bytes")
        defer { try? FileManager.default.removeItem(at: directory) }
        return try write(to: directory.appendingPathComponent("m.safetensors"), seed: seed)
    }
}

/// Where the shared test images are: `IMAGECLASSIFIER_DATA`, `../shared/data`
/// beside the package, or /work/shared/data. Nil when none exists.
enum TestData {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    static var directory: URL? {
        var candidates: [URL] = []
        if let fromEnvironment = ProcessInfo.processInfo.environment["IMAGECLASSIFIER_DATA"] {
            candidates.append(URL(fileURLWithPath: fromEnvironment))
        }
        candidates.append(packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data"))
        candidates.append(URL(fileURLWithPath: "/work/shared/data"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("hymenoptera/train").path) }
    }

    /// Every file under hymenoptera/train/{ants,bees}, sorted.
    static func hymenopteraFiles() -> [URL] {
        guard let root = directory?.appendingPathComponent("hymenoptera/train") else { return [] }
        var files: [URL] = []
        for label in ["ants", "bees"] {
            let folder = root.appendingPathComponent(label)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            files += names.sorted().map { folder.appendingPathComponent($0) }
        }
        return files
    }
}

/// Images made by Pillow (an independent encoder) in a temporary directory.
enum GeneratedImages {
    /// Writes the named images and returns their URLs by name. Kinds:
    /// `rgb.jpg` 640×480 JPEG, `gray.png` 8-bit grey PNG, `alpha.png` RGBA PNG,
    /// `tiny.png` 1×1, `anim.gif` GIF, `huge.png` 8000×8000 (a pixel bomb: small file),
    /// `truncated.jpg` the JPEG cut in half, `progressive.jpg`.
    static func make(in directory: URL) throws -> [String: URL] {
        let script = """
        import sys, os
        from PIL import Image, ImageDraw
        d = sys.argv[1]
        im = Image.new("RGB", (640, 480), (200, 180, 40))
        draw = ImageDraw.Draw(im)
        draw.ellipse((160, 80, 480, 400), fill=(30, 60, 200))
        im.save(os.path.join(d, "rgb.jpg"), quality=90)
        im.save(os.path.join(d, "progressive.jpg"), quality=85, progressive=True)
        im.convert("L").save(os.path.join(d, "gray.png"))
        rgba = im.convert("RGBA"); rgba.putalpha(128); rgba.save(os.path.join(d, "alpha.png"))
        Image.new("RGB", (1, 1), (255, 0, 0)).save(os.path.join(d, "tiny.png"))
        im.resize((64, 48)).save(os.path.join(d, "anim.gif"))
        Image.new("L", (8000, 8000), 0).save(os.path.join(d, "huge.png"), optimize=True)
        data = open(os.path.join(d, "rgb.jpg"), "rb").read()
        open(os.path.join(d, "truncated.jpg"), "wb").write(data[: len(data) // 2])
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, directory.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("python3 with Pillow could not generate test images") }
        let names = ["rgb.jpg", "progressive.jpg", "gray.png", "alpha.png", "tiny.png", "anim.gif", "huge.png", "truncated.jpg"]
        return Dictionary(uniqueKeysWithValues: names.map { ($0, directory.appendingPathComponent($0)) })
    }

    static func makeAsync(in directory: URL) async throws -> [String: URL] {
        try await offPool { try make(in: directory) }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
