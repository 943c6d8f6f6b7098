// A tiny demo server for load tests with wrk (see Benchmarks/HTTPBenchmark/run.sh):
//   GET  /hello   → 13 bytes of text
//   POST /upload  → reads the whole body, answers its length as JSON
// Usage: http-benchmark [port] (default 8089). Exits 0 on SIGTERM/SIGINT after a
// graceful shutdown; prints "listening on PORT".
import Foundation
import HTTPKit
import Logging

let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 8089
var router = Router()
router.get("/hello") { _ in .text("Hello, world!") }
router.post("/upload") { request in
    .json(bytes: Array("{\"received\":\(request.body.count)}".utf8))
}

var logger = Logger(label: "http-benchmark")
logger.logLevel = .warning
var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: port)
configuration.maxConnections = 4096
let server = HTTPServer(configuration: configuration, handler: router, logger: logger)
do {
    try server.start()
} catch {
    FileHandle.standardError.write(Data("http-benchmark: \(error)\n".utf8))
    exit(1)
}
FileHandle.standardOutput.write(Data("listening on \(server.port)\n".utf8))
await server.runUntilShutdownSignal()
