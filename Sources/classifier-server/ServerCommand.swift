import ArgumentParser
import ClassifierService
import Foundation
import Logging

/// `classifier-server`: flags for every setting. Each flag overrides its
/// `CLASSIFIER_*` variable, which overrides the config file.
@main
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classifier-server",
        abstract: "Serve an image classifier over HTTP: POST /classify, hot-reloaded models, /metrics, a web page.",
        discussion: """
            Settings come from the config file (config/server.json if present, or --config / \
            CLASSIFIER_CONFIG; JSON or YAML), then CLASSIFIER_* environment variables, then these \
            flags. Lists are comma-separated. SIGHUP reloads the model; SIGTERM stops gracefully.
            """)

    @Option(name: .long, help: "Config file (JSON or YAML). Default: config/server.json if it exists.")
    var config: String?
    @Flag(name: .long, help: "Print the resolved settings as JSON, with where each came from, and exit.")
    var printSettings = false
    @Flag(name: .long, help: .hidden)
    var settingsTable = false

    @Option(help: help("host")) var host: String?
    @Option(help: help("port")) var port: String?
    @Option(help: help("model")) var model: String?
    @Option(help: help("max_body_bytes")) var maxBodyBytes: String?
    @Option(help: help("max_pixels")) var maxPixels: String?
    @Option(help: help("max_dimension")) var maxDimension: String?
    @Option(help: help("max_images_per_request")) var maxImagesPerRequest: String?
    @Option(help: help("max_top_k")) var maxTopK: String?
    @Option(help: help("max_connections")) var maxConnections: String?
    @Option(help: help("max_connections_per_client")) var maxConnectionsPerClient: String?
    @Option(help: help("max_batch_size")) var maxBatchSize: String?
    @Option(help: help("max_batch_wait_ms")) var maxBatchWaitMs: String?
    @Option(help: help("queue_capacity")) var queueCapacity: String?
    @Option(help: help("inference_threads")) var inferenceThreads: String?
    @Option(help: help("decode_concurrency")) var decodeConcurrency: String?
    @Option(help: help("decode_time_limit_ms")) var decodeTimeLimitMs: String?
    @Option(help: help("decode_memory_mb")) var decodeMemoryMB: String?
    @Option(help: help("unknown_verdict")) var unknownVerdict: String?
    @Option(help: help("unknown_acceptance_rate")) var unknownAcceptanceRate: String?
    @Option(help: help("retry_after_seconds")) var retryAfterSeconds: String?
    @Option(help: help("watch_model")) var watchModel: String?
    @Option(help: help("reload_poll_seconds")) var reloadPollSeconds: String?
    @Option(help: help("reload_debounce_ms")) var reloadDebounceMs: String?
    @Option(help: help("trusted_proxies")) var trustedProxies: String?
    @Option(help: help("cors_origins")) var corsOrigins: String?
    @Option(help: help("shutdown_grace_seconds")) var shutdownGraceSeconds: String?
    @Option(help: help("request_timeout_seconds")) var requestTimeoutSeconds: String?
    @Option(help: help("keep_alive_timeout_seconds")) var keepAliveTimeoutSeconds: String?
    @Option(help: help("log_level")) var logLevel: String?
    @Option(help: help("log_format")) var logFormat: String?

    static func help(_ key: String) -> ArgumentHelp {
        guard let descriptor = SettingDescriptor.named(key) else { return ArgumentHelp() }
        return ArgumentHelp("\(descriptor.help) (default: \(descriptor.defaultValue.isEmpty ? "none" : descriptor.defaultValue); env \(descriptor.environmentVariable))")
    }

    var flags: [String: String] {
        let values: [(String, String?)] = [
            ("host", host), ("port", port), ("model", model), ("max_body_bytes", maxBodyBytes),
            ("max_pixels", maxPixels), ("max_dimension", maxDimension), ("max_images_per_request", maxImagesPerRequest),
            ("max_top_k", maxTopK), ("max_connections", maxConnections),
            ("max_connections_per_client", maxConnectionsPerClient), ("max_batch_size", maxBatchSize),
            ("max_batch_wait_ms", maxBatchWaitMs), ("queue_capacity", queueCapacity), ("inference_threads", inferenceThreads),
            ("decode_concurrency", decodeConcurrency), ("decode_time_limit_ms", decodeTimeLimitMs), ("decode_memory_mb", decodeMemoryMB), ("unknown_verdict", unknownVerdict),
            ("unknown_acceptance_rate", unknownAcceptanceRate), ("retry_after_seconds", retryAfterSeconds), ("watch_model", watchModel),
            ("reload_poll_seconds", reloadPollSeconds), ("reload_debounce_ms", reloadDebounceMs),
            ("trusted_proxies", trustedProxies), ("cors_origins", corsOrigins), ("shutdown_grace_seconds", shutdownGraceSeconds),
            ("request_timeout_seconds", requestTimeoutSeconds), ("keep_alive_timeout_seconds", keepAliveTimeoutSeconds),
            ("log_level", logLevel), ("log_format", logFormat),
        ]
        return Dictionary(uniqueKeysWithValues: values.compactMap { key, value in value.map { (key, $0) } })
    }

    func run() async throws {
        if settingsTable {
            print(SettingsReport.markdownTable())
            return
        }
        let resolved: ResolvedSettings
        do {
            resolved = try SettingsResolver.resolve(configFlag: config, environment: ProcessInfo.processInfo.environment,
                                                    flags: flags)
        } catch {
            FileHandle.standardError.write(Data("classifier-server: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let settings = resolved.settings
        if printSettings {
            print(SettingsReport.json(resolved))
            return
        }
        ServerLogging.bootstrap(format: settings.logFormat, level: settings.logLevel)
        let logger = Logger(label: "classifier")
        for warning in resolved.warnings { logger.warning("\(warning)") }
        if let file = resolved.configFile { logger.info("settings read", metadata: ["config": "\(file)"]) }

        let server = ClassifierServer(settings: settings, logger: logger)
        do {
            try server.start()
        } catch {
            FileHandle.standardError.write(Data("classifier-server: cannot listen on \(settings.host):\(settings.port): \(error)\n".utf8))
            throw ExitCode(1)
        }
        let signal = await server.runUntilShutdownSignal()
        logger.info("stopped", metadata: ["signal": "\(signal)"])
    }
}
