import Foundation
import ImageKit
import NeuralEngine

/// A model file turned into something that classifies: the fused inference
/// network, its labels, and the image preprocessing its metadata describes.
public final class EngineClassifierModel: ClassifierModel {
    public let labels: [String]
    public let inputCount: Int
    public let metadata: ModelMetadata?
    private let network: InferenceNetwork
    private let preprocessor: ImagePreprocessor
    /// The model file asks for logits averaged with the mirror image's.
    private let averagesFlips: Bool
    /// Logits are divided by this before the softmax (temperature scaling; 1 without calibration).
    private let temperature: Float
    /// The file's out-of-distribution detector, if it has one.
    private let detector: OutOfDistributionDetector?

    init(metadata: ModelMetadata, network: InferenceNetwork, preprocessor: ImagePreprocessor) {
        self.labels = metadata.labels
        self.metadata = metadata
        self.network = network
        self.preprocessor = preprocessor
        averagesFlips = metadata.preprocessing.averagesFlips
        temperature = metadata.calibration?.temperature ?? 1
        detector = metadata.outOfDistribution
        inputCount = network.imageShape.reduce(1, *)
    }

    /// Reads and validates a model file, then proves it works before anyone uses it:
    /// 1. header, tensors and metadata (`ModelFile.load`: bounds, dtypes, truncation);
    /// 2. metadata consistency (labels against the head, preprocessing against the input);
    /// 3. every tensor's name and shape against the architecture (`LoadedModel.apply`);
    /// 4. a warm-up forward pass of `warmUpBatch` images whose outputs must be finite
    ///    (which also sizes the inference buffers, so the first request does not pay for it;
    ///    twice the batch when the model averages each image with its mirror);
    /// 5. with `calibrate`, the engine times each convolution's paths at batch 1 and at
    ///    `warmUpBatch` on this machine and keeps the fastest (`InferenceNetwork.calibrate`;
    ///    shown in `/v1/model`).
    /// Any failure throws an error naming the file and the problem.
    public static func load(from url: URL, warmUpBatch: Int = 1,
                            calibrate: Bool = true) throws -> (model: any ClassifierModel, version: String) {
        let loaded = try ModelFile.load(from: url)
        let metadata = loaded.metadata
        let spec = metadata.architecture
        let path = url.path
        guard metadata.labels.count == spec.classCount else {
            throw ModelLoadError(path: path, problem: "\(metadata.labels.count) labels for a head of \(spec.classCount) classes")
        }
        let pre = metadata.preprocessing
        guard pre.channels == spec.inputChannels, pre.inputWidth == spec.inputWidth, pre.inputHeight == spec.inputHeight else {
            throw ModelLoadError(path: path, problem: "preprocessing gives \(pre.channels)×\(pre.inputHeight)×\(pre.inputWidth) "
                + "but the network takes \(spec.inputChannels)×\(spec.inputHeight)×\(spec.inputWidth)")
        }
        let preprocessor: ImagePreprocessor
        do {
            preprocessor = try ImagePreprocessor(options: PreprocessingOptions(
                inputWidth: pre.inputWidth, inputHeight: pre.inputHeight, channels: pre.channels,
                mean: pre.mean, std: pre.std, resize: PreprocessingOptions.ResizePolicy(rawValue: pre.resize.rawValue) ?? .squash,
                cropFraction: pre.cropFraction, invert: pre.invert))
        } catch {
            throw ModelLoadError(path: path, problem: "preprocessing: \(error)")
        }
        let network: Network
        do {
            network = try buildNetwork(spec, seed: 0)
        } catch {
            throw ModelLoadError(path: path, problem: "architecture: \(error)")
        }
        try loaded.apply(to: network)
        let inference = InferenceNetwork(network)

        let passes = pre.averagesFlips ? 2 : 1
        let warmUp = Tensor(zeros: spec.inputShape(batchSize: passes * max(1, warmUpBatch)))
        let logits: Tensor
        do {
            logits = try inference.checkedLogits(warmUp)
        } catch {
            throw ModelLoadError(path: path, problem: "warm-up forward pass: \(error)")
        }
        guard logits.shape == [passes * max(1, warmUpBatch), spec.classCount], logits.isFinite else {
            throw ModelLoadError(path: path, problem: "warm-up forward pass gave non-finite or misshapen outputs \(logits.shape)")
        }
        if calibrate { inference.calibrate(batchSizes: [passes, passes * max(1, warmUpBatch)]) }
        let model = EngineClassifierModel(metadata: metadata, network: inference, preprocessor: preprocessor)
        return (model, loaded.version)
    }

