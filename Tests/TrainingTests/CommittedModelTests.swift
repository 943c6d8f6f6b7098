import Foundation
import Testing
@testable import Training

/// The committed models are the evidence for the Fashion-MNIST results in BENCHMARKS.md:
/// `models/resnet20-fashion-mnist.safetensors` (≥ 94 % as served, from 58 minutes of
/// training on two cores) and `models/default.safetensors`, which a fresh clone's server
/// serves. Each is scored here on the whole test set twice: by our engine, as `evaluate`
/// and the server use it, and by onnxruntime on the same file rebuilt in ONNX from its
/// metadata and tensors (`Benchmarks/Trainer/onnx_accuracy.py`), an implementation that
/// shares no code with ours.
@Suite struct CommittedModelTests {
    static let testImages = TestSupport.fashionMNIST + "/t10k-images-idx3-ubyte.gz"

    @Test(.enabled(if: TestSupport.hasFashionMNIST))
    func committedResNetScoresItsRecordedAccuracyInOurEngineAndInOnnxruntime() throws {
        let model = TestSupport.packageRoot.appendingPathComponent("models/resnet20-fashion-mnist.safetensors").path

        let ours = try ModelEvaluation.run(model: model, data: Self.testImages, threads: 2)
        #expect(ours.flipAveraged, "the file asks for mirror-averaged predictions")
        #expect(ours.report.accuracy >= 0.94)

        let scores = try Self.oracleScores(model)
        // Equal up to an image whose two best logits are within float rounding of each other.
        #expect(abs(scores.asServed - ours.report.accuracy) <= 1e-4)
        #expect(scores.mirrorAveraged > scores.singleView, "the mirror is what lifts this model over 94 %")
    }

    @Test(.enabled(if: TestSupport.hasFashionMNIST))
    func committedDefaultModelScoresItsRecordedAccuracyInOurEngineAndInOnnxruntime() throws {
        let model = TestSupport.packageRoot.appendingPathComponent("models/default.safetensors").path

        // Its preprocessing inverts decoded photos (dark on light → Fashion-MNIST's light on
        // dark); both scorers take the IDX test images as they are, already light on dark.
        let ours = try ModelEvaluation.run(model: model, data: Self.testImages, threads: 2)
        #expect(!ours.flipAveraged)
        #expect(ours.report.accuracy >= 0.89, "BENCHMARKS.md records 89.44 %")

        let scores = try Self.oracleScores(model)
        #expect(abs(scores.asServed - ours.report.accuracy) <= 1e-4)
        #expect(scores.asServed == scores.singleView)
    }

    /// `onnx_accuracy.py`'s scores of `model` on the test set.
    static func oracleScores(_ model: String) throws -> OracleScores {
        let script = TestSupport.packageRoot.appendingPathComponent("Benchmarks/Trainer/onnx_accuracy.py").path
        let oracle = try TestSupport.run("/usr/bin/env", ["python3", script, model, testImages])
        try #require(oracle.status == 0, "onnx_accuracy.py failed: \(oracle.stderr)")
        let scores = try JSONDecoder().decode(OracleScores.self, from: Data(oracle.stdout.utf8))
        #expect(scores.images == 10_000)
        return scores
    }

    struct OracleScores: Decodable {
        var images: Int
        var singleView: Double
        var mirrorAveraged: Double
        var asServed: Double

        enum CodingKeys: String, CodingKey {
            case images
            case singleView = "single_view"
            case mirrorAveraged = "mirror_averaged"
            case asServed = "as_served"
        }
    }
}
