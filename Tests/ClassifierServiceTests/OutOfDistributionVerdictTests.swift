import Foundation
import NeuralEngine
import Testing
@testable import ClassifierService

/// A model whose out-of-distribution score is an image's mean byte / 255, with an energy
/// detector whose stored threshold is 0.5 at 95 % and whose validation percentiles run
/// evenly from 0 to 1 (so `acceptance_rate=0.9` means a threshold of 0.9).
final class MeanScoreModel: ClassifierModel, @unchecked Sendable {
    let labels = ["dark", "light"]
    let inputCount = 4
    let metadata: ModelMetadata?

    init(withDetector: Bool) throws {
        var metadata = try TestModelFile.metadata(labels: labels)
        if withDetector {
            metadata.outOfDistribution = OutOfDistributionDetector(
                method: .energy, threshold: 0.5, acceptanceRate: 0.95,
                validationPercentiles: (0...100).map { Double($0) / 100 }, validationImages: 100)
        }
        self.metadata = metadata
    }

    func preprocess(_ bytes: [UInt8], limits: ImageLimits) throws -> [Float] {
        guard !bytes.isEmpty else { throw ServiceError.undecodable("empty image") }
        return [Float(bytes.reduce(0) { $0 + Int($1) }) / Float(bytes.count) / 255, 0, 0, 0]
    }

    func logits(_ batch: [Float], count: Int) -> [Float] {
        (0..<count).flatMap { [1 - batch[$0 * 4], batch[$0 * 4]] }
    }

    func scoredLogits(_ batch: [Float], count: Int) -> ScoredLogits {
        ScoredLogits(logits: logits(batch, count: count),
                     outOfDistributionScores: metadata?.outOfDistribution == nil ? nil : (0..<count).map { Double(batch[$0 * 4]) })
    }
}

@Suite struct OutOfDistributionVerdictTests {
    static let light = UploadedImage(filename: "light.png", bytes: [UInt8](repeating: 200, count: 64))  // score 0.784
    static let dark = UploadedImage(filename: "dark.png", bytes: [UInt8](repeating: 20, count: 64))    // score 0.078

    /// A started service on `model`, ready.
    static func service(_ model: any ClassifierModel, configure: (inout ServerSettings) -> Void = { _ in }) throws -> ClassificationService {
        var settings = ServerSettings()
        settings.model = "/nonexistent/mean.safetensors"
        settings.watchModel = false
        settings.reloadPollSeconds = 0
        configure(&settings)
        let service = ClassificationService(settings: settings, loader: { _ in (model, "v1") })
        service.start()
        guard eventually({ service.isReady }) else { throw TestFailure("the model did not load") }
        return service
    }

