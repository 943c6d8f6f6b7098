import Foundation
import NeuralEngine

/// The data of a run, resolved from the configuration: training and validation
/// sets, class names, and the preprocessing the model file will carry.
public struct TrainingData: Sendable {
    public var train: any ImageDataset
    public var validation: (any ImageDataset)?
    public var classNames: [String]
    public var preprocessing: Preprocessing
    public var loader: WorkingImageLoader
    /// Lines for the start-of-run printout.
    public var description: [String]

    /// Opens `--data` (an ImageFolder or an IDX images file) and `--val` or a split.
    /// `base` is the preprocessing of an `--init-from` model: its input size,
    /// channels, normalisation, resize policy and inversion are kept unless the configuration says otherwise.
    public static func resolve(_ configuration: inout TrainingConfiguration, base: Preprocessing? = nil) throws -> TrainingData {
        let isIDX = IDXDataset.isIDX(path: configuration.data)
        let labels = try configuration.labels.map(LabelTables.read)

        // Native geometry of IDX data decides the defaults before the dataset is opened with its adapter.
        var nativeIDX: IDXDataset?
        if isIDX {
            nativeIDX = try IDXDataset(imagesPath: configuration.data, classNames: labels)
        }
        if configuration.inputSize == nil {
            configuration.inputSize = base?.inputWidth ?? nativeIDX?.width ?? 64
        }
        if configuration.channels == nil {
            configuration.channels = base?.channels ?? (isIDX ? 1 : 3)
        }
        if let base, configuration.channels != base.channels {
            throw TrainingError.invalidConfiguration(
                "--channels \(configuration.channels ?? 0) differs from the --init-from model's \(base.channels)")
        }
        let channels = configuration.channels ?? 3
        if configuration.mean == nil || configuration.std == nil {
            if let base {
                configuration.mean = configuration.mean ?? base.mean
                configuration.std = configuration.std ?? base.std
            } else if let nativeIDX, channels == 1 {
                let (mean, std) = nativeIDX.pixelStatistics()
                configuration.mean = configuration.mean ?? [mean]
                configuration.std = configuration.std ?? [std]
            } else if channels == 3 {
                // ImageNet statistics, as torchvision's and Keras' pretrained models use.
                configuration.mean = configuration.mean ?? [0.485, 0.456, 0.406]
                configuration.std = configuration.std ?? [0.229, 0.224, 0.225]
            } else {
                configuration.mean = configuration.mean ?? [0.5]
                configuration.std = configuration.std ?? [0.25]
            }
        }
        guard let mean = configuration.mean, let std = configuration.std,
              mean.count == channels || mean.count == 1, std.count == channels || std.count == 1 else {
            throw TrainingError.invalidConfiguration("--mean and --std need 1 or \(channels) values")
        }
        let size = configuration.inputSize ?? 64
        // A network imported from ImageNet weights keeps the crop it was trained with.
        if configuration.resize == nil { configuration.resize = base?.resize ?? .squash }
        let preprocessing = Preprocessing(
            inputWidth: size, inputHeight: size, channels: channels,
            mean: mean.count == channels ? mean : Array(repeating: mean[0], count: channels),
            std: std.count == channels ? std : Array(repeating: std[0], count: channels),
            resize: configuration.resize ?? .squash, cropFraction: base?.cropFraction ?? 0.875,
            invert: configuration.invert,
            testTimeAugmentation: configuration.flipTTA ? .horizontalFlip : nil)
        let loader = try WorkingImageLoader(preprocessing: preprocessing)

        let train: any ImageDataset
        if let nativeIDX {
            train = nativeIDX.adapted { try loader.adapt($0) }
        } else {
            train = try open(configuration.data, labels: labels, expectedClasses: nil, loader: loader)
        }
        var lines = ["train data: \(train.summary)"]
        var validation: (any ImageDataset)?
        var trainSet: any ImageDataset = train
        if let val = configuration.val {
            let opened = try open(val, labels: labels ?? train.classNames, expectedClasses: train.classNames, loader: loader)
            guard opened.classNames == train.classNames else {
                throw TrainingError.invalidConfiguration(
                    "--val has classes \(opened.classNames) but --data has \(train.classNames)")
            }
            validation = opened
            lines.append("validation data: \(opened.summary)")
        } else if configuration.effectiveValSplit > 0 {
            let (trainIndices, valIndices) = StratifiedSplit.split(
                labels: train.labels, classCount: train.classNames.count,
                fraction: configuration.effectiveValSplit, seed: configuration.seed)
            trainSet = DatasetSubset(base: train, indices: trainIndices, name: "train split")
            if !valIndices.isEmpty {
                validation = DatasetSubset(base: train, indices: valIndices, name: "validation split")
            }
            lines.append(String(format: "split: %d train / %d validation (%.0f%%, stratified, seed %llu)",
                                trainIndices.count, valIndices.count, configuration.effectiveValSplit * 100, configuration.seed))
        }
        guard trainSet.count > 0 else { throw TrainingError.noUsableImages(configuration.data) }
        return TrainingData(train: trainSet, validation: validation, classNames: train.classNames,
                            preprocessing: preprocessing, loader: loader, description: lines)
    }

    /// An ImageFolder or an IDX file, decoded to `loader`'s working form.
    public static func open(_ path: String, labels: [String]?, expectedClasses: [String]?,
                            loader: WorkingImageLoader) throws -> any ImageDataset {
        if IDXDataset.isIDX(path: path) {
            return try IDXDataset(imagesPath: path, classNames: labels, adapt: { try loader.adapt($0) })
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            // An IDX file that cannot be read says why, rather than that it is not IDX.
            _ = try FileAccess.head(of: path, count: 1)
            throw TrainingError.invalidConfiguration(
                "\(path) is neither a folder of class subfolders nor an IDX images file")
        }
        let scan = try ImageFolderScan.scan(path, classNames: expectedClasses)
        return ImageFolderDataset(scan: scan, decode: { try loader.load(path: $0) })
    }
}

extension IDXDataset {
    /// Mean and standard deviation of all pixels scaled to [0, 1] (Fashion-MNIST: 0.2860, 0.3530).
    public func pixelStatistics() -> (mean: Float, std: Float) {
        var sum = 0.0, sumSquares = 0.0
        var histogram = [Int](repeating: 0, count: 256)
        for value in pixels { histogram[Int(value)] += 1 }
        for (value, count) in histogram.enumerated() {
            let v = Double(value) / 255
            sum += v * Double(count)
            sumSquares += v * v * Double(count)
        }
        let n = Double(max(pixels.count, 1))
        let mean = sum / n
        let variance = max(sumSquares / n - mean * mean, 1e-12)
        return (Float(mean), Float(variance.squareRoot()))
    }
}
