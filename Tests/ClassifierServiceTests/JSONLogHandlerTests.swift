import Foundation
import Logging
import Testing
@testable import ClassifierService

@Suite struct JSONLogHandlerTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [String] = []
        func append(_ line: String) { lock.lock(); storage.append(line); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return storage }
    }

    @Test func eachEntryIsOneParseableJSONObjectWithMetadata() throws {
        let lines = Lines()
        var logger = Logger(label: "test") { label in JSONLogHandler(label: label, sink: LogSink { lines.append($0) }) }
        logger[metadataKey: "request_id"] = "abc"
        logger.info("model \"loaded\"\nsecond line", metadata: ["port": .stringConvertible(8080), "ok": .stringConvertible(true),
                                                                "tags": .array(["a", "b"])])
        #expect(lines.all.count == 1)
        let line = try #require(lines.all.first)
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false)
        let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == "model \"loaded\"\nsecond line")
        #expect(object["level"] as? String == "info")
        #expect(object["logger"] as? String == "test")
        #expect(object["request_id"] as? String == "abc")
        #expect((object["port"] as? NSNumber)?.intValue == 8080)
        #expect(object["tags"] as? [String] == ["a", "b"])
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
    }
}
