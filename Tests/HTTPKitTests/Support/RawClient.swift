import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client for sending exact bytes and reading exact replies.
/// Reads run on a Dispatch queue, never on the cooperative pool: blocking a
/// pool thread would starve the server's handler tasks in the same process.
/// `@unchecked Sendable`: a client is used by one test at a time.
final class RawClient: @unchecked Sendable {
    let fd: Int32
    private var buffer: [UInt8] = []

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The timeout only bounds failing tests; it is long because the shared CI
    /// machine can stall a process for seconds.
    init(port: Int, host: String = "127.0.0.1", timeout: Double = 15) throws {
        let isV6 = host.contains(":")
        fd = socket(isV6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let result: Int32
        if isV6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = UInt16(port).bigEndian
            inet_pton(AF_INET6, host, &address.sin6_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            inet_pton(AF_INET, host, &address.sin_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard result == 0 else {
            close(fd)
            throw Failure(description: "connect failed: errno \(errno)")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            offset += count
        }
    }

    /// Stops sending (half-close).
    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads more; false on EOF, throws on timeout or reset.
    @discardableResult
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = read(fd, &chunk, chunk.count)
        if count > 0 {
            buffer += chunk[0..<count]
            return true
        }
        if count == 0 { return false }
        throw Failure(description: errno == EAGAIN ? "read timed out" : "read failed: errno \(errno)")
    }

    /// Everything until the server closes.
    func readToEnd() async throws -> String { try await offPool { try self.readToEndBlocking() } }

    func readToEndBlocking() throws -> String {
        while try fill() {}
        defer { buffer = [] }
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Whether the server closed (EOF or reset) within the receive timeout, with no more bytes.
    func isClosedByServer() async -> Bool { (try? await offPool { self.isClosedByServerBlocking() }) ?? false }

    func isClosedByServerBlocking() -> Bool {
        do { return try !fill() && buffer.isEmpty } catch { return (error as? Failure)?.description.contains("timed out") == false }
    }

    struct Response {
        let status: Int
        let head: String
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? {
            for line in head.split(separator: "\r\n").dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
    }

    /// One response framed by Content-Length (or no body), e.g. an interim 100.
    func readResponse() async throws -> Response { try await offPool { try self.readResponseBlocking() } }

    func readResponseBlocking() throws -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        var end: Int?
        while true {
            if buffer.count >= 4, let found = (0...(buffer.count - 4)).first(where: { Array(buffer[$0..<$0 + 4]) == separator }) {
                end = found
                break
            }
            guard try fill() else { throw Failure(description: "closed before a response head: \(String(decoding: buffer, as: UTF8.self))") }
        }
        let headEnd = end! + 4
        let head = String(decoding: buffer[0..<end!], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
        var response = Response(status: status, head: head, body: [])
        let length = Int(response.header("Content-Length") ?? "0") ?? 0
        while buffer.count < headEnd + length {
            guard try fill() else { throw Failure(description: "closed inside a body") }
        }
        response = Response(status: status, head: head, body: Array(buffer[headEnd..<headEnd + length]))
        buffer.removeFirst(headEnd + length)
        return response
    }
}

func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
