import Foundation

/// The real `classifier-server` executable, run as a child process with JSON
/// logs, so tests can send it signals and watch it exit.
final class ServerProcess: @unchecked Sendable {
    // @unchecked: `lines` is guarded by `lock`; the rest is set in init.
    let process = Process()
    private let lock = NSLock()
    private var lines: [String] = []
    private(set) var port = 0

    /// The executable built beside the test bundle, if any (`swift build` builds it).
    static var executable: URL? {
        var candidates: [URL] = []
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        candidates.append(runner.appendingPathComponent("classifier-server"))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("classifier-server"))
        for configuration in ["debug", "release"] {
            candidates.append(TestData.packageRoot.appendingPathComponent(".build/\(configuration)/classifier-server"))
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Starts the server on 127.0.0.1 and an ephemeral port, with `arguments` added,
    /// and waits until it logs the port it listens on.
    init(arguments: [String]) throws {
        guard let executable = Self.executable else { throw TestFailure("classifier-server is not built") }
        process.executableURL = executable
        process.arguments = ["--config", "/dev/null", "--host", "127.0.0.1", "--port", "0", "--log-format", "json"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // A thread of its own with blocking reads, not `readabilityHandler`:
        // that is a Dispatch read source, and when the child exits its pipe
        // reports a hangup, which on Linux can crash libdispatch's manager
        // thread (see HTTPKit's `SocketPoller`).
        let reader = errors.fileHandleForReading
        Thread { [weak self] in
            while true {
                let data = reader.availableData
                guard !data.isEmpty, let self else { return }
                let text = String(decoding: data, as: UTF8.self)
                self.lock.lock()
                self.lines += text.split(separator: "\n").map(String.init)
                self.lock.unlock()
            }
        }.start()
        let found = eventually(timeout: 30) { self.listeningPort() != nil || !self.process.isRunning }
        guard found, let port = listeningPort() else {
            process.terminate()
            throw TestFailure("the server did not start: \(log.suffix(5))")
        }
        self.port = port
    }

    var log: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }

    var base: String { "http://127.0.0.1:\(port)" }

    private func listeningPort() -> Int? {
        for line in log {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["message"] as? String == "listening", let port = object["port"] as? String else { continue }
            return Int(port)
        }
        return nil
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Waits for the process to end; nil if it is still running after `timeout`.
    func waitForExit(timeout: Double = 30) -> Int32? {
        guard eventually(timeout: timeout, { !process.isRunning }) else {
            process.terminate()
            return nil
        }
        return process.terminationStatus
    }
}
