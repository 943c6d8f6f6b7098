import Foundation
import HTTPKit
import Logging

/// A swift-log handler that writes one JSON object per line, for log collectors
/// (Loki, Elasticsearch, CloudWatch) that parse structured lines:
/// `{"time":"2026-11-21T12:00:00.123Z","level":"info","logger":"classifier","message":"…","port":"8080"}`.
/// Metadata keys are flattened into the object; nested metadata becomes JSON.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: LogSink

    public init(label: String, sink: LogSink = .standardError) {
        self.label = label
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }

        var line = "{\"time\":" + jsonString(Self.timestamp()) +
            ",\"level\":" + jsonString(event.level.rawValue) +
            ",\"logger\":" + jsonString(label) +
            ",\"message\":" + jsonString(event.message.description)
        if let error = event.error {
            line += ",\"error\":" + jsonString(String(describing: error))
        }
        let reserved: Set<String> = ["time", "level", "logger", "message", "error"]
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            let name = reserved.contains(key) ? "meta_" + key : key
            line += "," + jsonString(name) + ":" + Self.render(value)
        }
        line += "}\n"
        sink.write(line)
    }

    static func render(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let string): return jsonString(string)
        case .stringConvertible(let convertible):
            // Numbers and booleans stay JSON numbers and booleans.
            if convertible is Bool || convertible is any BinaryInteger || convertible is Double || convertible is Float {
                let text = convertible.description
                return text == "nan" || text.contains("inf") ? jsonString(text) : text
            }
            return jsonString(convertible.description)
        case .array(let array): return "[" + array.map(render).joined(separator: ",") + "]"
        case .dictionary(let dictionary):
            return "{" + dictionary.sorted(by: { $0.key < $1.key })
                .map { jsonString($0.key) + ":" + render($0.value) }.joined(separator: ",") + "}"
        }
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(now.tv_nsec / 1_000_000))
    }
}

/// Where log lines go: standard error (the default), or a closure (tests).
public struct LogSink: Sendable {
    private let emit: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void) { emit = write }

    /// One `write(2)` per line so lines from different threads never interleave.
    public static let standardError = LogSink { line in
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }

    func write(_ line: String) { emit(line) }
}
