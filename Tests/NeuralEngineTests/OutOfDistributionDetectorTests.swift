import Foundation
import Testing
@testable import NeuralEngine

/// The model file's `out_of_distribution`: it survives a save and load exactly, files
/// without it load as before, a damaged one is refused naming the field, and each method
/// scores as its definition says.
@Suite struct OutOfDistributionDetectorTests {
    static let classes = 3

    static func spec() throws -> ArchitectureSpec {
        try ArchitectureSpec.preset("resnet20", inputSize: 16, channels: 1, classes: classes)
    }

    /// ResNet-20's head reads 64 pooled features.
    static let width = 64

    static func metadata(_ detector: OutOfDistributionDetector?) throws -> ModelMetadata {
        ModelMetadata(architecture: try spec(), labels: ["a", "b", "c"],
                      preprocessing: Preprocessing(inputWidth: 16, inputHeight: 16, channels: 1, mean: [0.5], std: [0.25]),
                      outOfDistribution: detector)
    }

    static let percentiles = (0...100).map { Double($0) / 100 }

    static func knn(rows: Int = 4, k: Int = 2, width: Int = width) -> OutOfDistributionDetector {
        var generator = SeededGenerator(seed: 3)
        return OutOfDistributionDetector(
            method: .nearestNeighbours, threshold: 0.95, acceptanceRate: 0.95, validationPercentiles: percentiles,
            validationImages: 100, nearestNeighbours: .init(featureCount: width, k: k,
                                                           bank: (0..<(rows * width)).map { _ in generator.nextNormal() }))
    }

    static func mahalanobis(width: Int = width) -> OutOfDistributionDetector {
        var identity = [Float](repeating: 0, count: width * width)
        for i in 0..<width { identity[i * width + i] = 1 }
        return OutOfDistributionDetector(
            method: .mahalanobis, threshold: 2, acceptanceRate: 0.9, validationPercentiles: percentiles, validationImages: 50,
            mahalanobis: .init(featureCount: width, whitening: identity,
                               whitenedClassMeans: [Float](repeating: 0.5, count: classes * width)))
    }

    /// Saves a network with `metadata`, and returns the file's bytes.
    static func file(_ metadata: ModelMetadata) throws -> [UInt8] {
        let network = try buildNetwork(metadata.architecture, seed: 1)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ood-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelFile.save(network: network, metadata: metadata, to: url)
        return Array(try Data(contentsOf: url))
    }

    /// The file with its `out_of_distribution` string replaced by `json`.
    static func damaged(_ json: String) throws -> [UInt8] {
        let bytes = try file(try metadata(knn()))
        let file = try SafetensorsFile(bytes: bytes, path: "m")
        var strings = file.metadata
        strings[ModelMetadata.Key.outOfDistribution] = json
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ood-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafetensorsFile(tensors: file.tensors, metadata: strings).write(to: url)
        return Array(try Data(contentsOf: url))
    }

    static func json(_ detector: OutOfDistributionDetector) throws -> String {
        String(decoding: try JSONEncoder().encode(detector), as: UTF8.self)
    }

    @Test(arguments: [knn(), mahalanobis(), OutOfDistributionDetector(
        method: .energy, threshold: -3, acceptanceRate: 0.95, validationPercentiles: percentiles, validationImages: 9)])
    func aDetectorSurvivesTheModelFileExactly(detector: OutOfDistributionDetector) throws {
        let loaded = try ModelFile.load(bytes: try Self.file(try Self.metadata(detector)), path: "m")
        #expect(loaded.metadata.outOfDistribution == detector)
    }

    @Test func aFileWrittenBeforeTheFieldLoadsWithNoDetector() throws {
        let bytes = try Self.file(try Self.metadata(nil))
        #expect(try SafetensorsFile(bytes: bytes, path: "m").metadata[ModelMetadata.Key.outOfDistribution] == nil)
        #expect(try ModelFile.load(bytes: bytes, path: "m").metadata.outOfDistribution == nil)
    }

