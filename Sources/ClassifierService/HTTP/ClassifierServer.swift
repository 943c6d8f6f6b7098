import Foundation
import HTTPKit
import Logging
import NeuralEngine

/// The whole service: the classification service behind HTTPKit's server,
/// with its routes, middleware, SIGHUP reloads and graceful shutdown.
///
///     let server = ClassifierServer(settings: settings)
///     try server.start()
///     await server.runUntilShutdownSignal()
public final class ClassifierServer: Sendable {
    public let settings: ServerSettings
    public let service: ClassificationService
    public let http: HTTPServer
    private let logger: Logger
    private let hangup: SignalWatcher

    /// - Parameter loader: defaults to the engine loader, warming up at the largest batch.
    public init(settings: ServerSettings, logger: Logger = Logger(label: "classifier"),
                loader: ClassificationService.Loader? = nil) {
        self.settings = settings
        self.logger = logger
        let batch = settings.maxBatchSize
        let service = ClassificationService(settings: settings, logger: logger,
                                            loader: loader ?? { url in try EngineClassifierModel.load(from: url, warmUpBatch: batch) })
        self.service = service

        var router = Router()
        router.get("/") { _ in service.webPage().httpResponse }
        router.get("/healthz") { _ in service.health().httpResponse }
        router.get("/readyz") { _ in service.readiness().httpResponse }
        router.get("/v1/model") { _ in service.modelDescription().httpResponse }
        router.get("/metrics") { _ in service.metricsText().httpResponse }
        router.add(.post, "/classify", ClassifyHandler(service: service))

        var middleware: [any HTTPMiddleware] = [
            ServiceMetricsMiddleware(metrics: service.metrics),
            AccessLogMiddleware(logger: logger),
        ]
        if !settings.corsOrigins.isEmpty {
            let origins: CORSMiddleware.AllowedOrigins = settings.corsOrigins.contains("*") ? .any : .only(Set(settings.corsOrigins))
            middleware.append(CORSMiddleware(allowedOrigins: origins, exposedHeaders: ["X-Request-Id", "Retry-After"]))
        }

        var configuration = HTTPServerConfiguration(host: settings.host, port: settings.port)
        configuration.maxConnections = settings.maxConnections
        configuration.limits.maxBodySize = settings.maxBodyBytes
        configuration.trustedProxies = settings.trustedProxies.compactMap { IPAddressRange($0) ?? IPAddressRange($0 + (($0.contains(":")) ? "/128" : "/32")) }
        configuration.shutdownGracePeriod = .milliseconds(Int(settings.shutdownGraceSeconds * 1000))
        configuration.timeouts.headerRead = .milliseconds(Int(settings.requestTimeoutSeconds * 1000))
        configuration.timeouts.bodyIdle = .milliseconds(Int(settings.requestTimeoutSeconds * 1000))
        configuration.timeouts.keepAliveIdle = .milliseconds(Int(settings.keepAliveTimeoutSeconds * 1000))
        http = HTTPServer(configuration: configuration, handler: router, middleware: middleware, logger: logger)
        hangup = SignalWatcher(signal: SIGHUP) { [weak service] in
            service?.store.requestReload(trigger: "SIGHUP", force: true)
        }
    }

    /// The bound port (useful with port 0).
    public var port: Int { http.port }

    /// Sets the engine's threads, starts loading the model and starts listening.
    /// Returns at once; the model becomes ready in the background (see /readyz).
    public func start() throws {
        EngineThreads.set(settings.inferenceThreads)
        service.start()
        try http.start()
        hangup.start()
        logger.info("listening", metadata: [
            "host": "\(settings.host)", "port": "\(http.port)", "model": "\(settings.model)",
            "max_batch_size": "\(settings.maxBatchSize)", "inference_threads": "\(settings.inferenceThreads)",
        ])
    }

    /// Stops accepting, lets in-flight requests finish (up to the grace period),
    /// then stops the model watcher and the batcher.
    public func shutdown() async {
        await http.shutdown()
        hangup.stop()
        service.stop()
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully. Returns the signal.
    @discardableResult
    public func runUntilShutdownSignal() async -> Int32 {
        let received = await http.runUntilShutdownSignal()
        hangup.stop()
        service.stop()
        return received
    }
}
