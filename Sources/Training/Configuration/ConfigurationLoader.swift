import Foundation
import ConfigurationDocument

/// Builds a `TrainingConfiguration` from an optional file (JSON or YAML) and the
/// flags given on the command line, flags winning.
///
/// Both sources become one generic key/value tree first, so the override rule is
/// a single dictionary merge rather than a line per field; the tree is then decoded
/// once, which also catches misspelt keys.
public enum ConfigurationLoader {
    /// `overrides` holds only the flags the user gave, keyed by flag name without
    /// dashes; augmentation keys may be given at the top level or under `augmentation`.
    public static func load(file: String?, overrides: [String: Any]) throws -> TrainingConfiguration {
        try loadWithKeys(file: file, overrides: overrides).configuration
    }

    /// Also returns the option names the file and the flags set (`augmentation` for any augmentation key).
    public static func loadWithKeys(file: String?, overrides: [String: Any]) throws
        -> (configuration: TrainingConfiguration, givenKeys: Set<String>)
    {
        try combine(file.map(readTree) ?? [:], file: file, overrides: overrides)
    }

    /// As `loadWithKeys(file:overrides:)` for a file's text already in memory;
    /// `path` names it in errors.
    public static func loadWithKeys(text: String, path: String, overrides: [String: Any]) throws
        -> (configuration: TrainingConfiguration, givenKeys: Set<String>)
    {
        try combine(parseTree(text, path: path), file: path, overrides: overrides)
    }

    private static func combine(_ fileTree: [String: Any], file: String?, overrides: [String: Any]) throws
        -> (configuration: TrainingConfiguration, givenKeys: Set<String>)
    {
        var tree = try normalise(fileTree, source: file ?? "configuration")
        let flags = try normalise(overrides, source: "flags")
        for (key, value) in flags where key != "augmentation" {
            tree[key] = value
        }
        if let flagAugmentation = flags["augmentation"] as? [String: Any] {
            var merged = tree["augmentation"] as? [String: Any] ?? [:]
            merged.merge(flagAugmentation) { _, new in new }
            tree["augmentation"] = merged
        }
        do {
            let json = try JSONSerialization.data(withJSONObject: spellingNonFiniteNumbers(tree))
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(
                positiveInfinity: nonFinite.positiveInfinity, negativeInfinity: nonFinite.negativeInfinity, nan: nonFinite.nan)
            return (try decoder.decode(TrainingConfiguration.self, from: json), Set(tree.keys))
        } catch let error as DecodingError {
            throw TrainingError.configurationFile(path: file ?? "(flags)", reason: describe(error))
        }
    }

    /// JSON has no NaN or infinity, so `--lr nan` or `lr: .inf` would stop the tree's trip through
    /// JSON with Foundation's "Invalid number value"; spelt as strings they come back as numbers
    /// and meet `validate()`, which names the flag and its range.
    static let nonFinite = (positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    static func spellingNonFiniteNumbers(_ value: Any) -> Any {
        switch value {
        case let number as Double where !number.isFinite:
            return number.isNaN ? nonFinite.nan : number > 0 ? nonFinite.positiveInfinity : nonFinite.negativeInfinity
        case let dictionary as [String: Any]:
            return dictionary.mapValues(spellingNonFiniteNumbers)
        case let array as [Any]:
            return array.map(spellingNonFiniteNumbers)
        default:
            return value
        }
    }

    /// JSON is read as YAML too (YAML 1.2 is a superset), so one parser serves both.
    static func readTree(_ path: String) throws -> [String: Any] {
        let data: Data
        do {
            data = try FileAccess.contents(of: path)
        } catch TrainingError.unreadableFile(_, let reason) {
            throw TrainingError.configurationFile(path: path, reason: reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TrainingError.configurationFile(path: path, reason: "not UTF-8 text")
        }
        return try parseTree(text, path: path)
    }

    static func parseTree(_ text: String, path: String) throws -> [String: Any] {
        let parsed: Any?
        do {
            parsed = try ConfigurationDocument.parse(text)
        } catch {
            throw TrainingError.configurationFile(path: path, reason: error.description)
        }
        guard let parsed else { return [:] }
        guard let dictionary = parsed as? [String: Any] else {
            throw TrainingError.configurationFile(path: path, reason: "expected a mapping of option names to values")
        }
        return dictionary
    }

    /// Accepts `val_split`, `valSplit` and `val-split` alike, hoists augmentation keys
    /// into `augmentation`, and rejects unknown keys by name.
    static func normalise(_ tree: [String: Any], source: String) throws -> [String: Any] {
        let topKeys = Set(TrainingConfiguration.CodingKeys.allCases.map(\.rawValue))
        let augmentationKeys = Set(AugmentationOptions.CodingKeys.allCases.map(\.rawValue))
        var result: [String: Any] = [:]
        var augmentation: [String: Any] = [:]
        for (rawKey, value) in tree {
            let key = canonical(rawKey)
            if key == "augmentation" {
                guard let nested = value as? [String: Any] else {
                    throw TrainingError.configurationFile(path: source, reason: "'augmentation' must be a mapping")
                }
                for (rawNested, nestedValue) in nested {
                    let nestedKey = canonical(rawNested)
                    guard augmentationKeys.contains(nestedKey) else {
                        throw TrainingError.configurationFile(path: source, reason: "unknown augmentation option '\(rawNested)'")
                    }
                    augmentation[nestedKey] = nestedValue
                }
            } else if augmentationKeys.contains(key) {
                augmentation[key] = value
            } else if topKeys.contains(key) {
                result[key] = value
            } else {
                throw TrainingError.configurationFile(path: source, reason: "unknown option '\(rawKey)'")
            }
        }
        if !augmentation.isEmpty { result["augmentation"] = augmentation }
        return result
    }

    /// `valSplit` / `val_split` → `val-split`.
    static func canonical(_ key: String) -> String {
        var out = ""
        for character in key {
            if character == "_" {
                out.append("-")
            } else if character.isUppercase {
                out.append("-")
                out.append(contentsOf: character.lowercased())
            } else {
                out.append(character)
            }
        }
        return out
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "'\(path(context))' should be \(type)"
        case .valueNotFound(_, let context):
            return "'\(path(context))' is missing a value"
        case .keyNotFound(let key, _):
            return "missing '\(key.stringValue)'"
        case .dataCorrupted(let context):
            let at = path(context)
            return at.isEmpty ? context.debugDescription : "'\(at)': \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

extension TrainingConfiguration {
    /// Pretty, sorted JSON (which is also YAML, so it can be saved and passed back
    /// with --config) for the start-of-run printout and the report.
    public func yamlDescription() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "\(self)" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Compact, sorted JSON for the model file's provenance.
    public func jsonDescription() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
