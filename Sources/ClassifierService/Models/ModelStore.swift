import Foundation
import Logging

/// Holds the model being served and replaces it when its file changes.
///
/// A new file is loaded and validated in the background by `loader` (which for
/// the classifier reads the header, metadata and tensors, builds the network and
/// runs a warm-up forward pass that must give finite outputs); only a model that
/// passed is swapped in, by replacing one reference under a lock. Requests take
/// a `Snapshot` when they start and keep it to the end, so in-flight work
/// finishes on the model it started with, and the old model is freed when the
/// last of them lets go. A file that fails is rejected, logged, counted and kept
/// in `lastAttempt`; the previous model keeps serving.
public final class ModelStore<Model: Sendable>: @unchecked Sendable {
    // @unchecked: `current`, `lastAttempt`, `lastTried` and the counters are guarded by `lock`;
    // `watcher` is set once in `start()` before other threads see it.
    public typealias Loader = @Sendable (URL) throws -> (model: Model, version: String)

    public struct Snapshot: Sendable {
        public let model: Model
        /// Content hash prefix of the file (changes with every different file).
        public let version: String
        public let path: String
        public let loadedAt: Date
        /// Seconds the load, validation and warm-up took.
        public let loadSeconds: Double
    }

    public struct Attempt: Sendable {
        public enum Outcome: String, Sendable {
            /// A new model was swapped in.
            case loaded
            /// The file has the version already served; nothing changed.
            case unchanged
            /// The file failed validation; the previous model (if any) keeps serving.
            case rejected
        }
        public let at: Date
        public let trigger: String
        public let outcome: Outcome
        public let version: String?
        public let error: String?
    }

    public struct Observer: Sendable {
        public var attempted: @Sendable (Attempt) -> Void = { _ in }
        public var swapped: @Sendable (_ old: Snapshot?, _ new: Snapshot) -> Void = { _, _ in }
        public init() {}
    }

    public let url: URL
    private let loader: Loader
    private let observer: Observer
    private let logger: Logger
    private let watch: Bool
    private let pollInterval: Double
    private let debounce: Double
    private let queue = DispatchQueue(label: "model-reload", qos: .utility)
    private let lock = NSLock()
    private var current: Snapshot?
    private var attempt: Attempt?
    private var counts: [Attempt.Outcome: Int] = [:]
    private var lastTried: FileSignature?
    private var pendingTrigger: String?
    private var watcher: FileWatcher?

    public init(url: URL, watch: Bool = true, pollInterval: Double = 2, debounce: Double = 0.25,
                logger: Logger = Logger(label: "classifier.models"), observer: Observer = Observer(),
                loader: @escaping Loader) {
        self.url = url
        self.watch = watch
        self.pollInterval = pollInterval
        self.debounce = debounce
        self.logger = logger
        self.observer = observer
        self.loader = loader
    }

    /// The model to use for a request that starts now; nil until one has loaded.
    public var snapshot: Snapshot? {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// The most recent load attempt (start-up, watch, poll or SIGHUP).
    public var lastAttempt: Attempt? {
        lock.lock()
        defer { lock.unlock() }
        return attempt
    }

    public func count(of outcome: Attempt.Outcome) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return counts[outcome, default: 0]
    }

    /// Loads the file in the background and starts watching it.
    public func start() {
        // The watcher first: it takes the file's signature before the first load reads the
        // file, so a file replaced while the server starts is reloaded, not missed. (When
        // the watcher's start ran after the load, a replacement in between became its
        // baseline and was never reported.)
        if watch || pollInterval > 0 {
            let watcher = FileWatcher(path: url.path, queue: DispatchQueue(label: "model-watch"),
                                      useEvents: watch, pollInterval: pollInterval) { [weak self] reason in
                self?.requestReload(trigger: reason, force: false)
            }
            self.watcher = watcher
            watcher.start()
        }
        queue.async { [self] in _ = load(trigger: "start-up", force: true) }
    }

    public func stop() {
        watcher?.stop()
        queue.sync {}
    }

    /// Schedules a reload after the debounce delay; several requests in that
    /// window become one load. `force` reloads even if the file looks unchanged (SIGHUP).
    public func requestReload(trigger: String, force: Bool) {
        lock.lock()
        let alreadyPending = pendingTrigger != nil
        if !alreadyPending || force { pendingTrigger = force ? "force:" + trigger : trigger }
        lock.unlock()
        guard !alreadyPending else { return }
        queue.asyncAfter(deadline: .now() + debounce) { [self] in
            lock.lock()
            let trigger = pendingTrigger ?? trigger
            pendingTrigger = nil
            lock.unlock()
            let forced = trigger.hasPrefix("force:")
            _ = load(trigger: forced ? String(trigger.dropFirst(6)) : trigger, force: forced)
        }
    }

    /// Loads now, on the reload queue, and returns what happened.
    @discardableResult
    public func reloadNow(trigger: String = "request", force: Bool = true) -> Attempt? {
        queue.sync { load(trigger: trigger, force: force) }
    }

    /// Runs on `queue` only, so loads never overlap.
    private func load(trigger: String, force: Bool) -> Attempt? {
        let signature = FileSignature(path: url.path)
        lock.lock()
        let unchangedOnDisk = signature != nil && signature == lastTried
        lock.unlock()
        if unchangedOnDisk && !force { return nil }

        let started = DispatchTime.now().uptimeNanoseconds
        let result: Attempt
        do {
            let (model, version) = try loader(url)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            lock.lock()
            let old = current
            if let old, old.version == version {
                result = Attempt(at: Date(), trigger: trigger, outcome: .unchanged, version: version, error: nil)
                record(result, signature: signature)
                lock.unlock()
                logger.debug("model file unchanged", metadata: ["version": "\(version)", "trigger": "\(trigger)"])
            } else {
                let new = Snapshot(model: model, version: version, path: url.path, loadedAt: Date(), loadSeconds: seconds)
                current = new
                result = Attempt(at: Date(), trigger: trigger, outcome: .loaded, version: version, error: nil)
                record(result, signature: signature)
                lock.unlock()
                observer.swapped(old, new)
                logger.info("model loaded", metadata: [
                    "version": "\(version)", "previous": "\(old?.version ?? "none")", "path": "\(url.path)",
                    "seconds": "\(String(format: "%.3f", seconds))", "trigger": "\(trigger)",
                ])
            }
        } catch {
            let message = "\(error)"
            result = Attempt(at: Date(), trigger: trigger, outcome: .rejected, version: nil, error: message)
            lock.lock()
            record(result, signature: signature)
            let serving = current?.version
            lock.unlock()
            logger.error("model file rejected; \(serving.map { "still serving version \($0)" } ?? "no model loaded")",
                         metadata: ["path": "\(url.path)", "error": "\(message)", "trigger": "\(trigger)"])
        }
        observer.attempted(result)
        return result
    }

    /// Caller holds `lock`.
    private func record(_ result: Attempt, signature: FileSignature?) {
        attempt = result
        counts[result.outcome, default: 0] += 1
        lastTried = signature
    }
}
