import Foundation
import NeuralEngine
import Testing
@testable import ClassifierService

/// A model file whose preprocessing asks for flip averaging is served that way.
@Suite struct FlipAveragingModelTests {
    @Test func aModelThatAsksForFlipAveragingAveragesTheMirrorImagesLogits() throws {
        let directory = try makeTemporaryDirectory("flip-tta")
        defer { try? FileManager.default.removeItem(at: directory) }
        let plainURL = directory.appendingPathComponent("plain.safetensors")
        let averagedURL = directory.appendingPathComponent("averaged.safetensors")
        // The same seed gives the same weights; only the metadata differs.
        try TestModelFile.write(to: plainURL, seed: 7, size: 16)
        try TestModelFile.write(to: averagedURL, seed: 7, size: 16, testTimeAugmentation: .horizontalFlip)
        let plain = try EngineClassifierModel.load(from: plainURL).model
        let averaged = try EngineClassifierModel.load(from: averagedURL, warmUpBatch: 2).model
        #expect(averaged.metadata?.preprocessing.testTimeAugmentation == .horizontalFlip)
        #expect(plain.metadata?.preprocessing.testTimeAugmentation == nil)

        var generator = SeededGenerator(seed: 3)
        let count = 3, size = plain.inputCount
        let images = (0..<(count * size)).map { _ in generator.nextNormal() }
        let mirrored = FlipAveraging.horizontallyFlipped(Tensor(shape: [count, 3, 16, 16], scalars: images)).scalars
        let direct = plain.logits(images, count: count)
        let ofMirrors = plain.logits(mirrored, count: count)
        let served = averaged.logits(images, count: count)
        #expect(served.count == count * 2)
        #expect(direct != ofMirrors)  // a random network is not mirror-symmetric
        for i in served.indices {
            #expect(abs(served[i] - (direct[i] + ofMirrors[i]) / 2) <= 1e-4 * max(1, abs(served[i])))
        }
    }

    @Test func aCalibratedModelServesLogitsDividedByItsTemperature() throws {
        let directory = try makeTemporaryDirectory("calibrated")
        defer { try? FileManager.default.removeItem(at: directory) }
        let plainURL = directory.appendingPathComponent("plain.safetensors")
        let calibratedURL = directory.appendingPathComponent("calibrated.safetensors")
        try TestModelFile.write(to: plainURL, seed: 7, size: 16)
        try TestModelFile.write(to: calibratedURL, seed: 7, size: 16, calibration: ScoreCalibration(
            temperature: 2.5, expectedCalibrationErrorBefore: 0.2, expectedCalibrationErrorAfter: 0.05, images: 40))
        let plain = try EngineClassifierModel.load(from: plainURL).model
        let calibrated = try EngineClassifierModel.load(from: calibratedURL).model
        #expect(plain.metadata?.calibration == nil)
        var generator = SeededGenerator(seed: 5)
        let images = (0..<(2 * plain.inputCount)).map { _ in generator.nextNormal() }
        let direct = plain.logits(images, count: 2)
        let served = calibrated.logits(images, count: 2)
        for i in direct.indices {
            #expect(abs(served[i] - direct[i] / 2.5) <= 1e-5 * max(1, abs(direct[i])))
        }
    }

    @Test func metadataWrittenBeforeTheFieldExistedReadsAsASinglePass() throws {
        let json = #"{"inputWidth":28,"inputHeight":28,"channels":1,"mean":[0.5],"std":[0.25],"resize":"pad","cropFraction":0.875,"invert":true}"#
        let preprocessing = try JSONDecoder().decode(Preprocessing.self, from: Data(json.utf8))
        #expect(preprocessing.testTimeAugmentation == nil)
        let withFlip = try JSONEncoder().encode(Preprocessing(inputWidth: 28, inputHeight: 28, channels: 1, mean: [0.5], std: [0.25],
                                                              testTimeAugmentation: .horizontalFlip))
        #expect(String(decoding: withFlip, as: UTF8.self).contains(#""testTimeAugmentation":"horizontal-flip""#))
    }
}
