import Foundation
import NeuralEngine
import Testing
@testable import Training

/// Temperature scaling and the expected calibration error, on data whose true
/// probabilities are known, and through a real training run, `evaluate` and the report.
@Suite struct TemperatureScalingTests {
    /// Labels drawn from softmax(z) with z known, and a model that reports `sharpness` × z:
    /// an overconfident model whose right temperature is `sharpness`.
    func overconfident(count: Int, classes: Int = 4, sharpness: Float = 3, seed: UInt64) -> (logits: [Float], labels: [Int]) {
        var generator = SeededGenerator(seed: seed)
        var logits: [Float] = [], labels: [Int] = []
        for _ in 0..<count {
            let z = (0..<classes).map { _ in Float.random(in: -2...2, using: &generator) }
            let exps = z.map { exp(Double($0)) }
            let total = exps.reduce(0, +)
            var draw = Double.random(in: 0..<total, using: &generator)
            var label = classes - 1
            for (index, value) in exps.enumerated() {
                if draw < value { label = index; break }
                draw -= value
            }
            labels.append(label)
            logits += z.map { $0 * sharpness }
        }
        return (logits, labels)
    }

    @Test func theFittedTemperatureUndoesOverconfidenceAndLowersHeldOutCalibrationError() throws {
        let fitting = overconfident(count: 4000, seed: 1)
        let heldOut = overconfident(count: 4000, seed: 2)
        let fit = try #require(TemperatureScaling.fit(logits: fitting.logits, labels: fitting.labels, classes: 4))
        #expect(abs(fit.calibration.temperature - 3) < 0.3, "temperature \(fit.calibration.temperature)")
        #expect(fit.calibration.expectedCalibrationErrorAfter < fit.calibration.expectedCalibrationErrorBefore / 2)
        func heldOutError(_ temperature: Float) -> Double {
            TemperatureScaling.expectedCalibrationError(TemperatureScaling.reliability(
                logits: heldOut.logits, labels: heldOut.labels, classes: 4, temperature: temperature))
        }
        #expect(heldOutError(fit.calibration.temperature) < heldOutError(1) / 2,
                "held-out ECE \(heldOutError(1)) → \(heldOutError(fit.calibration.temperature))")
        #expect(heldOutError(fit.calibration.temperature) < 0.03)
    }

    @Test func aCalibratedModelKeepsATemperatureNearOne() throws {
        let data = overconfident(count: 4000, sharpness: 1, seed: 3)
        let fit = try #require(TemperatureScaling.fit(logits: data.logits, labels: data.labels, classes: 4))
        #expect(abs(fit.calibration.temperature - 1) < 0.1, "temperature \(fit.calibration.temperature)")
    }

    @Test func binsCountEveryImageAndTheErrorIsTheirWeightedGap() {
        // Two images, both predicted with confidence 0.8 (bin 12 of 15): one right, one wrong.
        let logit = Float(log(0.8 / 0.2))
        let bins = TemperatureScaling.reliability(logits: [logit, 0, logit, 0], labels: [0, 1], classes: 2, temperature: 1)
        #expect(bins.count == 15 && bins.reduce(0) { $0 + $1.count } == 2)
        let full = try? #require(bins.first { $0.count == 2 })
        #expect(full.map { abs($0.meanConfidence - 0.8) < 1e-6 && $0.accuracy == 0.5 } == true)
        #expect(abs(TemperatureScaling.expectedCalibrationError(bins) - 0.3) < 1e-6)
        #expect(TemperatureScaling.fit(logits: [1, 0], labels: [0], classes: 2) == nil)
    }

    @Test(.enabled(if: TestSupport.hasPillow))
    func trainingStoresTheTemperatureAndEvaluateAndTheReportUseIt() throws {
        let root = TestSupport.temporaryDirectory()
        try TestSupport.makeSyntheticImageFolder(at: root.appendingPathComponent("data"))
        let configuration = TestSupport.quickConfiguration(data: root.appendingPathComponent("data"),
                                                           out: root.appendingPathComponent("m.safetensors"))
        let outcome = try TrainingSession.run(configuration: configuration, printer: TestSupport.silentPrinter())
        let model = try ModelFile.load(from: URL(fileURLWithPath: outcome.modelPath))
        let calibration = try #require(model.metadata.calibration)
        #expect(calibration.temperature.isFinite && calibration.temperature > 0)
        #expect(calibration.images == 18)  // a quarter of 72 images is held out
        let report = try String(contentsOfFile: outcome.reportPath, encoding: .utf8)
        #expect(report.contains("<h2>Calibration</h2>") && report.contains("aria-label=\"Reliability\""))

        let evaluation = try ModelEvaluation.run(model: outcome.modelPath, data: root.appendingPathComponent("data").path)
        #expect(evaluation.temperature == calibration.temperature)
        #expect(evaluation.json().contains("\"expectedCalibrationError\""))
        #expect(evaluation.text().contains("calibration: temperature"))
    }

    @Test func aDamagedCalibrationIsRefusedOnLoad() throws {
        let network = try buildNetwork(ArchitectureSpec.preset("resnet20", inputSize: 16, channels: 3, classes: 2), seed: 0)
        let url = TestSupport.temporaryDirectory().appendingPathComponent("m.safetensors")
        var metadata = ModelMetadata(architecture: network.spec, labels: ["a", "b"],
                                     preprocessing: Preprocessing(inputWidth: 16, inputHeight: 16, channels: 3, mean: [0], std: [1]))
        // 7 stands for infinity: JSON cannot say it, but a hand-edited file can say 1e999.
        for temperature: Float in [0, -1, 7] {
            metadata.calibration = ScoreCalibration(temperature: temperature, expectedCalibrationErrorBefore: 0,
                                                    expectedCalibrationErrorAfter: 0, images: 2)
            var strings = try metadata.safetensorsMetadata()
            strings[ModelMetadata.Key.calibration] = strings[ModelMetadata.Key.calibration]?
                .replacingOccurrences(of: "\"temperature\":7", with: "\"temperature\":1e999")
            #expect(strings[ModelMetadata.Key.calibration]?.contains("\"temperature\":7") == false)
            var tensors: [String: Tensor] = [:]
            for (name, parameter) in network.namedParameters() { tensors[name] = parameter.value }
            try SafetensorsFile(tensors: tensors, metadata: strings).write(to: url)
            #expect(throws: ModelFileError.self) { _ = try ModelFile.load(from: url) }
        }
    }
}
