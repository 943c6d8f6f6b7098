import Foundation
import ConfigurationDocument

/// A setting that could not be used, said in one line naming where it came from.
public struct SettingsError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The settings in force and where each non-default value came from.
public struct ResolvedSettings: Sendable {
    public var settings: ServerSettings
    /// Setting key → "config/server.json", "CLASSIFIER_PORT" or "--port".
    public var sources: [String: String]
    /// The config file read, if any.
    public var configFile: String?
    /// Things worth a log line that are not errors (an unknown `CLASSIFIER_*` variable).
    public var warnings: [String]
}

/// Layers the config file, the environment and the flags, in that order.
public enum SettingsResolver {
    /// The file read when neither `--config` nor `CLASSIFIER_CONFIG` names one (if it exists).
    public static let defaultConfigFile = "config/server.json"
    public static let configVariable = "CLASSIFIER_CONFIG"

    /// - Parameters:
    ///   - configFlag: the `--config` value, if given.
    ///   - environment: usually `ProcessInfo.processInfo.environment`.
    ///   - flags: setting key (`max_batch_size`) → the flag's text.
    ///   - directory: where relative config paths are looked up.
    public static func resolve(configFlag: String? = nil, environment: [String: String] = [:],
                               flags: [String: String] = [:], directory: URL? = nil) throws -> ResolvedSettings {
        let descriptors = SettingDescriptor.all
        var resolved = ResolvedSettings(settings: ServerSettings(), sources: [:], configFile: nil, warnings: [])

        // 1. The config file: named explicitly (then it must exist) or the default (if present).
        let explicit = configFlag ?? environment[configVariable]
        let configPath = explicit ?? defaultConfigFile
        var configURL = URL(fileURLWithPath: configPath)
        if let directory, !configPath.hasPrefix("/") { configURL = directory.appendingPathComponent(configPath) }
        if explicit != nil || FileManager.default.fileExists(atPath: configURL.path) {
            let values = try readConfigFile(configURL, shownAs: configPath)
            resolved.configFile = configPath
            for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                guard let descriptor = descriptors.first(where: { $0.key == key }) else {
                    throw SettingsError("\(configPath): unknown setting '\(key)'" + suggestion(for: key, in: descriptors))
                }
                guard let raw = SettingValue(fileValue: value) else {
                    throw SettingsError("\(configPath): setting '\(key)' must be a number, text, true/false or a list")
                }
                try apply(descriptor, raw, from: "\(configPath) key '\(key)'", to: &resolved)
                resolved.sources[key] = configPath
            }
        }

        // 2. Environment variables. Unknown CLASSIFIER_* names are warnings, not errors:
        // Kubernetes injects CLASSIFIER_PORT=tcp://… for a Service named "classifier".
        for (name, text) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("CLASSIFIER_") && name != configVariable {
            guard let descriptor = descriptors.first(where: { $0.environmentVariable == name }) else {
                resolved.warnings.append("ignoring unknown environment variable \(name)")
                continue
            }
            try apply(descriptor, .text(text), from: name, to: &resolved)
            resolved.sources[descriptor.key] = name
        }

        // 3. Flags.
        for (key, text) in flags.sorted(by: { $0.key < $1.key }) {
            guard let descriptor = descriptors.first(where: { $0.key == key }) else {
                throw SettingsError("unknown setting '\(key)'")
            }
            try apply(descriptor, .text(text), from: descriptor.flag, to: &resolved)
            resolved.sources[key] = descriptor.flag
        }

        try validate(resolved.settings)
        return resolved
    }

    /// Rules that involve more than one setting.
    public static func validate(_ settings: ServerSettings) throws {
        if settings.queueCapacity < settings.maxBatchSize {
            throw SettingsError("queue_capacity (\(settings.queueCapacity)) must be at least max_batch_size (\(settings.maxBatchSize))")
        }
        if settings.maxDimension > settings.maxPixels {
            // A single row of max_dimension pixels must be allowed, or the limit is meaningless.
            throw SettingsError("max_dimension (\(settings.maxDimension)) must not exceed max_pixels (\(settings.maxPixels))")
        }
    }

    static func readConfigFile(_ url: URL, shownAs name: String) throws -> [String: Any] {
        let data: Data
        do {
            // Through a FileHandle so that special files (/dev/null, a pipe) read too.
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw SettingsError("cannot read config file \(name): \(readableReason(error))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SettingsError("config file \(name) is not UTF-8 text")
        }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [:] }
        // YAML 1.2 is a superset of JSON, so one parser reads both formats.
        let document: Any?
        do {
            document = try ConfigurationDocument.parse(text)
        } catch {
            throw SettingsError("config file \(name): \(error)")
        }
        guard let dictionary = document as? [String: Any] else {
            throw SettingsError("config file \(name) must hold an object of settings (key: value)")
        }
        return dictionary
    }

    private static func apply(_ descriptor: SettingDescriptor, _ raw: SettingValue, from source: String,
                              to resolved: inout ResolvedSettings) throws {
        if let problem = descriptor.apply(raw, &resolved.settings) {
            throw SettingsError("invalid \(descriptor.key) \(raw.display) from \(source): \(problem)")
        }
    }

    private static func suggestion(for key: String, in descriptors: [SettingDescriptor]) -> String {
        let normalized = key.lowercased().replacingOccurrences(of: "-", with: "_")
        if let close = descriptors.first(where: { $0.key == normalized || $0.key.replacingOccurrences(of: "_", with: "") == normalized }) {
            return " (did you mean '\(close.key)'?)"
        }
        return "; known settings: " + descriptors.map(\.key).joined(separator: ", ")
    }

    private static func readableReason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           let message = strerror(Int32(underlying.code)) {
            return String(cString: message)
        }
        if nsError.domain == NSCocoaErrorDomain && nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        return nsError.localizedDescription
    }
}
