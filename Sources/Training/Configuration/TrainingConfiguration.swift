import NeuralEngine

/// One training run, as flags, a configuration file (JSON or YAML) or both.
/// Keys are the flag names without dashes (`val-split: 0.2`), so a config file
/// reads like the command line. Stored in the model file and printed at start.
///
/// Values that depend on the data (`input-size`, `channels`, `mean`, `std`) may be
/// left out; `ConfigurationLoader` fills them once the data is known.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    public enum OptimizerKind: String, Codable, Sendable, CaseIterable { case sgd, adamw }
    public enum ScheduleKind: String, Codable, Sendable, CaseIterable { case constant, step, cosine, onecycle }

    // Data
    public var data: String = ""
    public var val: String?
    public var valSplit: Double?
    public var labels: String?
    // Model
    public var arch: String = "resnet20"
    public var inputSize: Int?
    public var channels: Int?
    /// nil: the --init-from model's policy, else squash (set once the data is resolved).
    public var resize: Preprocessing.ResizePolicy?
    public var invert = false
    /// Predict with logits averaged over the image and its mirror: stored in the model file's
    /// preprocessing, so the server and `evaluate` do the same; validation uses it too.
    public var flipTTA = false
    public var mean: [Float]?
    public var std: [Float]?
    // Optimisation
    public var epochs = 10
    public var batchSize = 64
    public var optimizer: OptimizerKind = .sgd
    public var lr: Double?
    public var momentum = 0.9
    public var nesterov = true
    public var lrSchedule: ScheduleKind = .cosine
    /// Warm-up length in epochs (fractions allowed); linear from lr/100 (Goyal et al. 2017).
    public var warmup: Double = 0
    /// `step` schedule: multiply by `lr-gamma` every `lr-step` epochs.
    public var lrStep = 30
    public var lrGamma = 0.1
    public var weightDecay: Double?
    public var labelSmoothing = 0.0
    /// Start the last BatchNorm scale of every residual block at zero, so that each block
    /// begins as the identity (Goyal et al. 2017, §5.1). Keras and torchvision start it at
    /// one; on short runs that learns faster (BENCHMARKS.md, Keras side by side).
    public var zeroInitResidual = true
    public var augmentation = AugmentationOptions()
    /// "auto" (inverse class frequency, as sklearn's `balanced`) or nil.
    public var classWeights: String?
    public var earlyStopping: Int?
    /// Minutes of training (validation passes included) after which the run ends, with the
    /// learning-rate schedule following the clock (`TimeBudget`); `epochs` is the upper bound.
    public var timeBudget: Double?
    // Transfer learning
    public var initFrom: String?
    public var freezeBackbone = false
    public var unfreezeAfter: Int?
    // Runtime
    public var seed: UInt64 = 42
    public var threads: Int?
    /// Background decode/augment threads.
    public var workers = 2
    /// Decoded images are kept in memory when they fit under this many MiB.
    public var cacheMb = 2048
    public var out: String = "models/model.safetensors"
    public var resume: String?

    public init() {}

    /// The learning rate actually used: the given one, or the usual default for the optimizer.
    public var effectiveLearningRate: Double { lr ?? (optimizer == .sgd ? 0.05 : 0.001) }
    public var effectiveWeightDecay: Double { weightDecay ?? (optimizer == .sgd ? 5e-4 : 0.01) }
    public var effectiveValSplit: Double { val == nil ? (valSplit ?? 0.2) : 0 }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case data, val, valSplit = "val-split", labels
        case arch, inputSize = "input-size", channels, resize, invert, flipTTA = "flip-tta", mean, std
        case epochs, batchSize = "batch-size", optimizer, lr, momentum, nesterov
        case lrSchedule = "lr-schedule", warmup, lrStep = "lr-step", lrGamma = "lr-gamma"
        case weightDecay = "weight-decay", labelSmoothing = "label-smoothing"
        case zeroInitResidual = "zero-init-residual"
        case augmentation, classWeights = "class-weights", earlyStopping = "early-stopping"
        case timeBudget = "time-budget"
        case initFrom = "init-from", freezeBackbone = "freeze-backbone", unfreezeAfter = "unfreeze-after"
        case seed, threads, workers, cacheMb = "cache-mb", out, resume
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainingConfiguration()
        data = try c.decodeIfPresent(String.self, forKey: .data) ?? d.data
        val = try c.decodeIfPresent(String.self, forKey: .val)
        valSplit = try c.decodeIfPresent(Double.self, forKey: .valSplit)
        labels = try c.decodeIfPresent(String.self, forKey: .labels)
        arch = try c.decodeIfPresent(String.self, forKey: .arch) ?? d.arch
        inputSize = try c.decodeIfPresent(Int.self, forKey: .inputSize)
        channels = try c.decodeIfPresent(Int.self, forKey: .channels)
        resize = try c.decodeIfPresent(Preprocessing.ResizePolicy.self, forKey: .resize) ?? d.resize
        invert = try c.decodeIfPresent(Bool.self, forKey: .invert) ?? d.invert
        flipTTA = try c.decodeIfPresent(Bool.self, forKey: .flipTTA) ?? d.flipTTA
        mean = try c.decodeIfPresent([Float].self, forKey: .mean)
        std = try c.decodeIfPresent([Float].self, forKey: .std)
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? d.epochs
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        optimizer = try c.decodeIfPresent(OptimizerKind.self, forKey: .optimizer) ?? d.optimizer
        lr = try c.decodeIfPresent(Double.self, forKey: .lr)
        momentum = try c.decodeIfPresent(Double.self, forKey: .momentum) ?? d.momentum
        nesterov = try c.decodeIfPresent(Bool.self, forKey: .nesterov) ?? d.nesterov
        lrSchedule = try c.decodeIfPresent(ScheduleKind.self, forKey: .lrSchedule) ?? d.lrSchedule
        warmup = try c.decodeIfPresent(Double.self, forKey: .warmup) ?? d.warmup
        lrStep = try c.decodeIfPresent(Int.self, forKey: .lrStep) ?? d.lrStep
        lrGamma = try c.decodeIfPresent(Double.self, forKey: .lrGamma) ?? d.lrGamma
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay)
        labelSmoothing = try c.decodeIfPresent(Double.self, forKey: .labelSmoothing) ?? d.labelSmoothing
        zeroInitResidual = try c.decodeIfPresent(Bool.self, forKey: .zeroInitResidual) ?? d.zeroInitResidual
        augmentation = try c.decodeIfPresent(AugmentationOptions.self, forKey: .augmentation) ?? d.augmentation
        classWeights = try c.decodeIfPresent(String.self, forKey: .classWeights)
        earlyStopping = try c.decodeIfPresent(Int.self, forKey: .earlyStopping)
        timeBudget = try c.decodeIfPresent(Double.self, forKey: .timeBudget)
        initFrom = try c.decodeIfPresent(String.self, forKey: .initFrom)
        freezeBackbone = try c.decodeIfPresent(Bool.self, forKey: .freezeBackbone) ?? d.freezeBackbone
        unfreezeAfter = try c.decodeIfPresent(Int.self, forKey: .unfreezeAfter)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        threads = try c.decodeIfPresent(Int.self, forKey: .threads)
        workers = try c.decodeIfPresent(Int.self, forKey: .workers) ?? d.workers
        cacheMb = try c.decodeIfPresent(Int.self, forKey: .cacheMb) ?? d.cacheMb
        out = try c.decodeIfPresent(String.self, forKey: .out) ?? d.out
        resume = try c.decodeIfPresent(String.self, forKey: .resume)
    }
}
