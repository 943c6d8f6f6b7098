import Foundation
import Testing
@testable import ClassifierService

extension EndToEnd {
    /// Debian's nginx in front of the server, configured by config/nginx-classifier.conf
    /// (only the two addresses substituted), as the README tells people to deploy it.
    @Suite(.serialized, .enabled(if: Curl.isAvailable && FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx"),
                                 "needs curl and nginx"))
    struct NginxProxyTests {
        /// A free TCP port on loopback (bound, read, released).
        private func freePort() throws -> Int {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(descriptor) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                    guard bind(descriptor, pointer, length) == 0 else { return -1 }
                    return getsockname(descriptor, pointer, &length)
                }
            }
            guard bound == 0 else { throw TestFailure("cannot bind a port") }
            return Int(UInt16(bigEndian: address.sin_port))
        }

        /// Starts nginx with the example site pointed at `upstreamPort`; returns it and its port.
        private func startNginx(upstreamPort: Int, in directory: URL) async throws -> (Process, Int) {
            let port = try freePort()
            let example = TestData.packageRoot.appendingPathComponent("config/nginx-classifier.conf")
            var site = try String(contentsOf: example, encoding: .utf8)
            #expect(site.contains("server 127.0.0.1:8080;") && site.contains("listen 80;"))
            site = site.replacingOccurrences(of: "server 127.0.0.1:8080;", with: "server 127.0.0.1:\(upstreamPort);")
            site = site.replacingOccurrences(of: "listen 80;", with: "listen 127.0.0.1:\(port);")
            try site.write(to: directory.appendingPathComponent("classifier.conf"), atomically: true, encoding: .utf8)
            let path = directory.path
            let main = """
            worker_processes 1;
            pid \(path)/nginx.pid;
            error_log \(path)/error.log warn;
            events { worker_connections 256; }
            http {
                access_log \(path)/access.log;
                client_body_temp_path \(path)/client_body;
                proxy_temp_path \(path)/proxy;
                fastcgi_temp_path \(path)/fastcgi;
                uwsgi_temp_path \(path)/uwsgi;
                scgi_temp_path \(path)/scgi;
                include \(path)/classifier.conf;
            }
            """
            try main.write(to: directory.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
            // Workers may run as "nobody": let them write their temporary files.
            chmod(path, 0o777)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
            process.arguments = ["-p", path, "-c", directory.appendingPathComponent("nginx.conf").path, "-g", "daemon off;"]
            process.standardError = FileHandle.nullDevice
            try process.run()
            let up = await eventuallyAsync(timeout: 15) { (try? await Curl.get("http://127.0.0.1:\(port)/healthz").status) == 200 || !process.isRunning }
            guard up, process.isRunning else {
                let log = (try? String(contentsOf: directory.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
                throw TestFailure("nginx did not start: \(log.suffix(500))")
            }
            return (process, port)
        }

        @Test func uploadsKeepAliveAndForwardedForWorkThroughNginx() async throws {
            let directory = try makeTemporaryDirectory("nginx")
            let images = try await GeneratedImages.makeAsync(in: directory)
            let server = try TestServer()
            let version = try await server.waitUntilReady()
            let (nginx, port) = try await startNginx(upstreamPort: server.server.port, in: directory)
            defer { nginx.terminate(); nginx.waitUntilExit() }
            let proxy = "http://127.0.0.1:\(port)"

            // A multipart upload (curl sends Expect: 100-continue for it) and a raw one.
            let photo = try #require(images["rgb.jpg"])
            let upload = try await Curl.run(["-F", "image=@\(photo.path)", "-H", "X-Forwarded-For: 203.0.113.7", proxy + "/classify"])
            #expect(upload.status == 200, "\(upload)")
            #expect((upload.json?["model"] as? [String: Any])?["version"] as? String == version)
            let raw = try await Curl.post(try #require(images["alpha.png"]), to: proxy + "/classify?top_k=1", contentType: "image/png")
            #expect((raw.json?["predictions"] as? [Any])?.count == 1)

            // Our error shape and Retry-After pass through unchanged.
            let gif = try await Curl.upload(try #require(images["anim.gif"]), to: proxy + "/classify")
            #expect(gif.status == 415)
            #expect(gif.errorCode == "unsupported_format")

            // The server believed nginx (a trusted proxy) about the client's address.
            #expect(await eventuallyAsync(timeout: 5) {
                server.logLines.all.contains { $0.contains("\"client\":\"203.0.113.7\"") && $0.contains("/classify") }
            }, "access log: \(server.logLines.all.suffix(3))")

            // Three requests over one client connection: curl reports 0 new connections after the first.
            let keepAlive = Process()
            keepAlive.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            keepAlive.arguments = ["-s", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null",
                                   "-w", "%{http_code}:%{num_connects} ", proxy + "/healthz", proxy + "/readyz", proxy + "/v1/model"]
            let output = Pipe()
            keepAlive.standardOutput = output
            try keepAlive.run()
            let summary = try await offPool { () -> String in
                let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                keepAlive.waitUntilExit()
                return text
            }
            #expect(summary == "200:1 200:0 200:0 ", "\(summary)")

            // Beyond client_max_body_size nginx itself answers 413 without bothering the server.
            let big = directory.appendingPathComponent("big.bin")
            try Data(count: 21 * 1024 * 1024).write(to: big)
            let tooBig = try await Curl.post(big, to: proxy + "/classify", contentType: "image/jpeg")
            #expect(tooBig.status == 413)
            await server.stop()
        }
    }
}
