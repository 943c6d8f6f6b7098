import Foundation
import NeuralEngine
import Testing
@testable import Training

/// Whole runs on a small synthetic ImageFolder drawn by Pillow. Serialized: each
/// trains a network and the machine has two cores.
@Suite(.serialized, .enabled(if: TestSupport.hasPillow)) struct TrainingSessionTests {
    /// One dataset for the suite (generating it costs a Python start-up).
    static let data: URL? = {
        guard TestSupport.hasPillow else { return nil }
        let root = TestSupport.temporaryDirectory("synthetic").appendingPathComponent("shapes")
        return (try? TestSupport.makeSyntheticImageFolder(at: root)) != nil ? root : nil
    }()

    @Test func aShortRunLearnsAndTheSavedModelMatchesItsReport() throws {
        let data = try #require(Self.data)
        let out = TestSupport.temporaryDirectory().appendingPathComponent("shapes.safetensors")
        var c = TestSupport.quickConfiguration(data: data, out: out)
        c.augmentation.horizontalFlip = true
        c.augmentation.widthShiftRange = 0.1
        c.flipTTA = true
        let outcome = try TrainingSession.run(configuration: c, printer: TestSupport.silentPrinter())

        #expect(outcome.history.count == 4)
        let best = try #require(outcome.bestEvaluation)
        #expect(best.accuracy > 0.6, "chance is 1/3; got \(best.accuracy)")
        #expect(outcome.failures.isEmpty)

        // The file holds the best epoch, and evaluating it reproduces the reported numbers.
        let model = try ModelFile.load(from: out)
        #expect(model.metadata.labels == ["bars", "discs", "squares"])
        #expect(model.metadata.provenance?.metrics["val_accuracy"] == best.accuracy)
        #expect(model.metadata.provenance?.configuration?.contains("\"horizontal-flip\":true") == true)
        #expect(model.metadata.preprocessing.testTimeAugmentation == .horizontalFlip)
        let network = try buildNetwork(model.metadata.architecture, seed: 1)
        try model.apply(to: network)
        let validation = try #require(try TrainingData.resolve(&c).validation)
        let loader = BatchLoader(dataset: validation, batchSize: 7,
                                 normalizer: BatchNormalizer(width: 16, height: 16, channels: 3,
                                                             mean: model.metadata.preprocessing.mean,
                                                             std: model.metadata.preprocessing.std),
                                 cache: ImageCache(count: validation.count, budgetBytes: 1 << 20), failures: FailureLog())
        // Validation scored the model as served: averaged with mirror images (`--flip-tta`).
        let again = NetworkEvaluator.evaluate(network, loader: loader, classCount: 3, flipAveraging: true)
        #expect(again.confusion == best.confusion)
        // `evaluate` follows the model file unless told otherwise.
        let evaluated = try ModelEvaluation.run(model: out.path, data: data.path, threads: 2)
        #expect(evaluated.report.confusion.total == 72)
        #expect(evaluated.json().contains("\"confusionMatrix\""))
        #expect(evaluated.json().contains("\"flipTTA\" : true") && evaluated.text().contains("test-time augmentation"))
        let single = try ModelEvaluation.run(model: out.path, data: data.path, threads: 2, flipAveraging: false)
        #expect(single.report.confusion.total == 72)
        #expect(single.json().contains("\"flipTTA\" : false") && !single.text().contains("test-time augmentation"))

        // The report: curves, heat map, classification table, configuration.
        let html = try String(contentsOfFile: outcome.reportPath, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("class=\"heatmap\"") && html.contains("classification-report"))
        #expect(html.contains("polyline"))
        #expect(html.contains("&quot;arch&quot; : &quot;resnet20&quot;"))
        #expect(FileManager.default.fileExists(atPath: outcome.checkpointPath))
    }

    @Test func theSameSeedGivesTheSameModel() throws {
        let data = try #require(Self.data)
        func train() throws -> [String: Tensor] {
            let out = TestSupport.temporaryDirectory().appendingPathComponent("m.safetensors")
            var c = TestSupport.quickConfiguration(data: data, out: out)
            c.epochs = 2
            c.augmentation.rotationRange = 15
            c.augmentation.randomErasing = 0.5
            _ = try TrainingSession.run(configuration: c, printer: TestSupport.silentPrinter())
            return try ModelFile.load(from: out).tensors
        }
        #expect(try train() == train())
    }

    @Test func noZeroInitResidualStartsTheBlocksAtOneAndIsRecorded() throws {
        let data = try #require(Self.data)
        func train(zeroInit: Bool) throws -> LoadedModel {
            let out = TestSupport.temporaryDirectory().appendingPathComponent("m.safetensors")
            var c = TestSupport.quickConfiguration(data: data, out: out)
            c.epochs = 1
            c.zeroInitResidual = zeroInit
            _ = try TrainingSession.run(configuration: c, printer: TestSupport.silentPrinter())
            return try ModelFile.load(from: out)
        }
        let zero = try train(zeroInit: true), one = try train(zeroInit: false)
        // One epoch moves γ only a little from where it started: near 0, or near 1.
        let name = "stage1.block0.bn2.weight"
        let zeroGamma = try #require(zero.tensors[name]), oneGamma = try #require(one.tensors[name])
        #expect(zeroGamma.scalars.allSatisfy { abs($0) < 0.5 })
        #expect(oneGamma.scalars.allSatisfy { abs($0 - 1) < 0.5 })
        #expect(one.metadata.provenance?.configuration?.contains("\"zero-init-residual\":false") == true)
    }

    @Test func resumingContinuesFromTheNextEpochWithTheSameHistory() throws {
        let data = try #require(Self.data)
        let out = TestSupport.temporaryDirectory().appendingPathComponent("r.safetensors")
        var c = TestSupport.quickConfiguration(data: data, out: out)
        c.epochs = 2
        c.optimizer = .sgd
        c.lr = 0.05
        let first = try TrainingSession.run(configuration: c, printer: TestSupport.silentPrinter())
        let checkpoint = try TrainingCheckpoint.read(from: first.checkpointPath)
        #expect(checkpoint.state.epoch == 2)
        #expect(!checkpoint.optimizerTensors.isEmpty)

        var resume = TrainingConfiguration()
        resume.resume = first.checkpointPath
        resume.epochs = 4
        let resumed = try TrainingSession.run(configuration: resume, givenKeys: ["resume", "epochs"],
                                              printer: TestSupport.silentPrinter())
        #expect(resumed.history.map(\.epoch) == [1, 2, 3, 4])
        #expect(Array(resumed.history.prefix(2)) == first.history)
        #expect(try TrainingCheckpoint.read(from: resumed.checkpointPath).state.epoch == 4)

        // Changing a training setting on resume is refused.
        var changed = resume
        changed.lr = 1
        #expect(throws: TrainingError.self) {
            try TrainingSession.run(configuration: changed, givenKeys: ["resume", "lr"], printer: TestSupport.silentPrinter())
        }
        // A model file is not a checkpoint.
        var wrong = resume
        wrong.resume = out.path
        #expect(throws: TrainingError.self) {
            try TrainingSession.run(configuration: wrong, givenKeys: ["resume"], printer: TestSupport.silentPrinter())
        }
    }

    @Test func initFromWithOtherClassesPutsOnANewHeadAndFreezingTrainsItAlone() throws {
        let data = try #require(Self.data)
        let base = TestSupport.temporaryDirectory().appendingPathComponent("base.safetensors")
        var c = TestSupport.quickConfiguration(data: data, out: base)
        c.epochs = 3
        _ = try TrainingSession.run(configuration: c, printer: TestSupport.silentPrinter())
        let baseModel = try ModelFile.load(from: base)

        // A new label set: two known classes and one new one.
        let other = TestSupport.temporaryDirectory().appendingPathComponent("other")
        try TestSupport.makeSyntheticImageFolder(at: other, classes: ["discs", "squares", "violets"], perClass: 16, seed: 3)
        let tuned = TestSupport.temporaryDirectory().appendingPathComponent("tuned.safetensors")
        var t = TrainingConfiguration()
        t.data = other.path
        t.initFrom = base.path
        t.freezeBackbone = true
        t.epochs = 5
        t.batchSize = 8
        t.optimizer = .adamw
        t.lr = 0.01
        t.threads = 2
        t.out = tuned.path
        let started = Date()
        let outcome = try TrainingSession.run(configuration: t, printer: TestSupport.silentPrinter())
        #expect(Date().timeIntervalSince(started) < 120)
        #expect(outcome.labelMapping == ["discs ← discs (kept)", "squares ← squares (kept)", "violets: new"])

        let model = try ModelFile.load(from: tuned)
        #expect(model.metadata.labels == ["discs", "squares", "violets"])
        #expect(model.metadata.preprocessing == baseModel.metadata.preprocessing)
        // Frozen: every backbone tensor is exactly the base model's; the head changed.
        for (name, tensor) in model.tensors where !name.hasPrefix("head.") {
            let same = tensor == baseModel.tensors[name]
            #expect(same, "\(name) changed")
        }
        #expect(model.tensors["head.weight"]?.shape == [3, 64])
        // The "unknown" verdict, from the cached backbone features (and from a pass over the
        // images for the base run, which trained the whole network).
        let verdict = try #require(model.metadata.outOfDistribution)
        #expect(verdict.method == OutOfDistributionFitting.defaultMethod)
        #expect(verdict.validationImages > 0 && verdict.validationImages < 48, "the held-out fifth")
        #expect(verdict.nearestNeighbours?.featureCount == 64)
        #expect(baseModel.metadata.outOfDistribution != nil)

        // --unfreeze-after continues with the whole network.
        let unfrozen = TestSupport.temporaryDirectory().appendingPathComponent("unfrozen.safetensors")
        t.out = unfrozen.path
        t.epochs = 3
        t.unfreezeAfter = 1
        let continued = try TrainingSession.run(configuration: t, printer: TestSupport.silentPrinter())
        // The checkpoint holds the last epoch's weights (the model file holds the best epoch,
        // which may be the frozen one): the backbone moved after epoch 1.
        let last = try TrainingCheckpoint.read(from: continued.checkpointPath)
        let moved = last.modelTensors["stem.conv.weight"] != baseModel.tensors["stem.conv.weight"]
        #expect(moved)
    }

    @Test func classWeightsLabelSmoothingAndEarlyStoppingRun() throws {
        let data = try #require(Self.data)
        let out = TestSupport.temporaryDirectory().appendingPathComponent("e.safetensors")
        var c = TestSupport.quickConfiguration(data: data, out: out)
        c.arch = "simple-cnn"
        c.epochs = 30
        c.lr = 1e-6   // too small to improve: early stopping must end the run
        c.classWeights = "auto"
        c.labelSmoothing = 0.1
        c.earlyStopping = 2
        c.lrSchedule = .constant
        let outcome = try TrainingSession.run(configuration: c, printer: TestSupport.silentPrinter())
        #expect(outcome.stoppedEarly)
        #expect(outcome.history.count < 30)
    }

    @Test func aTimeBudgetEndsTheRunAnnealedBeforeItsEpochs() throws {
        let data = try #require(Self.data)
        let out = TestSupport.temporaryDirectory().appendingPathComponent("t.safetensors")
        var c = TestSupport.quickConfiguration(data: data, out: out)
        c.epochs = 10_000
        c.lrSchedule = .onecycle
        c.timeBudget = 0.05   // 3 s
        let outcome = try TrainingSession.run(configuration: c, printer: TestSupport.silentPrinter())
        #expect(outcome.history.count >= 1 && outcome.history.count < 10_000)
        // The schedule followed the clock: the last step ran close to the end of the one
        // cycle, far below the peak that step counting alone would still be near.
        let last = try #require(outcome.history.last)
        #expect(last.learningRate < 0.01 * 0.05, "last learning rate \(last.learningRate)")
        let trained = outcome.history.reduce(0) { $0 + $1.seconds }
        #expect(trained < 3 + 2, "trained for \(trained) s on a 3 s budget")
        #expect(FileManager.default.fileExists(atPath: out.path))
    }

    @Test func anUnreadableImageIsListedAndTheRunGoesOn() throws {
        let data = try #require(Self.data)
        let copy = TestSupport.temporaryDirectory().appendingPathComponent("copy")
        try FileManager.default.copyItem(at: data, to: copy)
        // A JPEG header followed by garbage: sniffed as JPEG, fails to decode.
        try Data([0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0x41, count: 64))
            .write(to: copy.appendingPathComponent("discs/broken.jpg"))
        let out = TestSupport.temporaryDirectory().appendingPathComponent("u.safetensors")
        var c = TestSupport.quickConfiguration(data: copy, out: out)
        c.epochs = 1
        c.valSplit = 0
        let outcome = try TrainingSession.run(configuration: c, printer: TestSupport.silentPrinter())
        #expect(outcome.failures.count == 1)
        #expect(outcome.failures.first?.contains("broken.jpg") == true)
        // No validation data: the best epoch is evaluated once on the training data at the
        // end, and the model file carries that evaluation.
        let evaluation = try #require(outcome.bestEvaluation)
        #expect(evaluation.rows.reduce(0) { $0 + $1.support } > 0)
        let model = try ModelFile.load(from: out)
        #expect(model.metadata.provenance?.metrics["eval_accuracy"] == evaluation.accuracy)
        #expect(model.metadata.provenance?.dataSummary["evaluated_on"] == "train")
        let html = try String(contentsOfFile: outcome.reportPath, encoding: .utf8)
        #expect(html.contains("Unreadable images (1"))
    }
}
