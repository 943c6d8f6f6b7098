/// One preprocessed image waiting for the forward pass, with the model the
/// request started on (a reload never changes the model under a request).
struct InferenceJob: Sendable {
    let model: any ClassifierModel
    let version: String
    /// (C, H, W) scalars, `model.inputCount` of them.
    let input: [Float]
}

/// Class probabilities for one image, and the forward pass it shared.
struct InferenceResult: Sendable {
    let probabilities: [Double]
    /// The model's out-of-distribution score for the image; nil for a model without a detector.
    var outOfDistributionScore: Double? = nil
    /// Seconds of the forward pass this image ran in.
    let forwardSeconds: Double
    let batchSize: Int
}
