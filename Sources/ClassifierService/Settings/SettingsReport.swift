import Foundation

/// The resolved settings as JSON (for `--print-settings`): every key with its
/// value and the layer it came from ("default", the config file, a variable or a flag).
public enum SettingsReport {
    public static func json(_ resolved: ResolvedSettings) -> String {
        var lines: [String] = []
        for descriptor in SettingDescriptor.all {
            let value = descriptor.value(in: resolved.settings)
            let source = resolved.sources[descriptor.key] ?? "default"
            lines.append("  \(JSONLogHandler.quote(descriptor.key)): {\"value\": \(JSONLogHandler.quote(value)), \"source\": \(JSONLogHandler.quote(source))}")
        }
        return "{\n" + lines.joined(separator: ",\n") + "\n}"
    }
}
