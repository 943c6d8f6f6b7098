#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a response head. The server owns the framing fields (RFC 9112 §6):
/// whatever a handler put in Content-Length, Transfer-Encoding, Connection or
/// Date is replaced, so a handler cannot produce an ambiguous message.
enum HTTPResponseSerializer {
    enum Framing: Equatable {
        /// No content at all (1xx, 204, 304).
        case none
        /// Content-Length.
        case length(Int)
        /// Transfer-Encoding: chunked (HTTP/1.1 streams).
        case chunked
        /// Delimited by closing the connection (HTTP/1.0 streams, RFC 9112 §6.3 item 8).
        case close
    }

    static let ownedFields: Set<String> = ["content-length", "transfer-encoding", "connection", "date"]

    static func framing(for response: HTTPResponse, version: HTTPVersion) -> Framing {
        guard response.status.allowsBody else { return .none }
        switch response.body {
        case .bytes(let bytes): return .length(bytes.count)
        case .stream: return version == .http1_1 ? .chunked : .close
        }
    }

    static func head(
        _ response: HTTPResponse, version: HTTPVersion, framing: Framing, keepAlive: Bool
    ) -> [UInt8] {
        var out = "HTTP/1.1 \(response.status.code) \(sanitized(response.status.reasonPhrase))\r\n"
        out += "Date: \(imfFixdate())\r\n"
        var hasContentType = false
        for field in response.headers {
            let lowered = field.name.asciiLowercased
            guard HTTPSyntax.isToken(field.name), !ownedFields.contains(lowered) else { continue }
            if lowered == "content-type" { hasContentType = true }
            out += "\(field.name): \(sanitized(field.value))\r\n"
        }
        switch framing {
        case .none:
            break
        case .length(let length):
            if !hasContentType && length > 0 { out += "Content-Type: application/octet-stream\r\n" }
            out += "Content-Length: \(length)\r\n"
        case .chunked:
            out += "Transfer-Encoding: chunked\r\n"
        case .close:
            break
        }
        if !keepAlive || framing == .close {
            out += "Connection: close\r\n"
        } else if version == .http1_0 {
            out += "Connection: keep-alive\r\n"
        }
        out += "\r\n"
        return Array(out.utf8)
    }

    /// A field value may not contain CR, LF or NUL (RFC 9110 §5.5); replacing
    /// them prevents response splitting through a handler-supplied value.
    static func sanitized(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F }) else { return value }
        return String(decoding: value.utf8.map { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F ? 0x20 : $0 }, as: UTF8.self)
    }

    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// One chunk: chunk-size CRLF chunk-data CRLF (RFC 9112 §7.1).
    static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        var out = Array(String(bytes.count, radix: 16).utf8)
        out += [0x0D, 0x0A]
        out += bytes
        out += [0x0D, 0x0A]
        return out
    }

    static let lastChunk = Array("0\r\n\r\n".utf8)

    /// IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7).
    static func imfFixdate(_ seconds: time_t = time(nil)) -> String {
        var clock = seconds
        var parts = tm()
        gmtime_r(&clock, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
