import Foundation
import HTTPKit

/// The resolved settings as JSON (for `--print-settings`): every key with its
/// value and the layer it came from ("default", the config file, a variable or a flag).
public enum SettingsReport {
    public static func json(_ resolved: ResolvedSettings) -> String {
        var lines: [String] = []
        for descriptor in SettingDescriptor.all {
            let value = descriptor.value(in: resolved.settings)
            let source = resolved.sources[descriptor.key] ?? "default"
            lines.append("  \(jsonString(descriptor.key)): {\"value\": \(jsonString(value)), \"source\": \(jsonString(source))}")
        }
        return "{\n" + lines.joined(separator: ",\n") + "\n}"
    }

    /// The README's configuration table: one row per setting with its file key,
    /// variable, flag, default and meaning.
    public static func markdownTable() -> String {
        var lines = ["| key (config file) | environment | flag | default | meaning |", "| --- | --- | --- | --- | --- |"]
        for descriptor in SettingDescriptor.all {
            let value = descriptor.defaultValue.isEmpty ? "(none)" : descriptor.defaultValue
            lines.append("| `\(descriptor.key)` | `\(descriptor.environmentVariable)` | `\(descriptor.flag)` | `\(value)` | \(descriptor.help) |")
        }
        return lines.joined(separator: "\n")
    }
}