    /// Each damage, and the words the error must contain.
    static let damages: [(String, String)] = {
        func edited(_ change: (inout OutOfDistributionDetector) -> Void, _ base: OutOfDistributionDetector = knn()) -> String {
            var detector = base
            change(&detector)
            return (try? json(detector)) ?? ""
        }
        let nanBank = PackedFloats([.nan] + [Float](repeating: 0, count: 4 * width - 1))
        return [
            (#"{"method":"knn"}"#, "missing"),
            (#"{"method":"lof","threshold":1}"#, "method"),
            // (A non-finite threshold cannot be written as JSON; the bank's base64 can carry a NaN.)
            (edited { $0.acceptanceRate = 1.5 }, "acceptanceRate"),
            (edited { $0.validationPercentiles.removeLast() }, "validationPercentiles"),
            (edited { $0.validationPercentiles[10] = 5 }, "ascending"),
            (edited { $0.nearestNeighbours?.k = 5 }, "k 5"),
            (edited { $0.nearestNeighbours?.bank = PackedFloats([1, 2, 3]) }, "bank"),
            (edited { $0.nearestNeighbours?.bank = nanBank }, "not finite"),
            (edited { $0.nearestNeighbours = nil }, "knn needs"),
            (edited({ $0.method = .energy }), "takes no parameters"),
            (edited({ $0.mahalanobis?.whitening.removeLast() }, mahalanobis()), "whitening"),
            (edited({ $0.mahalanobis?.whitenedClassMeans.removeLast() }, mahalanobis()), "whitenedClassMeans"),
            // Shaped for a head of 8 features; this network's head takes 64.
            (edited({ _ in }, knn(width: 8)), "the head takes 64"),
            (edited({ _ in }, mahalanobis(width: 8)), "the head takes 64"),
        ]
    }()

    @Test(arguments: damages.indices)
    func aDamagedDetectorIsRefusedLikeAnyBadField(index: Int) throws {
        let (json, words) = Self.damages[index]
        let error = try #require(throws: ModelFileError.self) {
            try ModelFile.load(bytes: try Self.damaged(json), path: "m")
        }
        guard case .invalidMetadata(let key, let detail) = error.reason else {
            Issue.record("expected invalidMetadata, got \(error)")
            return
        }
        #expect(key == ModelMetadata.Key.outOfDistribution)
        #expect(detail.contains(words), "\(detail)")
    }

    @Test func aThresholdForAnotherRateInterpolatesTheValidationPercentiles() {
        var detector = Self.knn()
        detector.validationPercentiles = (0...100).map { Double($0) * 2 }
        #expect(detector.threshold(acceptingFraction: 0.95) == 0.95, "the stored rate keeps the stored threshold")
        #expect(abs(detector.threshold(acceptingFraction: 0.5) - 100) < 1e-9)
        #expect(abs(detector.threshold(acceptingFraction: 0.995) - 199) < 1e-9)
        #expect(detector.threshold(acceptingFraction: 1) == 200)
    }

    @Test func eachMethodScoresAsItsDefinitionSays() {
        let logits: [Float] = [2, 0, -1]
        let logSumExp = log(exp(2.0) + exp(0.0) + exp(-1.0))
        var detector = Self.knn()
        detector.method = .energy
        detector.nearestNeighbours = nil
        #expect(abs(detector.score(logits: logits[...], features: nil) + logSumExp) < 1e-9)
        detector.method = .maxSoftmax
        #expect(abs(detector.score(logits: logits[...], features: nil) + exp(2 - logSumExp)) < 1e-9)

        // Identity whitening: the squared distance to the nearest mean (all at 0.5).
        let features = [Float](repeating: 1.5, count: Self.width)
        #expect(abs(Self.mahalanobis().score(logits: logits[...], features: features[...]) - Double(Self.width)) < 1e-6)

        // kNN: 1 − the k-th largest cosine similarity, by brute force.
        let knn = Self.knn(rows: 6, k: 3)
        let bank = knn.nearestNeighbours!.bank.values
        var generator = SeededGenerator(seed: 9)
        let query = (0..<Self.width).map { _ in generator.nextNormal() }
        let norm = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let similarities = (0..<6).map { row in
            (0..<Self.width).reduce(0.0) { $0 + Double(bank[row * Self.width + $1]) * Double(query[$1] / norm) }
        }.sorted(by: >)
        #expect(abs(knn.score(logits: logits[...], features: query[...]) - (1 - similarities[2])) < 1e-5)
    }

    @Test func theFusedNetworkReadsTheSameFeaturesAsTheTrainingGraph() throws {
        let network = try buildNetwork(try Self.spec(), seed: 4)
        var generator = SeededGenerator(seed: 8)
        let images = Tensor(shape: [3, 1, 16, 16], scalars: (0..<(3 * 256)).map { _ in generator.nextNormal() })
        let inference = InferenceNetwork(network)
        let fused = inference.logitsAndFeatures(images)
        let features = try #require(fused.features)
        let reference = network.features(images, training: false)
        #expect(features.shape == [3, Self.width])
        let scale = max(1, reference.scalars.map(abs).max() ?? 1)
        for (a, b) in zip(features.scalars, reference.scalars) { #expect(abs(a - b) <= 1e-4 * scale) }
        #expect(fused.logits.scalars == inference.logits(images).scalars)

        // Mirror-averaged: the mean of the image's and the mirror's features.
        let averaged = try #require(inference.logitsAndFeatures(images, averagingFlips: true).features)
        let mirrored = network.features(FlipAveraging.horizontallyFlipped(images), training: false)
        for i in averaged.scalars.indices {
            #expect(abs(averaged.scalars[i] - (reference.scalars[i] + mirrored.scalars[i]) / 2) <= 1e-4 * scale)
        }
    }
}
