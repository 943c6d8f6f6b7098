import Logging

/// One log line per request through swift-log: request id, client address,
/// method, path, status, response bytes and duration. The request id is the
/// incoming `X-Request-Id` when it is short and printable (so ids flow through
/// proxies), else a fresh random one; it is put on the request for handlers and
/// echoed in the response.
public struct AccessLogMiddleware: HTTPMiddleware {
    public let logger: Logger
    public let level: Logger.Level

    public init(logger: Logger, level: Logger.Level = .info) {
        self.logger = logger
        self.level = level
    }

    public func handle(_ request: HTTPRequest, next: HTTPResponder) async throws -> HTTPResponse {
        let start = ContinuousClock.now
        var request = request
        let id = Self.acceptableRequestID(request.headers["X-Request-Id"]) ?? Self.makeRequestID()
        request.requestID = id
        var response = await next(request)
        response.headers["X-Request-Id"] = id
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let bytes = response.body.count.map(String.init) ?? "stream"
        logger.log(
            level: level,
            "\(request.method) \(request.path) \(response.status.code)",
            metadata: [
                "request_id": "\(id)",
                "client": "\(request.clientAddress ?? request.peerAddress ?? "-")",
                "method": "\(request.method)",
                "path": "\(request.path)",
                "status": "\(response.status.code)",
                "bytes": "\(bytes)",
                "duration_ms": "\((milliseconds * 1000).rounded() / 1000)",
            ])
        return response
    }

    /// 1-128 characters of [A-Za-z0-9._:-], so a client cannot inject log
    /// syntax or huge values.
    static func acceptableRequestID(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.utf8.count),
            value.utf8.allSatisfy({ byte in
                (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
            })
        else { return nil }
        return value
    }

    static func makeRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = (generator.next() as UInt64, generator.next() as UInt64)
        func hex(_ x: UInt64) -> String {
            let digits = String(x, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return hex(value.0) + hex(value.1)
    }
}
