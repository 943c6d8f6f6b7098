import ImageKit
import NeuralEngine

/// What the service needs from a loaded, validated model. The engine-backed
/// implementation is `EngineClassifierModel`; tests may supply simpler ones.
///
/// `preprocess` runs on request threads, many at once. `logits` runs on the
/// batcher's single thread only, so an implementation may keep scratch
/// buffers for it.
public protocol ClassifierModel: AnyObject, Sendable {
    /// Class names, index = output unit.
    var labels: [String] { get }
    /// Scalars in one preprocessed image (C × H × W).
    var inputCount: Int { get }
    /// Everything the model file says about itself (architecture, preprocessing, provenance).
    var metadata: ModelMetadata? { get }

    /// Decodes one uploaded image and turns it into this model's input (C, H, W),
    /// or throws a `ServiceError` (413 too many pixels, 415 unsupported format,
    /// 422 undecodable).
    func preprocess(_ bytes: [UInt8], limits: ImageLimits) throws -> [Float]

    /// The most memory `preprocess` can take for these bytes, from the image's
    /// header alone; the decode pool admits decodes against its budget with it.
    func estimatedDecodeBytes(_ bytes: [UInt8], limits: ImageLimits) -> Int

    /// Raw class scores for a batch: `batch` holds `count` images of `inputCount`
    /// scalars each, back to back; the result is `count × labels.count`.
    func logits(_ batch: [Float], count: Int) -> [Float]

    /// `logits`, with each image's out-of-distribution score when the model file has a
    /// detector (`ModelMetadata.outOfDistribution`), from the same forward pass.
    func scoredLogits(_ batch: [Float], count: Int) -> ScoredLogits

    /// How the engine runs each convolution, as measured when the model loaded (empty
    /// for models that do not run on the engine).
    var convolutionPlan: [ConvolutionChoice] { get }
}

/// A batch's logits (`count × classes`) and, for a model with a detector, one
/// out-of-distribution score per image (higher: less like the training data).
public struct ScoredLogits: Sendable {
    public var logits: [Float]
    public var outOfDistributionScores: [Double]?

    public init(logits: [Float], outOfDistributionScores: [Double]? = nil) {
        self.logits = logits
        self.outOfDistributionScores = outOfDistributionScores
    }
}

extension ClassifierModel {
    public var convolutionPlan: [ConvolutionChoice] { [] }

    /// Models without a detector score nothing.
    public func scoredLogits(_ batch: [Float], count: Int) -> ScoredLogits {
        ScoredLogits(logits: logits(batch, count: count))
    }

    /// Models that do not decode images take about the upload's size.
    public func estimatedDecodeBytes(_ bytes: [UInt8], limits: ImageLimits) -> Int { bytes.count }
}

/// Limits applied to an upload: its size before any pixel buffer is allocated,
/// and the work its decode may do.
public struct ImageLimits: Sendable {
    public var maxPixels: Int
    public var maxDimension: Int
    /// CPU time the decode may take; nil for no limit.
    public var decodeTimeLimit: Duration?
    /// Stops the decode when the request's client has gone.
    public var cancellation: DecodeCancellation?

    public init(maxPixels: Int, maxDimension: Int, decodeTimeLimit: Duration? = nil,
                cancellation: DecodeCancellation? = nil) {
        self.maxPixels = maxPixels
        self.maxDimension = maxDimension
        self.decodeTimeLimit = decodeTimeLimit
        self.cancellation = cancellation
    }
}
