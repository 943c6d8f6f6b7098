import ArgumentParser
import Foundation
import Training

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier and write the best epoch (by validation accuracy) to --out.",
        discussion: """
            Options may also come from --config FILE (JSON or YAML, keys as the flag names: \
            `val-split: 0.2`); flags given on the command line win. Augmentation options use the \
            meanings of Keras' ImageDataGenerator.
            """)

    @Option(help: "A JSON or YAML file with any of the options below.") var config: String?

    @OptionGroup(title: "Data") var data: DataOptions
    @OptionGroup(title: "Model") var model: ModelOptions
    @OptionGroup(title: "Optimisation") var optimisation: OptimisationOptions
    @OptionGroup(title: "Augmentation (Keras ImageDataGenerator names)") var augmentation: AugmentationFlags
    @OptionGroup(title: "Transfer learning, output and runtime") var runtime: RunOptions

    func run() throws {
        var overrides: [String: Any] = [:]
        try data.collect(into: &overrides)
        try model.collect(into: &overrides)
        try optimisation.collect(into: &overrides)
        try augmentation.collect(into: &overrides)
        try runtime.collect(into: &overrides)
        let (configuration, givenKeys) = try ConfigurationLoader.loadWithKeys(file: config, overrides: overrides)
        _ = try TrainingSession.run(configuration: configuration, givenKeys: givenKeys,
                                    arguments: Array(CommandLine.arguments.dropFirst()))
    }
}

/// Parses `0.8,1.2` into numbers, naming the flag when it cannot.
func numberList(_ text: String, flag: String) throws -> [Double] {
    let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let values = parts.compactMap(Double.init)
    guard !parts.isEmpty, values.count == parts.count else {
        throw TrainingError.invalidConfiguration("\(flag) expects comma-separated numbers, not '\(text)'")
    }
    return values
}

struct DataOptions: ParsableArguments {
    @Option(help: "Training data: a folder with one subfolder per class, or an IDX images file.") var data: String?
    @Option(help: "Validation data, in the same form as --data.") var val: String?
    @Option(help: "Hold out this fraction of --data for validation, stratified and seeded (default 0.2 without --val).") var valSplit: Double?
    @Option(help: "Class names, one per line (IDX data; default: built in for Fashion-MNIST and MNIST).") var labels: String?

    func collect(into tree: inout [String: Any]) throws {
        tree["data"] = data
        tree["val"] = val
        tree["val-split"] = valSplit
        tree["labels"] = labels
    }
}

struct ModelOptions: ParsableArguments {
    @Option(help: "Architecture preset (see `classifier-train inspect --list`).") var arch: String?
    @Option(help: "Input width and height in pixels (default: native size of IDX data, 64 for folders).") var inputSize: Int?
    @Option(help: "1 (grayscale) or 3 (RGB) (default: 1 for IDX data, 3 for folders).") var channels: Int?
    @Option(help: "How images reach the input size: squash, shorter-side or pad.") var resize: String?
    @Flag(inversion: .prefixedNo, help: "Invert intensities of decoded photos (a dark object on a light background becomes light-on-dark, as Fashion-MNIST).") var invert: Bool?
    @Flag(name: .customLong("flip-tta"), inversion: .prefixedNo,
          help: "Predict from the image and its mirror, logits averaged: stored in the model file, so the server and evaluate do it too (needs --horizontal-flip; one more forward pass per image).")
    var flipTTA: Bool?
    @Option(help: "Per-channel mean of [0, 1] pixels, e.g. 0.485,0.456,0.406.") var mean: String?
    @Option(help: "Per-channel standard deviation, e.g. 0.229,0.224,0.225.") var std: String?

    func collect(into tree: inout [String: Any]) throws {
        tree["arch"] = arch
        tree["input-size"] = inputSize
        tree["channels"] = channels
        tree["resize"] = resize
        tree["invert"] = invert
        tree["flip-tta"] = flipTTA
        if let mean { tree["mean"] = try numberList(mean, flag: "--mean") }
        if let std { tree["std"] = try numberList(std, flag: "--std") }
    }
}

struct OptimisationOptions: ParsableArguments {
    @Option(help: "Number of passes over the training data.") var epochs: Int?
    @Option(help: "Images per step.") var batchSize: Int?
    @Option(help: "sgd (momentum, Nesterov) or adamw.") var optimizer: String?
    @Option(help: "Peak learning rate (default 0.05 for sgd, 0.001 for adamw).") var lr: Double?
    @Option(help: "SGD momentum.") var momentum: Double?
    @Flag(inversion: .prefixedNo, help: "Nesterov momentum for SGD (default on).") var nesterov: Bool?
    @Option(help: "constant, step, cosine or onecycle.") var lrSchedule: String?
    @Option(help: "Linear warm-up length in epochs.") var warmup: Double?
    @Option(help: "step schedule: epochs between decays.") var lrStep: Int?
    @Option(help: "step schedule: decay factor.") var lrGamma: Double?
    @Option(help: "L2 weight decay (decoupled for adamw; default 5e-4 for sgd, 0.01 for adamw).") var weightDecay: Double?
    @Option(help: "Label smoothing ε (Szegedy et al. 2016).") var labelSmoothing: Double?
    @Flag(inversion: .prefixedNo, help: "Start each residual block's last BatchNorm scale at zero (default on; Keras starts it at one).") var zeroInitResidual: Bool?
    @Option(help: "'auto' weights the loss by inverse class frequency.") var classWeights: String?
    @Option(help: "Stop after this many epochs without a better validation accuracy.") var earlyStopping: Int?
    @Option(help: ArgumentHelp("End the run after this many minutes of training; --epochs becomes the upper bound and the learning-rate schedule follows the clock.", valueName: "minutes")) var timeBudget: Double?

