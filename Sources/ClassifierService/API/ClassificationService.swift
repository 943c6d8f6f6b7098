import Foundation
import ImageKit
import Logging

/// One uploaded image: its bytes and, from multipart, its file name.
public struct UploadedImage: Sendable {
    public var filename: String?
    public var bytes: [UInt8]

    public init(filename: String? = nil, bytes: [UInt8]) {
        self.filename = filename
        self.bytes = bytes
    }
}

/// The service behind every route, independent of the HTTP layer: it takes
/// decoded request parts and returns `ServiceResponse`s. The HTTP adapter
/// (`ClassifierRoutes`) only extracts the parts and copies the answer out.
///
/// Work for `POST /classify`: take the current model snapshot (kept to the end,
/// so a reload never changes the model under a request); decode and preprocess
/// on the decode pool, at most `decodeConcurrency` at a time (a small lone image
/// on the request's own thread); queue the tensors on the `DynamicBatcher`, which
/// runs them through the model in batches on one thread (a lone image on an idle
/// batcher runs at once, inline); then softmax and top-k.
public final class ClassificationService: Sendable {
    public let settings: ServerSettings
    public let store: ModelStore<any ClassifierModel>
    public let metrics: ServiceMetrics
    let batcher: DynamicBatcher<InferenceJob, InferenceResult>
    private let decodePool: DecodePool
    private let logger: Logger
    private let draining = DrainFlag()

    public typealias Loader = @Sendable (URL) throws -> (model: any ClassifierModel, version: String)

    /// - Parameter loader: reads, validates and warms up a model file (see
    ///   `EngineClassifierModel.load`); called on a background queue.
    public init(settings: ServerSettings, metrics: ServiceMetrics = ServiceMetrics(),
                logger: Logger = Logger(label: "classifier"), loader: @escaping Loader) {
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        decodePool = DecodePool(width: settings.decodeConcurrency, memoryBudget: settings.decodeMemoryMB << 20)

        var storeObserver = ModelStore<any ClassifierModel>.Observer()
        let modelName = ClassificationService.modelName(forPath: settings.model)
        storeObserver.attempted = { attempt in metrics.recordReload(result: attempt.outcome.rawValue) }
        storeObserver.swapped = { _, new in metrics.setModel(name: modelName, version: new.version) }
        store = ModelStore(url: URL(fileURLWithPath: settings.model), watch: settings.watchModel,
                           pollInterval: settings.reloadPollSeconds, debounce: settings.reloadDebounceMs / 1000,
                           logger: logger, observer: storeObserver, loader: loader)

        var batchObserver = DynamicBatcher<InferenceJob, InferenceResult>.Observer()
        batchObserver.batchStarted = { _ in }
        batchObserver.batchFinished = { size, seconds in metrics.recordBatch(size: size, seconds: seconds) }
        batchObserver.queueDepthChanged = { depth in metrics.setQueueDepth(depth) }
        batcher = DynamicBatcher(maxBatchSize: settings.maxBatchSize, maxWait: settings.maxBatchWaitMs / 1000,
                                 capacity: settings.queueCapacity, observer: batchObserver,
                                 forward: ClassificationService.forward)
    }

    /// Loads the model in the background and starts watching its file.
    public func start() { store.start() }

    /// Stops watching and lets queued inference finish. Call after the HTTP
    /// server has stopped accepting and drained its requests.
    public func stop() {
        store.stop()
        batcher.stop()
    }

    public var isReady: Bool { store.snapshot != nil && !draining.isSet }

    /// From now on `/readyz` answers 503 (shutting down); requests are still served.
    public func beginDraining() { draining.set() }
    var isDraining: Bool { draining.isSet }

    /// The name shown for a model: its file name without the extension.
    static func modelName(forPath path: String) -> String {
        let file = (path as NSString).lastPathComponent
        let stem = (file as NSString).deletingPathExtension
        return stem.isEmpty ? file : stem
    }

    // MARK: POST /classify

