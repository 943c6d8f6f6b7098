import Foundation
import Testing
@testable import Training

@Suite struct ConfigurationLoaderTests {
    @Test func aYAMLFileIsReadAndFlagsOverrideIt() throws {
        let folder = TestSupport.temporaryDirectory()
        let file = folder.appendingPathComponent("run.yaml")
        try """
        data: /data/photos
        epochs: 30
        val_split: 0.1
        optimizer: adamw
        augmentation:
          rotation-range: 40
          horizontal_flip: true
        zoom-range: 0.2
        """.write(to: file, atomically: true, encoding: .utf8)
        let (c, keys) = try ConfigurationLoader.loadWithKeys(
            file: file.path, overrides: ["epochs": 5, "augmentation": ["rotation-range": 10.0]])
        #expect(c.data == "/data/photos")
        #expect(c.epochs == 5)
        #expect(c.valSplit == 0.1)
        #expect(c.optimizer == .adamw)
        #expect(c.augmentation.rotationRange == 10)
        #expect(c.augmentation.horizontalFlip)
        #expect(c.augmentation.zoomRange == 0.2)
        #expect(keys.contains("epochs") && keys.contains("augmentation"))
    }

    @Test func aJSONFileIsReadToo() throws {
        let file = TestSupport.temporaryDirectory().appendingPathComponent("run.json")
        try #"{"data": "x", "batchSize": 32, "lr-schedule": "onecycle", "class-weights": "auto"}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let c = try ConfigurationLoader.load(file: file.path, overrides: [:])
        #expect(c.batchSize == 32)
        #expect(c.lrSchedule == .onecycle)
        #expect(c.classWeights == "auto")
        #expect(c.zeroInitResidual, "on unless a file or flag turns it off")
        try #"{"zero-init-residual": false}"#.write(to: file, atomically: true, encoding: .utf8)
        #expect(try ConfigurationLoader.load(file: file.path, overrides: [:]).zeroInitResidual == false)
    }

