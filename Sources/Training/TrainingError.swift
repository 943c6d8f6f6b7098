/// Everything the trainer refuses, each with the context a person needs to fix it.
/// `description` is the single line `classifier-train` prints on stderr.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A flag or configuration value out of range, or two that contradict each other.
    case invalidConfiguration(String)
    /// The configuration file could not be read or parsed.
    case configurationFile(path: String, reason: String)
    case missingDirectory(String)
    case notADirectory(String)
    /// An ImageFolder with no class subfolders.
    case noClasses(String)
    /// A class subfolder with no readable image in it.
    case emptyClass(name: String, path: String)
    case unreadableFile(path: String, reason: String)
    /// An IDX file whose header or size is wrong.
    case invalidIDX(path: String, reason: String)
    case labelsFile(path: String, reason: String)
    case outputNotWritable(path: String, reason: String)
    /// A model or checkpoint file that cannot be used for what was asked.
    case incompatibleModel(path: String, reason: String)
    /// Another framework's weights or graph that cannot be turned into a model.
    case cannotImport(path: String, reason: String)
    /// Every image of a split failed to decode, or a split is empty.
    case noUsableImages(String)
    /// Training diverged (loss became NaN or infinite).
    case diverged(epoch: Int, step: Int)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message):
            return message
        case .configurationFile(let path, let reason):
            return "cannot use configuration file \(path): \(reason)"
        case .missingDirectory(let path):
            return "no such directory: \(path)"
        case .notADirectory(let path):
            return "not a directory: \(path)"
        case .noClasses(let path):
            return "no class folders in \(path) (expected one subfolder per class)"
        case .emptyClass(let name, let path):
            return "class '\(name)' has no images (\(path))"
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .invalidIDX(let path, let reason):
            return "not a valid IDX file \(path): \(reason)"
        case .labelsFile(let path, let reason):
            return "cannot use labels file \(path): \(reason)"
        case .outputNotWritable(let path, let reason):
            return "cannot write \(path): \(reason)"
        case .incompatibleModel(let path, let reason):
            return "cannot use model \(path): \(reason)"
        case .cannotImport(let path, let reason):
            return "cannot import \(path): \(reason)"
        case .noUsableImages(let what):
            return "no usable images in \(what)"
        case .diverged(let epoch, let step):
            return "training diverged at epoch \(epoch), step \(step): the loss is not finite (try a lower --lr)"
        }
    }
}