    /// - Parameters:
    ///   - images: the uploaded files, in order.
    ///   - topK: the `top_k` query value as sent, if any.
    ///   - batch: answer in the batch shape (`results`), as for several file parts.
    ///   - verdict: the request's say on the "unknown" verdict (`unknown_verdict`, `acceptance_rate`).
    public func classify(_ images: [UploadedImage], topK: String?, batch: Bool,
                         verdict: VerdictRequest = VerdictRequest()) async -> ServiceResponse {
        let started = DispatchTime.now().uptimeNanoseconds
        guard let snapshot = store.snapshot else {
            return .error(.notReady(retryAfter: settings.retryAfterSeconds))
        }
        let model = snapshot.model
        let k: Int
        switch parseTopK(topK, classes: model.labels.count) {
        case .success(let value): k = value
        case .failure(let error): return .error(error)
        }
        let rule: VerdictRule
        switch verdictRule(verdict, detector: model.metadata?.outOfDistribution) {
        case .success(let value): rule = value
        case .failure(let error): return .error(error)
        }
        guard !images.isEmpty else {
            return .error(.badRequest("no image in the request: send a multipart part named \"image\" or the raw image as the body",
                                      code: "missing_image"))
        }
        guard images.count <= settings.maxImagesPerRequest else {
            return .error(.tooLarge("\(images.count) images in one request; at most \(settings.maxImagesPerRequest) are allowed",
                                    code: "too_many_images"))
        }
        // Refuse at once rather than decode work that cannot be queued.
        if batcher.queueDepth + images.count > settings.queueCapacity {
            metrics.recordImage(outcome: "overloaded")
            return .error(.overloaded(retryAfter: settings.retryAfterSeconds))
        }

        // Decode and preprocess, in parallel across the request's images, on the decode pool.
        // Announced first, so that a batch forming meanwhile waits for them (and only then).
        let alone = images.count == 1 && batcher.isIdle
        batcher.announce(images.count)
        // The HTTP layer cancels this task when the client goes away; the decodes then
        // stop within a row instead of finishing for nobody.
        let cancellation = DecodeCancellation()
        let limits = ImageLimits(maxPixels: settings.maxPixels, maxDimension: settings.maxDimension,
                                 decodeTimeLimit: .milliseconds(settings.decodeTimeLimitMs), cancellation: cancellation)
        let decodeStarted = DispatchTime.now().uptimeNanoseconds
        var decoded = [Result<[Float], ServiceError>?](repeating: nil, count: images.count)
        await withTaskCancellationHandler {
            // A small image arriving at an idle server is decoded right here, when the pool has
            // a slot and the memory for it: a hop to the decode pool and back would cost more
            // than the decode's hold on this thread. Under load the pool keeps decoding off the
            // task threads, which then stay free to parse requests and hand results back.
            if alone, images[0].bytes.count <= Self.inlineDecodeLimit,
               let result = decodePool.runHereIfFree(bytes: model.estimatedDecodeBytes(images[0].bytes, limits: limits),
                                                     { timedPreprocess(images[0].bytes, model: model, limits: limits) }) {
                decoded[0] = result
            } else {
                await decodeInParallel(images, model: model, limits: limits, into: &decoded)
            }
        } onCancel: {
            cancellation.cancel()
        }
        let decodeMs = Double(DispatchTime.now().uptimeNanoseconds - decodeStarted) / 1e6
        batcher.withdraw(decoded.filter { if case .success? = $0 { false } else { true } }.count)

        // Queue every decoded image; they may share batches with other requests. A lone
        // image on an idle batcher runs at once on this thread (`runIfIdle`).
        var inferred = [Result<InferenceResult, ServiceError>?](repeating: nil, count: images.count)
        if images.count == 1, case .success(let tensor)? = decoded[0],
           let result = batcher.runIfIdle(InferenceJob(model: model, version: snapshot.version, input: tensor),
                                          announced: true) {
            inferred[0] = result.mapError { ($0 as? ServiceError) ?? .internalError("\($0)") }
        } else {
            await inferQueued(decoded, model: model, version: snapshot.version, into: &inferred)
        }
        return respond(images, decoded: decoded, inferred: inferred, k: k, rule: rule, batch: batch, snapshotPath: snapshot.path,
                       version: snapshot.version, labels: model.labels, started: started, decodeMs: decodeMs)
    }