    /// Found by the `training-config` fuzz target: Yams.load(yaml:) trapped on a key
    /// that is not a scalar. Every such file is now one clear error.
    @Test(arguments: ["[a]: 1\n", "{}:\n", "data: x\n? [epochs]\n: 3\n"])
    func aKeyThatIsAListOrAMappingIsAnErrorNotATrap(text: String) throws {
        #expect(throws: TrainingError.self) {
            try ConfigurationLoader.loadWithKeys(text: text, path: "run.yaml", overrides: [:])
        }
        #expect(throws: TrainingError.configurationFile(
            path: "run.yaml", reason: "line 2, column 1: a key must be a name, not a list or a mapping")) {
            try ConfigurationLoader.loadWithKeys(text: "data: x\n[a]: 1\n", path: "run.yaml", overrides: [:])
        }
    }

    /// Nine levels of nine aliases would be 387 million values.
    @Test func aliasesThatExpandPastTheBoundAreRefused() throws {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 {
            let previous = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            lines.append("a\(level): &a\(level) [\(previous)]")
        }
        #expect(throws: TrainingError.configurationFile(
            path: "bomb.yaml", reason: "more than 100000 values (aliases expanding?)")) {
            try ConfigurationLoader.loadWithKeys(text: lines.joined(separator: "\n"), path: "bomb.yaml", overrides: [:])
        }
    }

    /// Also found by fuzzing: Yams recurses once per level, so 20,000 `[`
    /// overflowed the stack. Deep nesting, in flow or block style, is one
    /// clear error.
    @Test(arguments: [
        "data: " + String(repeating: "[", count: 20_000),
        "data: x\naugmentation:\n" + (1...120).map { String(repeating: " ", count: $0) + "k\($0):\n" }.joined(),
    ])
    func deepNestingIsAnErrorNotAStackOverflow(text: String) throws {
        #expect(throws: TrainingError.configurationFile(path: "deep.yaml", reason: "nested more than 100 levels deep")) {
            try ConfigurationLoader.loadWithKeys(text: text, path: "deep.yaml", overrides: [:])
        }
    }

    /// The nesting bound must not refuse an ordinary file: comments, quotes
    /// and brackets inside them, flow lists.
    @Test func anOrdinaryFileIsWellWithinTheNestingBound() throws {
        let text = """
        # brackets in a comment: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[
        data: "/photos/[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        mean: [0.5, 0.5, 0.5]
        augmentation:
          brightness-range: [0.9, 1.1]
          horizontal-flip: true
        """
        let (configuration, _) = try ConfigurationLoader.loadWithKeys(text: text, path: "run.yaml", overrides: [:])
        #expect(configuration.mean == [0.5, 0.5, 0.5])
    }

    @Test func anUnknownKeyIsNamedInTheError() throws {
        let file = TestSupport.temporaryDirectory().appendingPathComponent("run.yaml")
        try "data: x\nepoch: 3\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: TrainingError.configurationFile(path: file.path, reason: "unknown option 'epoch'")) {
            try ConfigurationLoader.load(file: file.path, overrides: [:])
        }
    }

    @Test func aWrongTypeOrValueIsAnErrorNotACrash() throws {
        let file = TestSupport.temporaryDirectory().appendingPathComponent("run.yaml")
        try "data: x\nepochs: many\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: TrainingError.self) { try ConfigurationLoader.load(file: file.path, overrides: [:]) }
        #expect(throws: TrainingError.self) { try ConfigurationLoader.load(file: nil, overrides: ["optimizer": "rmsprop"]) }
        #expect(throws: TrainingError.self) { try ConfigurationLoader.load(file: "/nonexistent/run.yaml", overrides: [:]) }
        let list = TestSupport.temporaryDirectory().appendingPathComponent("list.yaml")
        try "- 1\n- 2\n".write(to: list, atomically: true, encoding: .utf8)
        #expect(throws: TrainingError.self) { try ConfigurationLoader.load(file: list.path, overrides: [:]) }
    }

    @Test func theResolvedConfigurationRoundTripsThroughItsPrintout() throws {
        var c = TrainingConfiguration()
        c.data = "/photos"
        c.epochs = 7
        c.augmentation.shearRange = 0.2
        let file = TestSupport.temporaryDirectory().appendingPathComponent("printed.yaml")
        try c.yamlDescription().write(to: file, atomically: true, encoding: .utf8)
        #expect(try ConfigurationLoader.load(file: file.path, overrides: [:]) == c)
    }

    @Test(arguments: [
        (["data": "x", "val": "y", "val-split": 0.2], "--val and --val-split"),
        (["data": "x", "unfreeze-after": 2], "--unfreeze-after needs --freeze-backbone"),
        (["data": "x", "freeze-backbone": true], "--freeze-backbone needs --init-from"),
        (["data": "x", "resume": "c", "init-from": "m"], "--resume and --init-from"),
        (["data": "x", "epochs": 0], "--epochs"),
        (["data": "x", "channels": 2], "--channels"),
        (["data": "x", "out": "model.bin"], "--out"),
        (["data": "x", "class-weights": "balanced"], "--class-weights"),
        (["data": "x", "label-smoothing": 1.5], "--label-smoothing"),
        (["data": "x", "brightness-range": [1.2, 0.8]], "--brightness-range"),
        ([:], "--data is required"),
    ] as [([String: any Sendable], String)])
    func badCombinationsAreRefusedWithTheFlagNamed(overrides: [String: any Sendable], fragment: String) throws {
        let c = try ConfigurationLoader.load(file: nil, overrides: overrides)
        do {
            try c.validate()
            Issue.record("expected an error mentioning \(fragment)")
        } catch let error as TrainingError {
            #expect(error.description.contains(fragment), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    /// Every floating-point option, with a value inside its range (for the list ones).
    static let floatingPointOptions: [(key: String, valid: any Sendable)] = [
        ("val-split", 0.2), ("lr", 0.1), ("momentum", 0.9), ("warmup", 1.0), ("lr-gamma", 0.1),
        ("weight-decay", 0.001), ("label-smoothing", 0.1), ("time-budget", 1.0),
        ("rotation-range", 10.0), ("width-shift-range", 0.1), ("height-shift-range", 0.1),
        ("shear-range", 10.0), ("zoom-range", 0.1), ("cval", 0.0), ("random-resized-crop", 0.5),
        ("random-erasing", 0.5), ("mean", [0.5]), ("std", [0.25]), ("brightness-range", [0.8, 1.2]),
        ("color-jitter", [0.1, 0.1, 0.1]),
    ]

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func nonFiniteNumbersAreRefusedWithTheFlagAndItsRange(value: Double) throws {
        for (key, valid) in Self.floatingPointOptions {
            // A list option gets the non-finite value in its last place, the others valid.
            let bad: any Sendable = (valid as? [Double]).map { Array($0.dropLast()) + [value] } ?? value
            do {
                let c = try ConfigurationLoader.load(file: nil, overrides: ["data": "x", "epochs": 10, key: bad])
                try c.validate()
                Issue.record("--\(key) \(value) was accepted")
            } catch let error as TrainingError {
                #expect(error.description.hasPrefix("--\(key) "), "\(error.description)")
                #expect(error.description.contains("finite"), "\(error.description)")
                #expect(!error.description.contains("\n"))
            } catch {
                Issue.record("--\(key) \(value): \(error)")
            }
        }
    }

    @Test func nonFiniteNumbersInAConfigurationFileAreRefusedByName() throws {
        let file = TestSupport.temporaryDirectory().appendingPathComponent("run.yaml")
        try "data: x\nlr: .nan\n".write(to: file, atomically: true, encoding: .utf8)
        do {
            try ConfigurationLoader.load(file: file.path, overrides: [:]).validate()
            Issue.record("lr: .nan was accepted")
        } catch let error as TrainingError {
            #expect(error.description.hasPrefix("--lr must be a finite number"), "\(error.description)")
        }
    }

    @Test(arguments: [
        (["epochs": Int.max], "--epochs"),
        (["lr-step": Int.max], "--lr-step"),
        (["cache-mb": Int.max], "--cache-mb"),
    ] as [([String: any Sendable], String)])
    func integersThatWouldOverflowTheScheduleOrTheCacheAreRefused(overrides: [String: any Sendable], fragment: String) throws {
        let c = try ConfigurationLoader.load(file: nil, overrides: overrides.merging(["data": "x"]) { a, _ in a })
        #expect(throws: TrainingError.self) { try c.validate() }
        do { try c.validate() } catch { #expect("\(error)".contains(fragment), "\(error)") }
    }

    /// A real EACCES, for root too (see `ImageFolderScanTests.unopenableFile`).
    @Test(.enabled(if: ImageFolderScanTests.unopenableFile != nil))
    func unreadableConfigurationAndLabelsFilesArePermissionDenied() throws {
        let path = ImageFolderScanTests.unopenableFile ?? ""
        #expect(throws: TrainingError.configurationFile(path: path, reason: "permission denied")) {
            try ConfigurationLoader.load(file: path, overrides: [:])
        }
        #expect(throws: TrainingError.labelsFile(path: path, reason: "permission denied")) {
            try LabelTables.read(path: path)
        }
        #expect(throws: TrainingError.configurationFile(path: "/nonexistent/run.yaml", reason: "no such file or directory")) {
            try ConfigurationLoader.load(file: "/nonexistent/run.yaml", overrides: [:])
        }
    }

    @Test func aNonWritableOutputFolderIsReportedBeforeTraining() throws {
        var c = TrainingConfiguration()
        c.data = "x"
        c.out = "/proc/nope/model.safetensors"
        #expect(throws: TrainingError.self) { try c.checkOutputWritable() }
        c.out = TestSupport.temporaryDirectory().appendingPathComponent("sub/model.safetensors").path
        try c.checkOutputWritable()
    }
}
