import CoreMetrics
import Foundation
import Prometheus

/// The service's metrics, recorded through swift-metrics into one Prometheus
/// registry per service (so several servers in one test process stay apart),
/// and rendered in the Prometheus text format for `GET /metrics`.
///
/// Names follow Prometheus conventions: base units (seconds, bytes), `_total`
/// for counters, and an `_info` gauge with value 1 that carries the model's
/// name and version as labels.
public final class ServiceMetrics: @unchecked Sendable {
    // @unchecked: the caches and `modelInfo` are guarded by `lock`; the metric
    // objects themselves are thread-safe.
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory
    private let lock = NSLock()
    private var requestCounters: [String: CoreMetrics.Counter] = [:]
    private var requestTimers: [String: CoreMetrics.Timer] = [:]
    private var reloadCounters: [String: CoreMetrics.Counter] = [:]
    private var imageCounters: [String: CoreMetrics.Counter] = [:]
    private var modelInfo: CoreMetrics.Gauge?
    private let inferenceTimer: CoreMetrics.Timer
    private let decodeTimer: CoreMetrics.Timer
    private let batchSize: CoreMetrics.Recorder
    private let queueDepth: CoreMetrics.Gauge
    private let inFlight: CoreMetrics.Meter
    private let residentMemory: CoreMetrics.Gauge
    private let unknownAnswers: CoreMetrics.Counter

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let latencyBuckets: [Duration] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000].map { .milliseconds($0) }
        factory.defaultDurationHistogramBuckets = latencyBuckets
        factory.valueHistogramBuckets["classifier_batch_size"] = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64]
        self.factory = factory
        inferenceTimer = CoreMetrics.Timer(label: "classifier_inference_duration_seconds", factory: factory)
        decodeTimer = CoreMetrics.Timer(label: "classifier_decode_duration_seconds", factory: factory)
        batchSize = CoreMetrics.Recorder(label: "classifier_batch_size", aggregate: true, factory: factory)
        queueDepth = CoreMetrics.Gauge(label: "classifier_queue_depth", factory: factory)
        inFlight = CoreMetrics.Meter(label: "http_requests_in_flight", factory: factory)
        residentMemory = CoreMetrics.Gauge(label: "process_resident_memory_bytes", factory: factory)
        unknownAnswers = CoreMetrics.Counter(label: "classifier_unknown_total", factory: factory)
    }

    // MARK: HTTP

    public func requestStarted() { inFlight.increment() }
    public func requestFinished() { inFlight.decrement() }

    /// One finished request: `http_requests_total{route,status}` and
    /// `http_request_duration_seconds{route}`. `route` is the route pattern, never
    /// the raw path, so label cardinality stays bounded.
    public func recordRequest(route: String, status: Int, seconds: Double) {
        let key = route + " " + String(status)
        lock.lock()
        let counter = requestCounters[key] ?? {
            let made = CoreMetrics.Counter(label: "http_requests_total", dimensions: [("route", route), ("status", String(status))], factory: factory)
            requestCounters[key] = made
            return made
        }()
        let timer = requestTimers[route] ?? {
            let made = CoreMetrics.Timer(label: "http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            requestTimers[route] = made
            return made
        }()
        lock.unlock()
        counter.increment()
        timer.recordNanoseconds(Int64(seconds * 1e9))
    }

    // MARK: Inference

    public func recordBatch(size: Int, seconds: Double) {
        batchSize.record(size)
        inferenceTimer.recordNanoseconds(Int64(seconds * 1e9))
    }

    public func recordDecode(seconds: Double) {
        decodeTimer.recordNanoseconds(Int64(seconds * 1e9))
    }

    public func setQueueDepth(_ depth: Int) { queueDepth.record(depth) }

    /// `classifier_images_total{outcome}`: classified, or the error code that stopped it.
    public func recordImage(outcome: String) {
        counter(in: &imageCounters, label: "classifier_images_total", dimension: "outcome", value: outcome).increment()
    }

    /// `classifier_unknown_total`: images answered `"unknown": true` (out of distribution).
    public func recordUnknown() { unknownAnswers.increment() }

    // MARK: Model

    /// `classifier_model_reloads_total{result}` with result loaded, unchanged or rejected.
    public func recordReload(result: String) {
        counter(in: &reloadCounters, label: "classifier_model_reloads_total", dimension: "result", value: result).increment()
    }

    /// Replaces `classifier_model_info{name,version}`; the old series is removed,
    /// so exactly one model is reported at a time.
    public func setModel(name: String, version: String) {
        lock.lock()
        defer { lock.unlock() }
        modelInfo?.destroy()
        let gauge = CoreMetrics.Gauge(label: "classifier_model_info", dimensions: [("name", name), ("version", version)], factory: factory)
        gauge.record(1)
        modelInfo = gauge
    }

    // MARK: Rendering

    /// The Prometheus text exposition (format 0.0.4), with memory read now.
    public func render() -> String {
        residentMemory.record(ProcessMemory.residentBytes())
        return registry.emitToString()
    }

    private func counter(in cache: inout [String: CoreMetrics.Counter], label: String, dimension: String,
                         value: String) -> CoreMetrics.Counter {
        lock.lock()
        defer { lock.unlock() }
        if let existing = cache[value] { return existing }
        let made = CoreMetrics.Counter(label: label, dimensions: [(dimension, value)], factory: factory)
        cache[value] = made
        return made
    }
}
