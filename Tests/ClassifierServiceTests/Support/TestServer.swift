import Foundation
import Logging
@testable import ClassifierService

/// A `ClassifierServer` in this process on 127.0.0.1 and an ephemeral port,
/// serving a model file in its own temporary directory.
final class TestServer: @unchecked Sendable {
    // @unchecked: set up once in init, read-only afterwards.
    let server: ClassifierServer
    let directory: URL
    let modelURL: URL
    /// Everything the server logged, as JSON lines.
    let logLines = LockedLines()

    var base: String { "http://127.0.0.1:\(server.port)" }
    var service: ClassificationService { server.service }

    /// - Parameters:
    ///   - seed: the model written before start; nil starts with no model file.
    ///   - configure: changes to the settings (ports and paths are set here).
    ///   - modelText: instead of a real model, this text as the file (for `ByteMeanModel.loader`).
    init(seed: UInt64? = 1, modelText: String? = nil, loader: ClassificationService.Loader? = nil,
         configure: (inout ServerSettings) -> Void = { _ in }) throws {
        directory = try makeTemporaryDirectory("server")
        modelURL = directory.appendingPathComponent("model.safetensors")
        if let modelText {
            try modelText.write(to: modelURL, atomically: true, encoding: .utf8)
        } else if let seed {
            try TestModelFile.write(to: modelURL, seed: seed)
        }
        var settings = ServerSettings()
        settings.host = "127.0.0.1"
        settings.port = 0
        settings.model = modelURL.path
        settings.reloadPollSeconds = 0.5
        settings.reloadDebounceMs = 50
        settings.shutdownGraceSeconds = 5
        configure(&settings)
        let lines = logLines
        var logger = Logger(label: "test-server") { label in
            var handler = JSONLogHandler(label: label, sink: LogSink { lines.append($0) })
            handler.logLevel = .info
            return handler
        }
        logger.logLevel = .info
        server = ClassifierServer(settings: settings, logger: logger, loader: loader)
        try server.start()
    }

    /// Waits until a model is loaded; throws if none loads in time.
    @discardableResult
    func waitUntilReady(timeout: Double = 60) async throws -> String {
        guard await eventuallyAsync(timeout: timeout, { service.isReady }), let version = service.store.snapshot?.version else {
            throw TestFailure("no model loaded: \(service.store.lastAttempt?.error ?? "no attempt")")
        }
        return version
    }

    func stop() async {
        await server.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Lines appended from many threads.
final class LockedLines: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ line: String) { lock.lock(); storage.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
