import Foundation
import Testing
@testable import HTTPKit

let python3Path = findExecutable("python3")

/// http.client for exact keep-alive behaviour; requests for multipart, chunked
/// generator uploads and forms, as Python programs would call the service.
let pythonClientScript = #"""
import http.client, json, sys
port, image = int(sys.argv[1]), sys.argv[2]
base = f"http://127.0.0.1:{port}"
out = {}
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
hello = []
for _ in range(3):
    c.request("GET", "/hello")
    r = c.getresponse()
    hello.append([r.status, r.read().decode()])
out["hello"] = hello
c.request("POST", "/echo", body=b"x" * 100000, headers={"Content-Type": "application/octet-stream"})
r = c.getresponse(); out["echo_len"] = len(r.read())
c.request("HEAD", "/hello")
r = c.getresponse(); out["head"] = [r.status, r.getheader("Content-Length"), len(r.read())]
c.request("GET", "/missing")
r = c.getresponse(); out["missing"] = [r.status, json.loads(r.read())]
c.request("DELETE", "/hello")
r = c.getresponse(); out["delete"] = [r.status, r.getheader("Allow")]; r.read()
c.close()
try:
    import requests
except ImportError:
    print(json.dumps(out)); sys.exit(0)
s = requests.Session()
with open(image, "rb") as f:
    r = s.post(base + "/upload", files={"image": ("ant photo.jpg", f, "image/jpeg")}, data={"title": "Ants"})
out["upload"] = [r.status_code, r.json()]
def gen():
    yield b"abc"
    yield b"def"
r = s.post(base + "/echo", data=gen())
out["chunked"] = [r.status_code, r.text]
out["stream"] = s.get(base + "/stream").text
out["form"] = s.post(base + "/form", data={"name": "J\u00fcrgen K", "x": "1&2"}).text
print(json.dumps(out))
"""#

@Suite(.serialized, .enabled(if: python3Path != nil, "python3 is not installed"))
struct PythonClientTests {
    @Test func httpClientAndRequestsTalkToTheServer() async throws {
        let server = try TestServer.start()
        let image = try uploadFixture()
        let bytes = [UInt8](try Data(contentsOf: image))
        let result = try await run(python3Path ?? "python3", ["-c", pythonClientScript, String(server.port), image.path])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try jsonObject(result.stdout)
        #expect((json["hello"] as? [[Any]])?.map { "\($0[0]) \($0[1])" } == ["200 hi", "200 hi", "200 hi"])
        #expect(json["echo_len"] as? Int == 100_000)
        #expect((json["head"] as? [Any]).map { "\($0)" } == "\([200, "2", 0] as [Any])")
        let missing = try #require(json["missing"] as? [Any])
        #expect(missing[0] as? Int == 404)
        #expect(((missing[1] as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "not_found")
        #expect((json["delete"] as? [Any])?.last as? String == "GET, HEAD, OPTIONS")

        let upload = try #require(json["upload"] as? [Any], "requests is not installed: \(result.text)")
        #expect(upload[0] as? Int == 200)
        let file = try #require(upload[1] as? [String: Any])
        #expect(file["bytes"] as? Int == bytes.count)
        #expect(file["fnv1a"] as? String == fnv1a(bytes))
        #expect(file["filename"] as? String == "ant photo.jpg")
        #expect((file["fields"] as? [String: String])?["title"] == "Ants")
        #expect((json["chunked"] as? [Any])?.last as? String == "abcdef")
        #expect(json["stream"] as? String == (0..<5).map { "part \($0)\n" }.joined())
        #expect(json["form"] as? String == "name=Jürgen K;x=1&2")
        // One connection for http.client, one for the requests session.
        #expect(server.metrics.opened.withLock { $0 } == 2)
        await server.stop()
    }
}