    func collect(into tree: inout [String: Any]) throws {
        tree["epochs"] = epochs
        tree["batch-size"] = batchSize
        tree["optimizer"] = optimizer
        tree["lr"] = lr
        tree["momentum"] = momentum
        tree["nesterov"] = nesterov
        tree["lr-schedule"] = lrSchedule
        tree["warmup"] = warmup
        tree["lr-step"] = lrStep
        tree["lr-gamma"] = lrGamma
        tree["weight-decay"] = weightDecay
        tree["label-smoothing"] = labelSmoothing
        tree["zero-init-residual"] = zeroInitResidual
        tree["class-weights"] = classWeights
        tree["early-stopping"] = earlyStopping
        tree["time-budget"] = timeBudget
    }
}

struct AugmentationFlags: ParsableArguments {
    @Option(help: "Random rotation in degrees, drawn from [-R, R].") var rotationRange: Double?
    @Option(help: "Random horizontal shift as a fraction of the width.") var widthShiftRange: Double?
    @Option(help: "Random vertical shift as a fraction of the height.") var heightShiftRange: Double?
    @Option(help: "Random shear angle in degrees.") var shearRange: Double?
    @Option(help: "Random zoom, drawn from [1-Z, 1+Z].") var zoomRange: Double?
    @Flag(inversion: .prefixedNo, help: "Random horizontal flips.") var horizontalFlip: Bool?
    @Flag(inversion: .prefixedNo, help: "Random vertical flips.") var verticalFlip: Bool?
    @Option(help: "Points outside the image: nearest, reflect, constant or wrap.") var fillMode: String?
    @Option(help: "Fill value (0–255) for --fill-mode constant.") var cval: Double?
    @Option(help: "Brightness factor range LO,HI.") var brightnessRange: String?
    @Option(help: "Random-resized-crop with this minimum area fraction (torchvision).") var randomResizedCrop: Double?
    @Option(help: "Colour jitter strengths BRIGHTNESS[,CONTRAST[,SATURATION]] (torchvision).") var colorJitter: String?
    @Option(help: "Probability of erasing a random rectangle with random values (torchvision RandomErasing).")
    var randomErasing: Double?

    func collect(into tree: inout [String: Any]) throws {
        var a: [String: Any] = [:]
        a["rotation-range"] = rotationRange
        a["width-shift-range"] = widthShiftRange
        a["height-shift-range"] = heightShiftRange
        a["shear-range"] = shearRange
        a["zoom-range"] = zoomRange
        a["horizontal-flip"] = horizontalFlip
        a["vertical-flip"] = verticalFlip
        a["fill-mode"] = fillMode
        a["cval"] = cval
        if let brightnessRange { a["brightness-range"] = try numberList(brightnessRange, flag: "--brightness-range") }
        a["random-resized-crop"] = randomResizedCrop
        if let colorJitter { a["color-jitter"] = try numberList(colorJitter, flag: "--color-jitter") }
        a["random-erasing"] = randomErasing
        if !a.isEmpty { tree["augmentation"] = a }
    }
}

struct RunOptions: ParsableArguments {
    @Option(help: "Start from this model's weights; a new head is put on when its classes differ.") var initFrom: String?
    @Flag(inversion: .prefixedNo, help: "Train the head only, on features computed once.") var freezeBackbone: Bool?
    @Option(help: "With --freeze-backbone: train the whole network from this epoch on.") var unfreezeAfter: Int?
    @Option(help: "Seed for weights, split, shuffling and augmentation.") var seed: UInt64?
    @Option(help: "Compute threads (default: all cores).") var threads: Int?
    @Option(help: "Background decode/augment threads.") var workers: Int?
    @Option(help: "Keep decoded images in memory up to this many MiB.") var cacheMb: Int?
    @Option(help: "Model file to write (the best epoch, atomically).") var out: String?
    @Option(help: "Continue from a resumable checkpoint (written beside --out as NAME.checkpoint).") var resume: String?

    func collect(into tree: inout [String: Any]) throws {
        tree["init-from"] = initFrom
        tree["freeze-backbone"] = freezeBackbone
        tree["unfreeze-after"] = unfreezeAfter
        tree["seed"] = seed
        tree["threads"] = threads
        tree["workers"] = workers
        tree["cache-mb"] = cacheMb
        tree["out"] = out
        tree["resume"] = resume
    }
}