    /// A single image up to this size that arrives when the batcher is idle is decoded on
    /// the request's own thread (a 640×480 JPEG is about 60 KiB and takes under a
    /// millisecond); every other image goes to the decode pool.
    static let inlineDecodeLimit = 256 * 1024

    /// Decodes and preprocesses `images` on the decode pool, in parallel.
    private func decodeInParallel(_ images: [UploadedImage], model: any ClassifierModel, limits: ImageLimits,
                                  into decoded: inout [Result<[Float], ServiceError>?]) async {
        await withTaskGroup(of: (Int, Result<[Float], ServiceError>).self) { group in
            for (index, image) in images.enumerated() {
                group.addTask { [self] in
                    let bytes = model.estimatedDecodeBytes(image.bytes, limits: limits)
                    let result = await decodePool.run(bytes: bytes) { self.timedPreprocess(image.bytes, model: model, limits: limits) }
                    switch result {
                    case .success(let decoded): return (index, decoded)
                    case .failure(.exceedsBudget(let bytes, let budget)):
                        return (index, .failure(.tooLarge(
                            "decoding this image takes about \(bytes >> 20) MiB, more than the \(budget >> 20) MiB all decodes may share (decode_memory_mb)",
                            code: "image_too_large")))
                    case .failure(.timedOut):
                        return (index, .failure(.overloaded(retryAfter: self.settings.retryAfterSeconds)))
                    }
                }
            }
            for await (index, result) in group { decoded[index] = result }
        }
    }

