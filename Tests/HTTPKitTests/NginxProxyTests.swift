import Foundation
import Testing
@testable import HTTPKit
#if canImport(Glibc)
import Glibc
#endif

let nginxPath = findExecutable("nginx")

/// Debian's nginx on loopback as a reverse proxy, with a temporary prefix and
/// configuration; stopped when the test ends.
final class NginxProxy: @unchecked Sendable {
    // @unchecked: used by one test at a time.
    let process = Process()
    let port: Int
    let prefix: URL

    init(upstreamPort: Int) throws {
        prefix = FileManager.default.temporaryDirectory.appendingPathComponent("httpkit-nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: prefix.appendingPathComponent("logs"), withIntermediateDirectories: true)
        port = try NginxProxy.freePort()
        let p = prefix.path
        let configuration = """
            daemon off;
            master_process off;
            worker_processes 1;
            pid \(p)/nginx.pid;
            error_log \(p)/logs/error.log warn;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path \(p)/client_body;
                proxy_temp_path \(p)/proxy;
                fastcgi_temp_path \(p)/fastcgi;
                uwsgi_temp_path \(p)/uwsgi;
                scgi_temp_path \(p)/scgi;
                client_max_body_size 50m;
                upstream app {
                    server 127.0.0.1:\(upstreamPort);
                    keepalive 4;
                }
                server {
                    listen 127.0.0.1:\(port);
                    location / {
                        proxy_pass http://app;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header Host $host;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    }
                }
            }
            """
        let configURL = prefix.appendingPathComponent("nginx.conf")
        try configuration.write(to: configURL, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: nginxPath ?? "nginx")
        process.arguments = ["-p", p, "-c", configURL.path, "-e", "\(p)/logs/error.log"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Waits until nginx accepts connections.
    func waitUntilListening() async throws {
        for _ in 0..<100 {
            if (try? RawClient(port: port, timeout: 1)) != nil { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let log = (try? String(contentsOf: prefix.appendingPathComponent("logs/error.log"), encoding: .utf8)) ?? ""
        throw RawClient.Failure(description: "nginx did not start: \(log)")
    }

    func stop() {
        // SIGKILL: a child spawned from a Dispatch worker thread inherits its
        // blocked signal mask, so nginx would never see SIGTERM or SIGQUIT.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: prefix)
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw RawClient.Failure(description: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

@Suite(.serialized, .enabled(if: nginxPath != nil && curlPath != nil, "nginx or curl is not installed"))
struct NginxProxyTests {
    let curl = curlPath ?? "/usr/bin/curl"

    @Test func uploadsKeepAliveAndForwardedForPassThroughNginx() async throws {
        let loopback = try #require(IPAddressRange("127.0.0.1/32"))
        let server = try TestServer.start { $0.trustedProxies = [loopback] }
        let proxy = try NginxProxy(upstreamPort: server.port)
        defer { proxy.stop() }
        try await proxy.waitUntilListening()
        let base = "http://127.0.0.1:\(proxy.port)"

        // X-Forwarded-For: nginx appends the address it saw; the server trusts
        // nginx (127.0.0.1) and walks the chain from the right.
        let plain = try await run(curl, ["-s", "\(base)/client"])
        #expect(plain.text == "127.0.0.1")
        let forwarded = try await run(curl, ["-s", "-H", "X-Forwarded-For: 203.0.113.5", "\(base)/client"])
        #expect(forwarded.text == "203.0.113.5")

        // A multipart upload with Expect: 100-continue through the proxy.
        let image = try uploadFixture()
        let bytes = [UInt8](try Data(contentsOf: image))
        let upload = try await run(curl, ["-s", "-H", "Expect: 100-continue", "-F", "image=@\(image.path);type=image/jpeg", "\(base)/upload"])
        let json = try jsonObject(upload.stdout)
        #expect(json["bytes"] as? Int == bytes.count)
        #expect(json["fnv1a"] as? String == fnv1a(bytes))

        // A chunked upload through the proxy.
        let chunked = try await run(curl, ["-s", "-H", "Transfer-Encoding: chunked", "--data-binary", "@\(image.path)", "\(base)/echo"])
        #expect(chunked.stdout == (try Data(contentsOf: image)))

        // Keep-alive on both sides: curl reuses its connection to nginx, and
        // nginx reuses its upstream connections to the server.
        let before = server.metrics.opened.withLock { $0 }
        let many = try await run(curl, ["-sv"] + Array(repeating: "\(base)/hello", count: 20))
        #expect(many.text == String(repeating: "hi", count: 20))
        #expect(many.stderr.contains("Re-using existing connection"))
        let opened = server.metrics.opened.withLock { $0 } - before
        #expect(opened <= 1, "20 proxied requests opened \(opened) upstream connections")
        await server.stop()
    }
}
