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
    private let activity = RequestActivity()

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
            ServiceMetricsMiddleware(metrics: service.metrics, activity: activity),
            AccessLogMiddleware(logger: logger),
        ]
        if !settings.corsOrigins.isEmpty {
            let origins: CORSMiddleware.AllowedOrigins = settings.corsOrigins.contains("*") ? .any : .only(Set(settings.corsOrigins))
            middleware.append(CORSMiddleware(allowedOrigins: origins, exposedHeaders: ["X-Request-Id", "Retry-After"]))
        }

        var configuration = HTTPServerConfiguration(host: settings.host, port: settings.port)
        configuration.maxConnections = settings.maxConnections
        // Not a validation error: whoever lowers max_connections below the
        // per-client default should not have to set both; a cap above the
        // global limit would mean the same as one equal to it.
        configuration.maxConnectionsPerClient = min(settings.maxConnectionsPerClient, settings.maxConnections)
        configuration.limits.maxBodySize = settings.maxBodyBytes
        // Each was parsed the same way when the settings were checked.
        configuration.trustedProxies = settings.trustedProxies.compactMap { IPAddressRange($0) }
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

    /// Shuts down without losing requests:
    /// 1. lame duck: `/readyz` turns 503 so load balancers stop sending, while
    ///    requests still arriving are served; this lasts until no request has been
    ///    in flight for `quietPeriod` (or half the grace period has passed);
    /// 2. the HTTP server stops accepting and finishes what is in flight within
    ///    the rest of the grace period;
    /// 3. the model watcher and the batcher stop.
    /// The lame-duck phase matters for clients that have not connected yet: once
    /// the listener closes they are refused. (Requests already sent on accepted
    /// or backlogged connections are answered by `HTTPServer.shutdown` itself.)
    public func shutdown(quietPeriod: Double = 0.3) async {
        service.beginDraining()
        let grace = settings.shutdownGraceSeconds
        let started = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
        while elapsed() < grace / 2 && !activity.isQuiet(for: quietPeriod) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        logger.info("draining done; closing the listener", metadata: ["seconds": "\(String(format: "%.2f", elapsed()))"])
        let remaining = max(0.5, grace - elapsed())
        await http.shutdown(gracePeriod: .milliseconds(Int(remaining * 1000)))
        hangup.stop()
        service.stop()
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully (see `shutdown`).
    /// A second signal during shutdown ends the process at once. Returns the signal.
    @discardableResult
    public func runUntilShutdownSignal(_ signals: [Int32] = [SIGTERM, SIGINT]) async -> Int32 {
        let received = await SignalWatcher.firstSignal(of: signals)
        logger.notice("received signal \(received); shutting down")
        for number in signals { signal(number, SIG_DFL) }
        await shutdown()
        return received
    }
}