    static func json(_ response: ServiceResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    static func verdict(_ json: [String: Any]) -> [String: Any] { json["out_of_distribution"] as? [String: Any] ?? [:] }

    @Test func anImagePastTheThresholdIsUnknownBesideItsPredictionsAndIsCounted() async throws {
        let service = try Self.service(try MeanScoreModel(withDetector: true))
        defer { service.stop() }
        let unknown = try Self.json(await service.classify([Self.light], topK: nil, batch: false))
        #expect(unknown["unknown"] as? Bool == true)
        #expect((unknown["predictions"] as? [[String: Any]])?.first?["label"] as? String == "light", "the guesses stay")
        let detail = Self.verdict(unknown)
        #expect(detail["available"] as? Bool == true)
        #expect(detail["method"] as? String == "energy")
        #expect(abs((detail["score"] as? Double ?? 0) - 200.0 / 255) < 1e-6)
        #expect(detail["threshold"] as? Double == 0.5)
        #expect(detail["acceptance_rate"] as? Double == 0.95)

        let known = try Self.json(await service.classify([Self.dark], topK: nil, batch: false))
        #expect(known["unknown"] as? Bool == false)
        #expect(Self.verdict(known)["available"] as? Bool == true)

        let metrics = String(decoding: service.metricsText().body, as: UTF8.self)
        #expect(metrics.contains("classifier_unknown_total 1"), "\(metrics)")
    }

    @Test func aBatchJudgesEachImageOnItsOwn() async throws {
        let service = try Self.service(try MeanScoreModel(withDetector: true))
        defer { service.stop() }
        let answer = try Self.json(await service.classify([Self.light, Self.dark], topK: nil, batch: true))
        let results = try #require(answer["results"] as? [[String: Any]])
        #expect(results.map { $0["unknown"] as? Bool } == [true, false])
        #expect(results.allSatisfy { Self.verdict($0)["threshold"] as? Double == 0.5 })
        #expect(answer["unknown"] == nil, "per result, not at the top of a batch")
    }

    @Test func aRequestCanTurnTheVerdictOffOrAskForAnotherAcceptanceRate() async throws {
        let service = try Self.service(try MeanScoreModel(withDetector: true))
        defer { service.stop() }
        let off = try Self.json(await service.classify([Self.light], topK: nil, batch: false,
                                                         verdict: VerdictRequest(verdict: "false")))
        #expect(off["unknown"] as? Bool == false)
        #expect(Self.verdict(off)["available"] as? Bool == false)
        #expect((Self.verdict(off)["reason"] as? String)?.contains("turned off") == true)

        // Accepting 99 % of in-distribution images puts the threshold at 0.99: the light image passes.
        let looser = try Self.json(await service.classify([Self.light], topK: nil, batch: false,
                                                            verdict: VerdictRequest(acceptanceRate: "0.99")))
        #expect(looser["unknown"] as? Bool == false)
        #expect(abs((Self.verdict(looser)["threshold"] as? Double ?? 0) - 0.99) < 1e-9)
        #expect(Self.verdict(looser)["acceptance_rate"] as? Double == 0.99)

        for (request, code) in [(VerdictRequest(acceptanceRate: "0"), "invalid_acceptance_rate"),
                                (VerdictRequest(acceptanceRate: "1.5"), "invalid_acceptance_rate"),
                                (VerdictRequest(acceptanceRate: "most"), "invalid_acceptance_rate"),
                                (VerdictRequest(verdict: "maybe"), "invalid_unknown_verdict")] {
            let response = await service.classify([Self.light], topK: nil, batch: false, verdict: request)
            #expect(response.status == 400)
            #expect((try Self.json(response)["error"] as? [String: Any])?["code"] as? String == code)
        }
    }

    @Test func theServerSettingsTurnTheVerdictOffOrChangeTheRate() async throws {
        let off = try Self.service(try MeanScoreModel(withDetector: true)) { $0.unknownVerdict = false }
        defer { off.stop() }
        let answer = try Self.json(await off.classify([Self.light], topK: nil, batch: false))
        #expect(answer["unknown"] as? Bool == false && Self.verdict(answer)["available"] as? Bool == false)
        // The request may still ask for it.
        let asked = try Self.json(await off.classify([Self.light], topK: nil, batch: false, verdict: VerdictRequest(verdict: "true")))
        #expect(asked["unknown"] as? Bool == true)

        let looser = try Self.service(try MeanScoreModel(withDetector: true)) { $0.unknownAcceptanceRate = 0.9 }
        defer { looser.stop() }
        let judged = try Self.json(await looser.classify([Self.light], topK: nil, batch: false))
        #expect(judged["unknown"] as? Bool == false, "0.784 is below the 90 % threshold of 0.9")
        let description = try Self.json(looser.modelDescription())
        let summary = try #require(description["out_of_distribution"] as? [String: Any])
        #expect(summary["threshold"] as? Double == 0.5)
        #expect(abs((summary["served_threshold"] as? Double ?? 0) - 0.9) < 1e-9)
        #expect(summary["served_acceptance_rate"] as? Double == 0.9)
        #expect(summary["method"] as? String == "energy")
    }

    @Test func aModelWithoutOutOfDistributionDataAnswersUnknownFalseAndSaysSo() async throws {
        let service = try Self.service(try MeanScoreModel(withDetector: false))
        defer { service.stop() }
        let answer = try Self.json(await service.classify([Self.light], topK: nil, batch: false))
        #expect(answer["unknown"] as? Bool == false)
        #expect(Self.verdict(answer)["available"] as? Bool == false)
        #expect((Self.verdict(answer)["reason"] as? String)?.contains("no out-of-distribution data") == true)
        #expect(try Self.json(service.modelDescription())["out_of_distribution"] == nil, "absent, as calibration is")
    }

    // MARK: The JSON against docs/openapi.yaml

    static func schemas() throws -> [String: [String: Any]] {
        let parsed = try SettingsResolver.readConfigFile(TestData.packageRoot.appendingPathComponent("docs/openapi.yaml"),
                                                         shownAs: "openapi.yaml")
        return try #require((parsed["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
    }

    static func propertyNames(_ schema: [String: Any]?) -> Set<String> {
        Set((schema?["properties"] as? [String: Any])?.keys.map { $0 } ?? [])
    }

    @Test func answersCarryTheFieldsTheOpenAPIDocumentDescribes() async throws {
        let schemas = try Self.schemas()
        let service = try Self.service(try MeanScoreModel(withDetector: true))
        defer { service.stop() }

        let single = try Self.json(await service.classify([Self.light], topK: nil, batch: false))
        #expect(Set(single.keys) == Self.propertyNames(schemas["Classification"]))
        let required = Set(schemas["Classification"]?["required"] as? [String] ?? [])
        #expect(required.isSubset(of: Set(single.keys)))
        let verdictSchema = Self.propertyNames(schemas["OutOfDistribution"])
        #expect(Set(Self.verdict(single).keys) == verdictSchema.subtracting(["reason"]))
        let off = try Self.json(await service.classify([Self.light], topK: nil, batch: false, verdict: VerdictRequest(verdict: "off")))
        #expect(Set(Self.verdict(off).keys).isSubset(of: verdictSchema))

        let batch = try Self.json(await service.classify([Self.light, UploadedImage(bytes: [])], topK: nil, batch: true))
        let entrySchema = ((schemas["BatchClassification"]?["properties"] as? [String: Any])?["results"] as? [String: Any])?["items"] as? [String: Any]
        for entry in try #require(batch["results"] as? [[String: Any]]) {
            #expect(Set(entry.keys).isSubset(of: Self.propertyNames(entrySchema)), "\(entry.keys)")
        }

        let description = try Self.json(service.modelDescription())
        let modelSchema = schemas["ModelDescription"]?["properties"] as? [String: Any]
        #expect(Set(description.keys).isSubset(of: Set(modelSchema?.keys.map { $0 } ?? [])))
        let summary = try #require(description["out_of_distribution"] as? [String: Any])
        #expect(Set(summary.keys) == Self.propertyNames(modelSchema?["out_of_distribution"] as? [String: Any]))
    }
}