    public var convolutionPlan: [ConvolutionChoice] { network.convolutionPlan }

    private func decoder(_ limits: ImageLimits) -> ImageDecoder {
        ImageDecoder(options: preprocessor.decodeOptions(
            DecodeOptions(maxPixels: limits.maxPixels, maxDimension: limits.maxDimension,
                          cpuTimeLimit: limits.decodeTimeLimit, cancellation: limits.cancellation)))
    }

    public func estimatedDecodeBytes(_ bytes: [UInt8], limits: ImageLimits) -> Int {
        decoder(limits).estimatedPeakBytes(bytes)
    }

    public func preprocess(_ bytes: [UInt8], limits: ImageLimits) throws -> [Float] {
        let decoder = decoder(limits)
        do {
            return preprocessor.tensor(try decoder.decode(bytes))
        } catch let error as ImageError {
            throw Self.serviceError(for: error)
        }
    }

    /// The logits the scores come from: the network's, averaged with the mirror image's
    /// when the file asks, and divided by the calibrated temperature.
    public func logits(_ batch: [Float], count: Int) -> [Float] {
        let logits = averagesFlips ? FlipAveraging.averagedLogits(images(batch, count)) { network.logits($0) }.scalars
            : network.logits(images(batch, count)).scalars
        return scaled(logits)
    }

    /// The detector scores the raw logits (it was fitted on them) and, for a feature-based
    /// method, the head's input from the same pass; the scores are then calibrated as in `logits`.
    public func scoredLogits(_ batch: [Float], count: Int) -> ScoredLogits {
        guard let detector else { return ScoredLogits(logits: logits(batch, count: count)) }
        let raw: [Float], features: Tensor?
        if detector.needsFeatures {
            let output = network.logitsAndFeatures(images(batch, count), averagingFlips: averagesFlips)
            (raw, features) = (output.logits.scalars, output.features)
        } else {
            raw = averagesFlips ? FlipAveraging.averagedLogits(images(batch, count)) { network.logits($0) }.scalars
                : network.logits(images(batch, count)).scalars
            features = nil
        }
        let classes = labels.count, width = features?.shape[1] ?? 0
        let scores = (0..<count).map { row in
            detector.score(logits: raw[row * classes..<(row + 1) * classes],
                           features: features.map { $0.scalars[row * width..<(row + 1) * width] })
        }
        return ScoredLogits(logits: scaled(raw), outOfDistributionScores: scores)
    }

    private func images(_ batch: [Float], _ count: Int) -> Tensor {
        Tensor(shape: [count] + network.imageShape, scalars: batch)
    }

    private func scaled(_ logits: [Float]) -> [Float] {
        temperature == 1 ? logits : logits.map { $0 / temperature }
    }

    /// The one mapping from image errors to HTTP statuses.
    static func serviceError(for error: ImageError) -> ServiceError {
        switch error {
        case .empty:
            return .badRequest("the image is empty (0 bytes)", code: "empty_image")
        case .unsupportedFormat:
            return .unsupported(error.description, code: "unsupported_format")
        case .unsupportedVariant:
            return .unsupported(error.description, code: "unsupported_variant")
        case .corrupt:
            return .undecodable(error.description)
        case .tooComplex:
            return ServiceError(status: 422, code: "image_too_complex", message: error.description)
        case .cancelled:
            return .clientGone()
        case .tooLarge:
            return .tooLarge(error.description, code: "image_too_large")
        case .invalidOptions:
            return .internalError(error.description)
        }
    }
}

/// A model file that loads but cannot be served as it is.
public struct ModelLoadError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "model file \(path): \(problem)" }
}
