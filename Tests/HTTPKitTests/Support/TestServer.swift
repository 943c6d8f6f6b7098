import Foundation
import Logging
import Synchronization
@testable import HTTPKit

/// A server on an ephemeral loopback port with a router made for the tests.
struct TestServer {
    let server: HTTPServer
    let metrics: RecordingMetrics
    /// Holds `GET /gate` requests until opened.
    let gate: Gate
    var port: Int { server.port }
    var base: String { "http://127.0.0.1:\(port)" }

    static func start(
        host: String = "127.0.0.1",
        _ configure: (inout HTTPServerConfiguration) -> Void = { _ in }
    ) throws -> TestServer {
        var configuration = HTTPServerConfiguration(host: host, port: 0)
        configuration.ioQueueCount = 2
        configure(&configuration)
        let metrics = RecordingMetrics()
        let gate = Gate()
        var logger = Logger(label: "HTTPKitTests")
        logger.logLevel = .critical
        let server = HTTPServer(
            configuration: configuration, handler: testRouter(gate: gate), middleware: [MetricsMiddleware(recorder: metrics)],
            metrics: metrics, logger: logger)
        try server.start()
        return TestServer(server: server, metrics: metrics, gate: gate)
    }

    func stop() async { await server.shutdown(gracePeriod: .seconds(2)) }

    static func testRouter(gate: Gate) -> Router {
        var router = Router()
        router.get("/gate") { _ in
            await gate.wait()
            return .text("opened")
        }
        router.get("/hello") { _ in .text("hi") }
        router.post("/echo") { request in
            HTTPResponse(status: .ok, contentType: request.headers["Content-Type"] ?? "application/octet-stream", body: request.body)
        }
        router.post("/upload") { request in
            let form = try request.multipartFormData()
            guard let file = form.parts.first(where: { $0.filename != nil }) else {
                throw HTTPError.badRequest("no file part", code: "missing_file")
            }
            let fields = form.parts.filter { $0.filename == nil }.map { "\"\($0.name)\":\(jsonString($0.text))" }
            return .json(bytes: Array("""
                {"name":\(jsonString(file.name)),"filename":\(jsonString(file.filename ?? "")),\
                "contentType":\(jsonString(file.contentType ?? "")),"bytes":\(file.body.count),\
                "fnv1a":"\(fnv1a(file.body))","fields":{\(fields.joined(separator: ","))}}
                """.utf8))
        }
        router.post("/form") { request in
            let form = try request.urlEncodedForm()
            return .text(form.fields.map { "\($0.name)=\($0.value)" }.joined(separator: ";"))
        }
        router.get("/client") { request in .text(request.clientAddress ?? "-") }
        router.get("/slow") { request in
            let milliseconds = Int(request.query("ms") ?? "") ?? 1000
            try await Task.sleep(for: .milliseconds(milliseconds))
            return .text("done")
        }
        router.get("/boom") { _ in throw CocoaError(.fileNoSuchFile) }
        router.get("/stream") { request in
            let pause = Int(request.query("ms") ?? "") ?? 10
            let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
            Task {
                for index in 0..<5 {
                    continuation.yield(Array("part \(index)\n".utf8))
                    try? await Task.sleep(for: .milliseconds(pause))
                }
                continuation.finish()
            }
            return .stream(contentType: "text/plain", stream)
        }
        return router
    }
}

/// A latch handlers wait on, so tests control exactly when a request finishes.
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private(set) var waitingCount = 0

    func wait() async {
        guard !isOpen else { return }
        waitingCount += 1
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        waiters.forEach { $0.resume() }
        waiters = []
    }

    /// Polls until `count` requests are waiting.
    func untilWaiting(_ count: Int) async throws {
        while waitingCount < count { try await Task.sleep(for: .milliseconds(10)) }
    }
}

/// FNV-1a 64-bit, a checksum the tests compute on both sides.
func fnv1a(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    return String(hash, radix: 16)
}

/// Where the shared test data lives (IMAGECLASSIFIER_DATA, ../shared/data
/// beside the repository, or /work/shared/data).
func testImageURL() -> URL? {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    var roots: [URL] = []
    if let env = ProcessInfo.processInfo.environment["IMAGECLASSIFIER_DATA"] { roots.append(URL(fileURLWithPath: env)) }
    roots.append(repository.deletingLastPathComponent().appendingPathComponent("shared/data"))
    roots.append(URL(fileURLWithPath: "/work/shared/data"))
    for root in roots {
        let folder = root.appendingPathComponent("hymenoptera/train/ants")
        if let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path),
            let name = names.sorted().first(where: { $0.hasSuffix(".jpg") })
        {
            return folder.appendingPathComponent(name)
        }
    }
    return nil
}

/// Which executable `name` resolves to on PATH (or common sbin folders).
func findExecutable(_ name: String) -> String? {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin:/usr/local/sbin"
    for folder in path.split(separator: ":") {
        let candidate = "\(folder)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

struct ProcessResult {
    let status: Int32
    let stdout: Data
    let stderr: String
    var text: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs a process to completion, off the cooperative pool.
func run(_ executable: String, _ arguments: [String], stdin: Data? = nil) async throws -> ProcessResult {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            do {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                let out = Pipe(), err = Pipe()
                process.standardOutput = out
                process.standardError = err
                let input = Pipe()
                process.standardInput = input
                try process.run()
                if let stdin { input.fileHandleForWriting.write(stdin) }
                try? input.fileHandleForWriting.close()
                // Read both pipes concurrently so neither fills and blocks the child.
                let errData = Mutex(Data())
                let group = DispatchGroup()
                DispatchQueue.global().async(group: group) {
                    let data = err.fileHandleForReading.readDataToEndOfFile()
                    errData.withLock { $0 = data }
                }
                let outData = out.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                process.waitUntilExit()
                continuation.resume(returning: ProcessResult(
                    status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData.withLock { $0 }, as: UTF8.self)))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}
