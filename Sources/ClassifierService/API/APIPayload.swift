/// The JSON bodies of the API, as documented in docs/openapi.yaml.
/// Property names are the wire names.
enum APIPayload {
    struct Prediction: Encodable {
        let label: String
        let score: Double
    }

    struct ModelReference: Encodable {
        let name: String
        let version: String
    }

    /// Milliseconds: decoding and preprocessing, the forward pass of the batch
    /// the image ran in, and the whole request as the service saw it.
    struct Timing: Encodable {
        let decode: Double
        let inference: Double
        let total: Double
    }

    struct ErrorDetail: Encodable {
        let code: String
        let message: String
    }

    /// Whether an image is unlike what the model was trained on, and on what evidence.
    /// Without a detector (or with the verdict turned off) `available` is false, `reason`
    /// says why, and `unknown` beside it is false.
    struct OutOfDistribution: Encodable {
        let available: Bool
        let method: String?
        /// Higher: less like the training images; unknown when above `threshold`.
        let score: Double?
        let threshold: Double?
        /// The share of in-distribution validation images the threshold accepts.
        let acceptance_rate: Double?
        let reason: String?
    }

    /// `POST /classify` with one image.
    struct Classification: Encodable {
        let predictions: [Prediction]
        /// The image is out of distribution: the predictions are the model's best guesses among
        /// classes it does not belong to.
        let unknown: Bool
        let out_of_distribution: OutOfDistribution
        let model: ModelReference
        let timing_ms: Timing
    }

    /// One entry of a batch: predictions with their verdict, or an error, never both.
    struct BatchEntry: Encodable {
        let filename: String?
        let predictions: [Prediction]?
        let unknown: Bool?
        let out_of_distribution: OutOfDistribution?
        let error: ErrorDetail?
    }

    /// `POST /classify` with several images.
    struct BatchClassification: Encodable {
        let results: [BatchEntry]
        let model: ModelReference
        let timing_ms: Timing
    }

    struct Health: Encodable {
        let status: String
    }

    struct Readiness: Encodable {
        let status: String
        let model: ModelReference?
        let reason: String?
    }

    struct ReloadAttempt: Encodable {
        let at: String
        let trigger: String
        let result: String
        let version: String?
        let error: String?
    }

    struct Reloads: Encodable {
        let loaded: Int
        let unchanged: Int
        let rejected: Int
    }

    /// `GET /v1/model`.
    struct ModelDescription: Encodable {
        let name: String
        let version: String
        let path: String
        let loaded_at: String
        let load_seconds: Double
        let architecture: ArchitectureSummary?
        let labels: [String]
        let input: InputSummary?
        let training: TrainingSummary?
        /// Temperature scaling applied to the scores; null for a model trained before it or without validation data.
        let calibration: CalibrationSummary?
        /// The "unknown" verdict: null for a model file without a detector.
        let out_of_distribution: OutOfDistributionSummary?
        let last_reload: ReloadAttempt?
        let reloads: Reloads
        let engine: EngineSummary
    }

    /// How the engine runs the model on this machine.
    struct EngineSummary: Encodable {
        /// "AVX-512", "AVX2" or "portable": the kernel set the CPU allows.
        let kernels: String
        let threads: Int
        let convolutions: [ConvolutionChoice]
    }

    struct CalibrationSummary: Encodable {
        let method: String
        let temperature: Float
        let expected_calibration_error_before: Double
        let expected_calibration_error_after: Double
        let validation_images: Int
    }

    struct OutOfDistributionSummary: Encodable {
        let method: String
        /// As stored in the model file.
        let threshold: Double
        let acceptance_rate: Double
        let validation_images: Int
        /// As this server applies it by default (`unknown_verdict`, `unknown_acceptance_rate`).
        let verdict_enabled: Bool
        let served_threshold: Double
        let served_acceptance_rate: Double
    }

    struct ArchitectureSummary: Encodable {
        let preset: String?
        let spec: NeuralEngineSpec
    }

    struct InputSummary: Encodable {
        let width: Int
        let height: Int
        let channels: Int
        let preprocessing: NeuralEnginePreprocessing
    }

    struct TrainingSummary: Encodable {
        let created_at: String
        let arguments: [String]
        let data: [String: String]
        let metrics: [String: Double]
    }

    /// `GET /v1/model` before any model has loaded: what was tried.
    struct NoModel: Encodable {
        let error: ErrorDetail
        let path: String
        let last_reload: ReloadAttempt?
        let reloads: Reloads
    }
}

import NeuralEngine
typealias NeuralEngineSpec = ArchitectureSpec
typealias NeuralEnginePreprocessing = Preprocessing