    /// `preprocess`, with its duration recorded in the decode histogram.
    private func timedPreprocess(_ bytes: [UInt8], model: any ClassifierModel,
                                 limits: ImageLimits) -> Result<[Float], ServiceError> {
        let started = DispatchTime.now().uptimeNanoseconds
        let result = Self.preprocess(bytes, model: model, limits: limits)
        metrics.recordDecode(seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        return result
    }

    /// Submits every decoded image to the batcher and waits for all their results.
    private func inferQueued(_ decoded: [Result<[Float], ServiceError>?], model: any ClassifierModel, version: String,
                             into inferred: inout [Result<InferenceResult, ServiceError>?]) async {
        await withTaskGroup(of: (Int, Result<InferenceResult, ServiceError>).self) { group in
            for index in decoded.indices {
                guard case .success(let tensor)? = decoded[index] else { continue }
                let job = InferenceJob(model: model, version: version, input: tensor)
                group.addTask { [batcher, settings] in
                    do {
                        return (index, .success(try await batcher.submit(job, announced: true)))
                    } catch BatcherError.overloaded {
                        return (index, .failure(.overloaded(retryAfter: settings.retryAfterSeconds)))
                    } catch BatcherError.stopped {
                        return (index, .failure(.shuttingDown()))
                    } catch {
                        return (index, .failure((error as? ServiceError) ?? .internalError("\(error)")))
                    }
                }
            }
            for await (index, result) in group { inferred[index] = result }
        }
    }

    /// The JSON answer: one prediction list, or the batch shape, or the error.
    private func respond(_ images: [UploadedImage], decoded: [Result<[Float], ServiceError>?],
                         inferred: [Result<InferenceResult, ServiceError>?], k: Int, rule: VerdictRule, batch: Bool,
                         snapshotPath: String, version: String, labels: [String], started: UInt64,
                         decodeMs: Double) -> ServiceResponse {
        var entries: [(filename: String?, outcome: Result<InferenceResult, ServiceError>)] = []
        for index in 0..<images.count {
            let outcome: Result<InferenceResult, ServiceError>
            switch decoded[index] {
            case .failure(let error)?: outcome = .failure(error)
            case .success?: outcome = inferred[index] ?? .failure(.internalError("no result"))
            case nil: outcome = .failure(.internalError("image was not processed"))
            }
            metrics.recordImage(outcome: outcome.isSuccess ? "classified" : outcome.errorCode)
            entries.append((images[index].filename, outcome))
        }
        let totalMs = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        let inferenceMs = entries.compactMap { try? $0.outcome.get().forwardSeconds }.max().map { $0 * 1000 } ?? 0
        let timing = APIPayload.Timing(decode: rounded(decodeMs), inference: rounded(inferenceMs), total: rounded(totalMs))
        let reference = APIPayload.ModelReference(name: Self.modelName(forPath: snapshotPath), version: version)

        if !batch, let only = entries.first, entries.count == 1 {
            switch only.outcome {
            case .success(let result):
                let judged = verdict(result.outOfDistributionScore, rule: rule)
                return .json(APIPayload.Classification(predictions: topPredictions(result.probabilities, labels: labels, k: k),
                                                       unknown: judged.unknown, out_of_distribution: judged.detail,
                                                       model: reference, timing_ms: timing))
            case .failure(let error):
                return .error(error)
            }
        }
        // A batch where the server itself was overloaded is an overload, not a per-file error.
        if let overload = entries.lazy.compactMap({ $0.outcome.failure }).first(where: { $0.status == 503 }) {
            return .error(overload)
        }
        let results = entries.map { entry -> APIPayload.BatchEntry in
            switch entry.outcome {
            case .success(let result):
                let judged = verdict(result.outOfDistributionScore, rule: rule)
                return .init(filename: entry.filename,
                             predictions: topPredictions(result.probabilities, labels: labels, k: k),
                             unknown: judged.unknown, out_of_distribution: judged.detail, error: nil)
            case .failure(let error):
                return .init(filename: entry.filename, predictions: nil, unknown: nil, out_of_distribution: nil,
                             error: .init(code: error.code, message: error.message))
            }
        }
        return .json(APIPayload.BatchClassification(results: results, model: reference, timing_ms: timing))
    }

    static func preprocess(_ bytes: [UInt8], model: any ClassifierModel, limits: ImageLimits) -> Result<[Float], ServiceError> {
        do {
            let tensor = try model.preprocess(bytes, limits: limits)
            guard tensor.count == model.inputCount else {
                return .failure(.internalError("preprocessing produced \(tensor.count) values, the model takes \(model.inputCount)"))
            }
            return .success(tensor)
        } catch let error as ServiceError {
            return .failure(error)
        } catch {
            return .failure(.undecodable("\(error)"))
        }
    }

    /// `top_k`: default 5; at least 1; capped at the number of classes and `max_top_k`.
    func parseTopK(_ text: String?, classes: Int) -> Result<Int, ServiceError> {
        let cap = max(1, min(classes, settings.maxTopK))
        guard let text, !text.isEmpty else { return .success(min(5, cap)) }
        guard let value = Int(text), value >= 1 else {
            return .failure(.badRequest("top_k must be a whole number of at least 1, got '\(text.prefix(40))'", code: "invalid_top_k"))
        }
        return .success(min(value, cap))
    }

    func topPredictions(_ probabilities: [Double], labels: [String], k: Int) -> [APIPayload.Prediction] {
        let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
        return order.prefix(k).map { index in
            APIPayload.Prediction(label: index < labels.count ? labels[index] : "class \(index)", score: probabilities[index])
        }
    }

    private func rounded(_ milliseconds: Double) -> Double {
        (milliseconds * 1000).rounded() / 1000
    }
}

private extension Result where Failure == ServiceError {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
    var failure: ServiceError? {
        if case .failure(let error) = self { return error }
        return nil
    }
    var errorCode: String { failure?.code ?? "ok" }
}
