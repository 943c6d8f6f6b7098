import Foundation

/// A real HTTP client for the end-to-end tests: curl, run as a process.
struct Curl {
    struct Response: CustomStringConvertible {
        let status: Int
        /// Lowercased names.
        let headers: [String: String]
        let body: Data

        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
        var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
        var description: String { "\(status) \(text.prefix(300))" }
    }

    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") }

    /// A curl process started but not yet waited for.
    struct Running {
        let process: Process
        let arguments: [String]
        let output: Pipe
        let errors: Pipe
        let headerFile: URL
        let bodyFile: URL

        func finish() throws -> Response {
            defer {
                try? FileManager.default.removeItem(at: headerFile)
                try? FileManager.default.removeItem(at: bodyFile)
            }
            let code = output.fileHandleForReading.readDataToEndOfFile()
            let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0, let status = Int(String(decoding: code, as: UTF8.self)) else {
                throw CurlFailure(exitCode: process.terminationStatus,
                                  message: "curl \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(errorText)")
            }
            // With 100-continue there are several header blocks; keep the last.
            let rawHeaders = (try? String(contentsOf: headerFile, encoding: .utf8)) ?? ""
            let blocks = rawHeaders.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }
            var headers: [String: String] = [:]
            for line in (blocks.last ?? "").components(separatedBy: "\r\n").dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return Response(status: status, headers: headers, body: (try? Data(contentsOf: bodyFile)) ?? Data())
        }
    }

    /// Starts curl with `arguments` (the URL included) without waiting.
    static func start(_ arguments: [String], timeout: Double = 60) throws -> Running {
        let directory = FileManager.default.temporaryDirectory
        let id = UUID().uuidString
        let headerFile = directory.appendingPathComponent("curl-\(id).headers")
        let bodyFile = directory.appendingPathComponent("curl-\(id).body")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-S", "--max-time", String(Int(timeout)), "-D", headerFile.path, "-o", bodyFile.path,
                             "-w", "%{http_code}"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        return Running(process: process, arguments: arguments, output: output, errors: errors,
                       headerFile: headerFile, bodyFile: bodyFile)
    }

    /// Runs curl with `arguments` (the URL included) and returns the final response.
    static func runSync(_ arguments: [String], timeout: Double = 60) throws -> Response {
        try start(arguments, timeout: timeout).finish()
    }

    /// Starts every request at once (separate processes, so truly concurrent), then collects them.
    static func concurrentlySync(_ requests: [[String]]) throws -> [Result<Response, CurlFailure>] {
        let running = try requests.map { try start($0) }
        return running.map { request in
            Result { try request.finish() }.mapError { $0 as? CurlFailure ?? CurlFailure(exitCode: -1, message: "\($0)") }
        }
    }

    static func getSync(_ url: String) throws -> Response { try runSync([url]) }

    /// `curl -F image=@file` (multipart/form-data).
    static func uploadSync(_ file: URL, to url: String, field: String = "image", type: String? = nil) throws -> Response {
        try runSync(["-F", "\(field)=@\(file.path)" + (type.map { ";type=\($0)" } ?? ""), url])
    }

    /// `curl --data-binary @file -H 'Content-Type: …'`.
    static func postSync(_ file: URL, to url: String, contentType: String) throws -> Response {
        try runSync(["--data-binary", "@\(file.path)", "-H", "Content-Type: \(contentType)", url])
    }
}

struct CurlFailure: Error, CustomStringConvertible {
    /// curl's exit code: 7 could not connect, 52 empty reply, 56 connection reset.
    let exitCode: Int32
    let message: String
    var description: String { message }
}

/// The same requests for async tests. curl runs and is waited for on a Dispatch
/// thread, never on the Swift concurrency pool, because an in-process server
/// answers on that pool: blocking it from a test would starve the server.
extension Curl {
    static func run(_ arguments: [String], timeout: Double = 60) async throws -> Response {
        try await offPool { try Curl.runSync(arguments, timeout: timeout) }
    }

    static func get(_ url: String) async throws -> Response { try await run([url]) }

    static func upload(_ file: URL, to url: String, field: String = "image", type: String? = nil) async throws -> Response {
        try await offPool { try Curl.uploadSync(file, to: url, field: field, type: type) }
    }

    static func post(_ file: URL, to url: String, contentType: String) async throws -> Response {
        try await offPool { try Curl.postSync(file, to: url, contentType: contentType) }
    }

    static func concurrently(_ requests: [[String]]) async throws -> [Result<Response, CurlFailure>] {
        try await offPool { try Curl.concurrentlySync(requests) }
    }
}
