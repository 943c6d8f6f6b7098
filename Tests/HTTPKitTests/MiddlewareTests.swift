import Logging
import Synchronization
import Testing
@testable import HTTPKit

/// Collects log records (swift-log) for assertions.
final class CapturingLogHandler: LogHandler, @unchecked Sendable {
    // @unchecked: `records` is only touched under `lock`.
    struct Record { let message: String; let metadata: Logger.Metadata }
    private let lock = NSLockBox()
    private var _records: [Record] = []
    var records: [Record] { lock.sync { _records } }
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        lock.sync { _records.append(Record(message: message.description, metadata: metadata ?? [:])) }
    }
}

final class NSLockBox: Sendable {
    private let mutex = Mutex(())
    func sync<T>(_ body: () -> T) -> T { mutex.withLock { _ in body() } }
}

final class RecordingMetrics: HTTPMetricsRecorder {
    let completed = Mutex<[HTTPRequestMetrics]>([])
    let rejected = Mutex<[Int?]>([])
    let opened = Mutex(0)
    let closed = Mutex(0)
    func requestCompleted(_ metrics: HTTPRequestMetrics) { completed.withLock { $0.append(metrics) } }
    func requestRejected(status: HTTPStatus?, reason: String) { rejected.withLock { $0.append(status?.code) } }
    func connectionOpened() { opened.withLock { $0 += 1 } }
    func connectionClosed() { closed.withLock { $0 += 1 } }
}

@Suite struct MiddlewareTests {
    @Test func theAccessLogRecordsIdStatusBytesAndClient() async throws {
        let handler = CapturingLogHandler()
        let logger = Logger(label: "test") { _ in handler }
        let pipeline = HTTPPipeline(middleware: [AccessLogMiddleware(logger: logger)], handler: makeRouter())
        var incoming = try request(.get, "/hello", headers: ["Host": "x", "X-Request-Id": "abc-123"])
        incoming.clientAddress = "192.0.2.7"
        let response = await pipeline.respond(to: incoming)
        #expect(response.headers["X-Request-Id"] == "abc-123")
        let record = try #require(handler.records.last)
        #expect(record.metadata["request_id"] == "abc-123")
        #expect(record.metadata["status"] == "200")
        #expect(record.metadata["bytes"] == "2")
        #expect(record.metadata["client"] == "192.0.2.7")
        #expect(record.metadata["duration_ms"] != nil)

        // A hostile id is replaced, and errors are logged with their status.
        let hostile = await pipeline.respond(to: try request(.get, "/boom", headers: ["Host": "x", "X-Request-Id": "a b\u{7}"]))
        let generated = try #require(hostile.headers["X-Request-Id"])
        #expect(generated.count == 32 && generated != "a b\u{7}")
        #expect(handler.records.last?.metadata["status"] == "500")
    }

    @Test func corsAnswersPreflightAndDecoratesResponses() async throws {
        let cors = CORSMiddleware(allowedOrigins: .only(["https://app.example"]))
        let pipeline = HTTPPipeline(middleware: [cors], handler: makeRouter())
        let preflight = await pipeline.respond(to: try request(.options, "/hello", headers: [
            "Host": "x", "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
        ]))
        #expect(preflight.status.code == 204)
        #expect(preflight.headers["Access-Control-Allow-Origin"] == "https://app.example")
        #expect(preflight.headers["Access-Control-Allow-Methods"]?.contains("POST") == true)
        #expect(preflight.headers["Access-Control-Max-Age"] == "600")

        let denied = await pipeline.respond(to: try request(.options, "/hello", headers: [
            "Host": "x", "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        ]))
        #expect(denied.status.code == 403)

        let simple = await pipeline.respond(to: try request(.get, "/hello", headers: ["Host": "x", "Origin": "https://app.example"]))
        #expect(simple.headers["Access-Control-Allow-Origin"] == "https://app.example")
        #expect(simple.headers.values("Vary").contains("Origin"))
        let other = await pipeline.respond(to: try request(.get, "/hello", headers: ["Host": "x", "Origin": "https://evil.example"]))
        #expect(other.headers["Access-Control-Allow-Origin"] == nil)
        #expect(other.bodyText == "hi")
    }

    @Test func metricsSeeRoutePatternsAndStatuses() async throws {
        let metrics = RecordingMetrics()
        let pipeline = HTTPPipeline(middleware: [MetricsMiddleware(recorder: metrics)], handler: makeRouter())
        _ = await pipeline.respond(to: try request(.get, "/models/a/versions/1"))
        _ = await pipeline.respond(to: try request(.get, "/missing"))
        let completed = metrics.completed.withLock { $0 }
        #expect(completed.map(\.route) == ["/models/:name/versions/:version", "unmatched"])
        #expect(completed.map(\.status) == [200, 404])
    }

    @Test func trustedProxiesAloneMayNameTheClient() throws {
        let resolver = ClientAddressResolver(trustedProxies: [try #require(IPAddressRange("10.0.0.0/8")), try #require(IPAddressRange("::1"))])
        let proxy = IPAddress("10.1.2.3"), stranger = IPAddress("203.0.113.9")
        let xff: HTTPHeaders = ["X-Forwarded-For": "1.1.1.1, 198.51.100.4, 10.9.9.9"]
        // Walk from the right, skipping trusted hops.
        #expect(resolver.clientAddress(peer: proxy, headers: xff) == "198.51.100.4")
        // An untrusted peer cannot claim an address.
        #expect(resolver.clientAddress(peer: stranger, headers: xff) == "203.0.113.9")
        // Forwarded (RFC 7239) with IPv6 and ports.
        let forwarded: HTTPHeaders = ["Forwarded": "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\""]
        #expect(resolver.clientAddress(peer: IPAddress("::1"), headers: forwarded) == "2001:db8:cafe::17")
        // IPv4-mapped peers match IPv4 ranges.
        #expect(resolver.clientAddress(peer: IPAddress("::ffff:10.0.0.1"), headers: ["X-Forwarded-For": "192.0.2.1"]) == "192.0.2.1")
        // No header: the peer.
        #expect(resolver.clientAddress(peer: proxy, headers: [:]) == "10.1.2.3")
    }

    @Test func cidrRangesMatchByPrefix() throws {
        let v4 = try #require(IPAddressRange("192.168.0.0/16"))
        #expect(v4.contains(try #require(IPAddress("192.168.255.1"))))
        #expect(!v4.contains(try #require(IPAddress("192.169.0.1"))))
        let v6 = try #require(IPAddressRange("fd00::/8"))
        #expect(v6.contains(try #require(IPAddress("fd12::1"))))
        #expect(!v6.contains(try #require(IPAddress("fe80::1"))))
        #expect(!v6.contains(try #require(IPAddress("10.0.0.1"))))
        #expect(IPAddressRange("10.0.0.0/33") == nil)
        #expect(IPAddressRange("nonsense") == nil)
        #expect(IPAddressRange("0.0.0.0/0")?.contains(try #require(IPAddress("8.8.8.8"))) == true)
    }
}
