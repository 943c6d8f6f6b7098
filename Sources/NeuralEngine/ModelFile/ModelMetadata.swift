/// Everything a model file says about itself besides its tensors. Stored as JSON
/// strings in the safetensors header's `__metadata__` (whose values must be strings).
public struct ModelMetadata: Codable, Sendable, Equatable {
    /// Written as `format` in `__metadata__`; readers refuse any other.
    public static let formatName = "image-classifier"
    /// Bumped when the layout of the file changes incompatibly.
    public static let formatVersion = 1

    public var architecture: ArchitectureSpec
    /// Class names, index = output unit.
    public var labels: [String]
    public var preprocessing: Preprocessing
    public var provenance: Provenance?
    /// How the logits become honest scores; nil serves plain softmax.
    public var calibration: ScoreCalibration?
    /// When to answer "unknown"; nil (files written before it, models without validation
    /// data) serves no verdict.
    public var outOfDistribution: OutOfDistributionDetector?

    public init(architecture: ArchitectureSpec, labels: [String],
                preprocessing: Preprocessing, provenance: Provenance? = nil,
                calibration: ScoreCalibration? = nil, outOfDistribution: OutOfDistributionDetector? = nil) {
        self.architecture = architecture
        self.labels = labels
        self.preprocessing = preprocessing
        self.provenance = provenance
        self.calibration = calibration
        self.outOfDistribution = outOfDistribution
    }
}

/// Temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks"):
/// scores are softmax(logits / temperature), with the temperature that minimises the
/// negative log-likelihood of the validation images. It changes no prediction, only how
/// sure each one claims to be.
public struct ScoreCalibration: Codable, Sendable, Equatable {
    public var temperature: Float
    /// Expected calibration error (15 equal-width confidence bins) on the images it was
    /// fitted on, with plain softmax and with the temperature.
    public var expectedCalibrationErrorBefore: Double
    public var expectedCalibrationErrorAfter: Double
    /// How many validation images it was fitted on.
    public var images: Int

    public init(temperature: Float, expectedCalibrationErrorBefore: Double,
                expectedCalibrationErrorAfter: Double, images: Int) {
        self.temperature = temperature
        self.expectedCalibrationErrorBefore = expectedCalibrationErrorBefore
        self.expectedCalibrationErrorAfter = expectedCalibrationErrorAfter
        self.images = images
    }
}

/// How raw pixels become the model's input tensor. The engine only stores it;
/// the image module carries it out.
public struct Preprocessing: Codable, Sendable, Equatable {
    public enum ResizePolicy: String, Codable, Sendable, CaseIterable {
        /// Stretch to W×H, ignoring aspect ratio (Keras `flow_from_directory`).
        case squash
        /// Resize the shorter side, then centre-crop (torchvision Resize + CenterCrop).
        case shorterSide = "shorter-side"
        /// Fit inside W×H and pad the rest (letterbox).
        case pad
    }

    public var inputWidth: Int
    public var inputHeight: Int
    /// 1: BT.601 luma; 3: RGB.
    public var channels: Int
    /// Per-channel mean and standard deviation applied to pixels scaled to [0, 1].
    public var mean: [Float]
    public var std: [Float]
    public var resize: ResizePolicy
    /// For `shorter-side`: the shorter side is resized to input / cropFraction
    /// (0.875 gives torchvision's 256 → 224).
    public var cropFraction: Float
    /// Invert intensities (for models trained on light-on-dark data such as Fashion-MNIST).
    public var invert: Bool
    /// How predictions are made from the preprocessed image: nil is a single forward pass.
    /// Absent from files written before it existed, which therefore read as nil.
    public var testTimeAugmentation: TestTimeAugmentation?

    public enum TestTimeAugmentation: String, Codable, Sendable, CaseIterable {
        /// Average the logits with the mirror image's (`FlipAveraging`): one more forward
        /// pass per image, for models trained with horizontal flips.
        case horizontalFlip = "horizontal-flip"
    }

    /// Predictions average each image's logits with its mirror image's.
    public var averagesFlips: Bool { testTimeAugmentation == .horizontalFlip }

    public init(inputWidth: Int, inputHeight: Int, channels: Int, mean: [Float], std: [Float],
                resize: ResizePolicy = .squash, cropFraction: Float = 0.875, invert: Bool = false,
                testTimeAugmentation: TestTimeAugmentation? = nil) {
        self.inputWidth = inputWidth
        self.inputHeight = inputHeight
        self.channels = channels
        self.mean = mean
        self.std = std
        self.resize = resize
        self.cropFraction = cropFraction
        self.invert = invert
        self.testTimeAugmentation = testTimeAugmentation
    }
}

/// Where a model came from: when, how, on what data, and how well it did.
public struct Provenance: Codable, Sendable, Equatable {
    public var createdAt: String
    public var arguments: [String]
    /// The resolved training configuration, as JSON.
    public var configuration: String?
    public var dataSummary: [String: String]
    public var metrics: [String: Double]
    /// For a model imported from another framework's file (`classifier-train import`)
    /// and everything trained from it: that file. Absent from files written before it existed.
    public var importedFrom: ImportedSource?

    public init(createdAt: String, arguments: [String], configuration: String? = nil,
                dataSummary: [String: String] = [:], metrics: [String: Double] = [:],
                importedFrom: ImportedSource? = nil) {
        self.createdAt = createdAt
        self.arguments = arguments
        self.configuration = configuration
        self.dataSummary = dataSummary
        self.metrics = metrics
        self.importedFrom = importedFrom
    }
}

/// The file a model's weights were first imported from.
public struct ImportedSource: Codable, Sendable, Equatable {
    /// The path as given to the importer.
    public var path: String
    /// SHA-256 of the file's bytes, lowercase hex: which download it was.
    public var sha256: String
    /// What the importer read: "safetensors state dict (torchvision names)", "ONNX (opset 17, …)".
    public var format: String

    public init(path: String, sha256: String, format: String) {
        self.path = path
        self.sha256 = sha256
        self.format = format
    }
}
