import Foundation

/// `ModelMetadata` as the `__metadata__` strings of a safetensors file. The reference
/// format allows only string values, so structured fields are JSON text:
///
///     format          "image-classifier"
///     format_version  "1"
///     architecture    JSON of ArchitectureSpec
///     labels          JSON array of class names
///     preprocessing   JSON of Preprocessing
///     provenance      JSON of Provenance (absent when unknown)
///     calibration     JSON of ScoreCalibration (absent in files written before it, and
///                     for models trained without validation data)
///     out_of_distribution  JSON of OutOfDistributionDetector (absent likewise)
extension ModelMetadata {
    public enum Key {
        public static let format = "format"
        public static let formatVersion = "format_version"
        public static let architecture = "architecture"
        public static let labels = "labels"
        public static let preprocessing = "preprocessing"
        public static let provenance = "provenance"
        public static let calibration = "calibration"
        public static let outOfDistribution = "out_of_distribution"
    }

    /// The metadata strings (sorted-key JSON, so equal metadata gives equal files).
    public func safetensorsMetadata() throws(ModelFileError.Reason) -> [String: String] {
        var strings = [
            Key.format: Self.formatName,
            Key.formatVersion: String(Self.formatVersion),
            Key.architecture: try Self.json(architecture, key: Key.architecture),
            Key.labels: try Self.json(labels, key: Key.labels),
            Key.preprocessing: try Self.json(preprocessing, key: Key.preprocessing),
        ]
        if let provenance {
            strings[Key.provenance] = try Self.json(provenance, key: Key.provenance)
        }
        if let calibration {
            strings[Key.calibration] = try Self.json(calibration, key: Key.calibration)
        }
        if let outOfDistribution {
            strings[Key.outOfDistribution] = try Self.json(outOfDistribution, key: Key.outOfDistribution)
        }
        return strings
    }

    /// Reads and checks the strings: format first (so a foreign safetensors file is
    /// named as such), then the version, then each JSON field.
    public init(safetensorsMetadata strings: [String: String]) throws(ModelFileError.Reason) {
        guard let format = strings[Key.format] else {
            throw .missingMetadata(key: Key.format, found: Array(strings.keys))
        }
        guard format == Self.formatName else { throw .wrongFormat(found: format) }
        guard let versionText = strings[Key.formatVersion] else {
            throw .missingMetadata(key: Key.formatVersion, found: Array(strings.keys))
        }
        guard let version = Int(versionText), version >= 1 else {
            throw .invalidMetadata(key: Key.formatVersion, detail: "\"\(versionText)\" is not a version number")
        }
        guard version <= Self.formatVersion else {
            throw .newerFormatVersion(found: version, supported: Self.formatVersion)
        }
        let architecture = try Self.decode(ArchitectureSpec.self, strings, key: Key.architecture)
        let labels = try Self.decode([String].self, strings, key: Key.labels)
        let preprocessing = try Self.decode(Preprocessing.self, strings, key: Key.preprocessing)
        let provenance = strings[Key.provenance] == nil
            ? nil : try Self.decode(Provenance.self, strings, key: Key.provenance)
        guard labels.count == architecture.classCount else {
            throw .invalidMetadata(key: Key.labels, detail:
                "\(labels.count) labels for an architecture with \(architecture.classCount) classes")
        }
        let calibration = strings[Key.calibration] == nil
            ? nil : try Self.decode(ScoreCalibration.self, strings, key: Key.calibration)
        if let calibration {
            // Dividing logits by zero, a negative or a non-finite number would serve nonsense.
            guard calibration.temperature.isFinite, calibration.temperature > 0 else {
                throw .invalidMetadata(key: Key.calibration, detail: "temperature \(calibration.temperature) must be finite and positive")
            }
        }
        let outOfDistribution = strings[Key.outOfDistribution] == nil
            ? nil : try Self.decode(OutOfDistributionDetector.self, strings, key: Key.outOfDistribution)
        // The head's width is checked against the tensors in `ModelFile.load`.
        if let problem = outOfDistribution?.problem(classCount: architecture.classCount, headInputs: nil) {
            throw .invalidMetadata(key: Key.outOfDistribution, detail: problem)
        }
        self.init(architecture: architecture, labels: labels, preprocessing: preprocessing, provenance: provenance,
                  calibration: calibration, outOfDistribution: outOfDistribution)
    }

    private static func json(_ value: some Encodable, key: String) throws(ModelFileError.Reason) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw .invalidMetadata(key: key, detail: "cannot encode: \(error)")
        }
    }

    private static func decode<T: Decodable>(
        _ type: T.Type, _ strings: [String: String], key: String
    ) throws(ModelFileError.Reason) -> T {
        guard let text = strings[key] else { throw .missingMetadata(key: key, found: Array(strings.keys)) }
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch let error as DecodingError {
            throw .invalidMetadata(key: key, detail: Self.summary(of: error))
        } catch {
            throw .invalidMetadata(key: key, detail: String(describing: error))
        }
    }

    private static func summary(of error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context), .typeMismatch(_, let context),
             .valueNotFound(_, let context), .keyNotFound(_, let context):
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            let location = path.isEmpty ? "" : " at \(path.joined(separator: "."))"
            if case .keyNotFound(let key, _) = error { return "missing \"\(key.stringValue)\"\(location)" }
            return "\(context.debugDescription)\(location)"
        @unknown default:
            return String(describing: error)
        }
    }
}