/// The engine-backed model: the detector reads the same forward pass as the scores.
@Suite struct EngineOutOfDistributionTests {
    @Test func aModelFileWithoutOutOfDistributionDataServesNoScores() throws {
        let directory = try makeTemporaryDirectory("ood-old")
        let url = directory.appendingPathComponent("old.safetensors")
        try TestModelFile.write(to: url, seed: 3, size: 16)
        let model = try EngineClassifierModel.load(from: url).model
        var generator = SeededGenerator(seed: 1)
        let images = (0..<(2 * model.inputCount)).map { _ in generator.nextNormal() }
        let scored = model.scoredLogits(images, count: 2)
        #expect(scored.outOfDistributionScores == nil)
        #expect(scored.logits == model.logits(images, count: 2))
    }

    @Test(arguments: [false, true])
    func theScoresAreTheDetectorsOnTheTrainingGraphsFeatures(mirrored: Bool) throws {
        let directory = try makeTemporaryDirectory("ood-engine")
        let url = directory.appendingPathComponent("m.safetensors")
        var metadata = try TestModelFile.metadata(size: 16, testTimeAugmentation: mirrored ? .horizontalFlip : nil)
        let network = try buildNetwork(metadata.architecture, seed: 5, zeroInitResidualGamma: false)
        var generator = SeededGenerator(seed: 2)
        let bank = (0..<(10 * 64)).map { _ in generator.nextNormal() }
        metadata.outOfDistribution = OutOfDistributionDetector(
            method: .nearestNeighbours, threshold: 0.5, acceptanceRate: 0.95,
            validationPercentiles: (0...100).map { Double($0) / 100 }, validationImages: 10,
            nearestNeighbours: .init(featureCount: 64, k: 3, bank: bank))
        try ModelFile.save(network: network, metadata: metadata, to: url)
        let model = try EngineClassifierModel.load(from: url).model

        let count = 3
        let images = (0..<(count * model.inputCount)).map { _ in generator.nextNormal() }
        let scored = model.scoredLogits(images, count: count)
        let scores = try #require(scored.outOfDistributionScores)
        let batch = Tensor(shape: [count, 3, 16, 16], scalars: images)
        var features = network.features(batch, training: false)
        if mirrored {
            let other = network.features(FlipAveraging.horizontallyFlipped(batch), training: false)
            features = Tensor(shape: features.shape, scalars: zip(features.scalars, other.scalars).map { ($0 + $1) / 2 })
        }
        let detector = try #require(metadata.outOfDistribution)
        for row in 0..<count {
            let expected = detector.score(logits: [0, 0][...], features: features.scalars[row * 64..<(row + 1) * 64])
            #expect(abs(scores[row] - expected) < 1e-4, "image \(row)")
        }
        #expect(scored.logits == model.logits(images, count: count), "the scores as without a detector")
    }
}
