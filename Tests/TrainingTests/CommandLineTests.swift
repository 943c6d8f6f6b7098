import Foundation
import NeuralEngine
import Testing
@testable import Training

/// The real `classifier-train` binary: every error is one line on stderr and a
/// non-zero exit; the three commands work end to end.
@Suite(.serialized, .enabled(if: TestSupport.trainBinary != nil)) struct CommandLineTests {
    func expectOneLineError(_ arguments: [String], mentioning fragment: String, and more: String...,
                            runAs prefix: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let binary = try #require(TestSupport.trainBinary)
        let result = prefix.isEmpty ? try TestSupport.run(binary, arguments)
            : try TestSupport.run(prefix[0], Array(prefix.dropFirst()) + [binary] + arguments)
        #expect(result.status != 0, "exit status", sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("classifier-train: error: "), sourceLocation: sourceLocation)
        for text in [fragment] + more {
            #expect(result.stderr.contains(text), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    @Test func aMissingFolderIsOneLine() throws {
        let out = TestSupport.temporaryDirectory().appendingPathComponent("m.safetensors").path
        try expectOneLineError(["train", "--data", "/nonexistent/photos", "--out", out], mentioning: "no such directory: /nonexistent/photos")
    }

    @Test func aClassWithNoImagesIsOneLine() throws {
        let root = TestSupport.temporaryDirectory()
        try FileManager.default.createDirectory(at: root.appendingPathComponent("cats"), withIntermediateDirectories: true)
        try Data([0xFF, 0xD8, 0xFF, 0xE0]).write(to: root.appendingPathComponent("cats/a.jpg"))
        try FileManager.default.createDirectory(at: root.appendingPathComponent("dogs"), withIntermediateDirectories: true)
        let out = root.appendingPathComponent("m.safetensors").path
        try expectOneLineError(["train", "--data", root.path, "--out", out], mentioning: "class 'dogs' has no images")
    }

    @Test func aNonWritableOutputIsOneLine() throws {
        let root = TestSupport.temporaryDirectory()
        try expectOneLineError(["train", "--data", root.path, "--out", "/proc/forbidden/m.safetensors"], mentioning: "cannot write /proc/forbidden/m.safetensors")
    }

    @Test func badFlagsAndCombinationsAreOneLine() throws {
        let out = TestSupport.temporaryDirectory().appendingPathComponent("m.safetensors").path
        try expectOneLineError(["train", "--data", "x", "--val", "y", "--val-split", "0.2", "--out", out], mentioning: "--val and --val-split")
        try expectOneLineError(["train", "--data", "x", "--unfreeze-after", "2", "--out", out], mentioning: "--unfreeze-after needs --freeze-backbone")
        try expectOneLineError(["train", "--data", "x", "--epoch", "3"], mentioning: "--epoch")
        try expectOneLineError(["train", "--data", "x", "--epochs", "lots"], mentioning: "lots")
        try expectOneLineError(["train", "--data", "x", "--brightness-range", "bright"], mentioning: "--brightness-range")
        try expectOneLineError(["train", "--data", "x", "--optimizer", "rmsprop"], mentioning: "rmsprop")
        try expectOneLineError(["train", "--data", "x", "--arch", "resnet9000", "--out", out], mentioning: "resnet9000")
        try expectOneLineError(["train", "--data", "x", "--time-budget", "0", "--out", out], mentioning: "--time-budget")
        try expectOneLineError(["train", "--data", "x", "--random-erasing", "1.5", "--out", out], mentioning: "--random-erasing")
        try expectOneLineError(["train", "--data", "x", "--flip-tta", "--out", out], mentioning: "--flip-tta needs --horizontal-flip")
        try expectOneLineError(["train", "--config", "/nonexistent.yaml"], mentioning: "/nonexistent.yaml")
        try expectOneLineError(["inspect"], mentioning: "--model")
        try expectOneLineError(["evaluate", "--model", "/nonexistent.safetensors", "--data", "x"], mentioning: "/nonexistent.safetensors")
        try expectOneLineError(["frobnicate"], mentioning: "frobnicate")
    }

    @Test(.enabled(if: TestSupport.trainBinary != nil))
    func nonFiniteNumbersAreOneLineWithTheRange() throws {
        let out = TestSupport.temporaryDirectory().appendingPathComponent("m.safetensors").path
        // `--momentum=-inf`: a separate "-inf" would be read as a flag.
        for (given, flag, range) in [(["--lr", "nan"], "--lr", "> 0"), (["--lr", "inf"], "--lr", "> 0"),
                                     (["--val-split", "nan"], "--val-split", "[0, 1)"),
                                     (["--weight-decay", "nan"], "--weight-decay", "[0, 1]"),
                                     (["--momentum=-inf"], "--momentum", "[0, 1)"),
                                     (["--rotation-range", "nan"], "--rotation-range", "[0, 180]"),
                                     (["--mean", "nan"], "--mean", "[0, 1]"),
                                     (["--brightness-range", "0.5,inf"], "--brightness-range", "0 < LO <= HI")] {
            try expectOneLineError(["train", "--data", "x", "--out", out] + given, mentioning: "\(flag) ", and: "finite", range)
        }
    }

    /// resnet18's last stage is 1×1 at 32×32: with one image per batch, every BatchNorm
    /// there would see one value per channel (the engine's precondition, exit 132, before).
    @Test(.enabled(if: TestSupport.trainBinary != nil && TestSupport.hasPillow))
    func aBatchTooSmallForBatchNormIsRefusedAtStartUp() throws {
        let root = TestSupport.temporaryDirectory()
        let data = root.appendingPathComponent("shapes")
        try TestSupport.makeSyntheticImageFolder(at: data, classes: ["discs", "squares"], perClass: 2)
        try expectOneLineError(["train", "--data", data.path, "--arch", "resnet18", "--input-size", "32",
                                "--batch-size", "1", "--threads", "2", "--out", root.appendingPathComponent("m.safetensors").path],
                               mentioning: "--batch-size 1", and: "BatchNorm", "stage4")
    }

    /// A batch that ends up with one image (here a broken file beside a good one, with
    /// batches of two) is skipped and said so, rather than reaching BatchNorm's precondition.
    /// Which batches pair a broken file with a good one depends on the seeded shuffle; with
    /// seed 42 most of the 3 epochs have such a batch.
    @Test(.enabled(if: TestSupport.trainBinary != nil && TestSupport.hasPillow))
    func aBatchLeftWithOneImageIsSkippedAndReported() throws {
        let binary = try #require(TestSupport.trainBinary)
        let root = TestSupport.temporaryDirectory()
        let data = root.appendingPathComponent("shapes")
        try TestSupport.makeSyntheticImageFolder(at: data, classes: ["discs", "squares"], perClass: 3)
        for name in ["discs", "squares"] {
            try Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]).write(to: data.appendingPathComponent("\(name)/broken.jpg"))
        }
        let result = try TestSupport.run(binary, ["train", "--data", data.path, "--arch", "resnet18", "--input-size", "32",
                                                  "--batch-size", "2", "--epochs", "3", "--val-split", "0", "--seed", "42",
                                                  "--threads", "2", "--out", root.appendingPathComponent("m.safetensors").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(": skipped "), "\(result.stdout)")
        #expect(result.stdout.contains(" of 1 image (BatchNorm in resnet18 at 32×32 trains on 2 or more)"), "\(result.stdout)")
    }

    /// Root reads every file whatever its mode, so the run drops to `nobody` with `setpriv`
    /// and meets real EACCES from the kernel: an unreadable data folder, class folder and image.
    static let asNobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    static var canDropToNobody: Bool {
        getuid() == 0 && TestSupport.trainBinary != nil
            && (try? TestSupport.run(asNobody[0], Array(asNobody.dropFirst()) + ["/bin/true"]).status) == 0
    }

    @Test(.enabled(if: CommandLineTests.canDropToNobody))
    func unreadableFoldersAndImagesArePermissionDeniedWithThePath() throws {
        let root = TestSupport.temporaryDirectory()
        let data = root.appendingPathComponent("photos")
        for name in ["cats/1.jpg", "cats/2.jpg", "dogs/1.jpg"] {
            let file = data.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]).write(to: file)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: root.path)  // nobody writes --out here
        let out = root.appendingPathComponent("m.safetensors").path
        func chmod(_ path: URL, _ mode: Int) throws {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path.path)
        }
        let image = data.appendingPathComponent("cats/2.jpg"), folder = data.appendingPathComponent("dogs")
        try chmod(image, 0)
        try expectOneLineError(["train", "--data", data.path, "--out", out],
                               mentioning: "cannot read \(image.path): permission denied", runAs: Self.asNobody)
        try chmod(image, 0o644)
        try chmod(folder, 0)
        try expectOneLineError(["train", "--data", data.path, "--out", out],
                               mentioning: "cannot read \(folder.path): permission denied", runAs: Self.asNobody)
        try chmod(folder, 0o755)
        try chmod(data, 0)
        try expectOneLineError(["train", "--data", data.path, "--out", out],
                               mentioning: "cannot read \(data.path): permission denied", runAs: Self.asNobody)
        try chmod(data, 0o755)
    }

    @Test func inspectPrintsTheLayerTableOfAPreset() throws {
        let binary = try #require(TestSupport.trainBinary)
        let result = try TestSupport.run(binary, ["inspect", "--arch", "resnet20", "--input-size", "32", "--channels", "3", "--classes", "10"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("272,474"))   // torchvision-style count for CIFAR ResNet-20 with projection shortcuts
        #expect(result.stdout.contains("GFLOPs"))
        #expect(result.stdout.contains("stage3"))
    }

    @Test(.enabled(if: TestSupport.hasPillow))
    func trainEvaluateAndInspectWorkTogetherFromAConfigFile() throws {
        let binary = try #require(TestSupport.trainBinary)
        let root = TestSupport.temporaryDirectory()
        let data = root.appendingPathComponent("shapes")
        try TestSupport.makeSyntheticImageFolder(at: data, perClass: 12)
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]).write(to: data.appendingPathComponent("bars/truncated.jpg"))
        let out = root.appendingPathComponent("model.safetensors")
        let config = root.appendingPathComponent("run.yaml")
        try """
        data: \(data.path)
        arch: simple-cnn
        input-size: 16
        epochs: 3
        batch-size: 8
        optimizer: adamw
        lr: 0.003
        horizontal-flip: true
        """.write(to: config, atomically: true, encoding: .utf8)
        let train = try TestSupport.run(binary, ["train", "--config", config.path, "--epochs", "2", "--out", out.path, "--threads", "2"])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("\"epochs\" : 2"))            // the flag overrode the file
        #expect(train.stdout.contains("\"horizontal-flip\" : true"))
        #expect(train.stdout.contains("epoch 2/2"))
        #expect(train.stdout.contains("1 unreadable image(s) were skipped"))
        #expect(train.stdout.contains("truncated.jpg"))
        #expect(!train.stdout.contains("\u{1B}["))                  // not a terminal: no progress bar
        let model = try ModelFile.load(from: out)
        #expect(model.metadata.provenance?.arguments.contains("--config") == true)

        let evaluate = try TestSupport.run(binary, ["evaluate", "--model", out.path, "--data", data.path, "--json"])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any]
        #expect(json?["images"] as? Int == 36)
        #expect((json?["confusionMatrix"] as? [[Int]])?.count == 3)
        #expect((json?["unreadableImages"] as? [String])?.count == 1)

        let inspect = try TestSupport.run(binary, ["inspect", "--model", out.path])
        #expect(inspect.status == 0)
        #expect(inspect.stdout.contains("labels (3): bars, discs, squares"))
        #expect(inspect.stdout.contains("metric val_accuracy"))
        // Training held out validation images, so the file has a verdict and a temperature.
        #expect(inspect.stdout.contains("out of distribution: knn, threshold"), "\(inspect.stdout)")
        #expect(inspect.stdout.contains("calibration: temperature"))
    }
}
