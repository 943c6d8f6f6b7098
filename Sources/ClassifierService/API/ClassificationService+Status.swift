import Foundation
import NeuralEngine

extension ClassificationService {
    /// `GET /healthz`: the process is up and answering (liveness).
    public func health() -> ServiceResponse {
        .json(APIPayload.Health(status: "ok"))
    }

    /// `GET /readyz`: 200 only once a model has loaded and passed its warm-up
    /// forward pass; 503 with Retry-After before that (readiness).
    public func readiness() -> ServiceResponse {
        if isDraining {
            var response = ServiceResponse.json(
                APIPayload.Readiness(status: "not ready", model: nil, reason: "the server is shutting down"), status: 503)
            response.headers.append(("Retry-After", String(settings.retryAfterSeconds)))
            return response
        }
        guard let snapshot = store.snapshot else {
            var response = ServiceResponse.json(
                APIPayload.Readiness(status: "not ready", model: nil,
                                     reason: store.lastAttempt?.error ?? "the model is still loading"), status: 503)
            response.headers.append(("Retry-After", String(settings.retryAfterSeconds)))
            return response
        }
        return .json(APIPayload.Readiness(
            status: "ready",
            model: .init(name: Self.modelName(forPath: snapshot.path), version: snapshot.version), reason: nil))
    }

    /// `GET /v1/model`: what is served, where it came from, and the last reload attempt.
    public func modelDescription() -> ServiceResponse {
        let attempt = store.lastAttempt.map { attempt in
            APIPayload.ReloadAttempt(at: Self.iso8601(attempt.at), trigger: attempt.trigger, result: attempt.outcome.rawValue,
                                     version: attempt.version, error: attempt.error)
        }
        let reloads = APIPayload.Reloads(loaded: store.count(of: .loaded), unchanged: store.count(of: .unchanged),
                                         rejected: store.count(of: .rejected))
        guard let snapshot = store.snapshot else {
            var response = ServiceResponse.json(APIPayload.NoModel(
                error: .init(code: "model_not_loaded", message: attempt?.error ?? "the model is still loading"),
                path: store.url.path, last_reload: attempt, reloads: reloads), status: 503)
            response.headers.append(("Retry-After", String(settings.retryAfterSeconds)))
            return response
        }
        let model = snapshot.model
        let metadata = model.metadata
        let description = APIPayload.ModelDescription(
            name: Self.modelName(forPath: snapshot.path),
            version: snapshot.version,
            path: snapshot.path,
            loaded_at: Self.iso8601(snapshot.loadedAt),
            load_seconds: (snapshot.loadSeconds * 1000).rounded() / 1000,
            architecture: metadata.map { .init(preset: $0.architecture.preset, spec: $0.architecture) },
            labels: model.labels,
            input: metadata.map {
                .init(width: $0.preprocessing.inputWidth, height: $0.preprocessing.inputHeight,
                      channels: $0.preprocessing.channels, preprocessing: $0.preprocessing)
            },
            training: metadata?.provenance.map {
                .init(created_at: $0.createdAt, arguments: $0.arguments, data: $0.dataSummary, metrics: $0.metrics)
            },
            calibration: metadata?.calibration.map {
                .init(method: "temperature-scaling", temperature: $0.temperature,
                      expected_calibration_error_before: $0.expectedCalibrationErrorBefore,
                      expected_calibration_error_after: $0.expectedCalibrationErrorAfter, validation_images: $0.images)
            },
            out_of_distribution: metadata?.outOfDistribution.map { detector in
                let served = servedRule(detector)
                var threshold = detector.threshold, rate = detector.acceptanceRate
                if case .threshold(let t, let r, _) = served { (threshold, rate) = (t, r) }
                return .init(method: detector.method.rawValue, threshold: detector.threshold,
                             acceptance_rate: detector.acceptanceRate, validation_images: detector.validationImages,
                             verdict_enabled: settings.unknownVerdict, served_threshold: threshold, served_acceptance_rate: rate)
            },
            last_reload: attempt,
            reloads: reloads,
            engine: .init(kernels: EngineKernels.instructionSet, threads: EngineThreads.count,
                          convolutions: model.convolutionPlan))
        return .json(description)
    }

    /// `GET /metrics`: Prometheus text format 0.0.4.
    public func metricsText() -> ServiceResponse {
        .text(metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    /// `GET /`: the embedded web page.
    public func webPage() -> ServiceResponse {
        .text(WebPage.html, contentType: WebPage.contentType)
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
