import Logging

/// Sets up swift-log once per process from the settings: text lines for people
/// (swift-log's stream handler, on standard error) or one JSON object per line.
public enum ServerLogging {
    public static func bootstrap(format: ServerSettings.LogFormat, level: ServerSettings.LogLevel) {
        let logLevel = Logger.Level(rawValue: level.rawValue) ?? .info
        LoggingSystem.bootstrap { label in
            switch format {
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = logLevel
                return handler
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = logLevel
                return handler
            }
        }
    }
}
