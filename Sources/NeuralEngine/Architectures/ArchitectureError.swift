/// Why a spec or preset cannot become a network. Each case carries what a
/// person needs to fix the call: the preset, the value given, what is accepted.
public enum ArchitectureError: Error, CustomStringConvertible, Equatable {
    case unknownPreset(String, known: [String])
    case invalidChannels(Int)
    case invalidClassCount(Int)
    case invalidInputSize(height: Int, width: Int)
    /// A layer's output would be empty; `minimum` is the smallest square input the spec accepts.
    case inputTooSmall(spec: String, height: Int, width: Int, layer: String, minimum: Int?)
    case invalidSpec(String)

    public var description: String {
        switch self {
        case .unknownPreset(let name, let known):
            return "unknown architecture preset '\(name)'; known presets: \(known.joined(separator: ", "))"
        case .invalidChannels(let channels):
            return "input channels must be 1 (grayscale) or 3 (RGB), got \(channels)"
        case .invalidClassCount(let classes):
            return "a classifier needs at least 2 classes, got \(classes)"
        case .invalidInputSize(let height, let width):
            return "input size must be positive, got \(height)×\(width)"
        case .inputTooSmall(let spec, let height, let width, let layer, let minimum):
            let hint = minimum.map { "; the smallest square input it accepts is \($0)×\($0)" } ?? ""
            return "input \(height)×\(width) is too small for \(spec): layer '\(layer)' would have an empty output\(hint)"
        case .invalidSpec(let reason):
            return "invalid architecture spec: \(reason)"
        }
    }
}
