import Foundation
import Testing
@testable import NeuralEngine

@Suite("SHA-256")
struct SHA256Tests {
    // FIPS 180-4 example vectors (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf").
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func standardVectorsHash(message: String, digest: String) {
        #expect(SHA256.hexDigest(Array(message.utf8)) == digest)
    }

    @Test func aMillionAsHashAsSpecified() {
        #expect(SHA256.hexDigest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalUpdatesEqualOneShotAcrossBlockBoundaries() {
        var generator = SeededGenerator(seed: 3)
        let bytes = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let oneShot = SHA256.hash(bytes)
        for chunk in [1, 7, 55, 56, 63, 64, 65, 200] {
            var hasher = SHA256()
            var offset = 0
            while offset < bytes.count {
                hasher.update(bytes[offset..<min(offset + chunk, bytes.count)])
                offset += chunk
            }
            #expect(hasher.finalize() == oneShot, "chunk \(chunk)")
        }
    }

    @Test func everyLengthAroundThePaddingBoundaryMatchesPythonHashlib() throws {
        let lengths = Array(0...130)
        let script = "import hashlib, json; print(json.dumps([hashlib.sha256(bytes(i % 251 for i in range(n))).hexdigest() for n in range(131)]))"
        guard let expected = try PythonOracle.json(script) as? [String] else { return }
        for length in lengths {
            #expect(SHA256.hexDigest((0..<length).map { UInt8($0 % 251) }) == expected[length], "length \(length)")
        }
    }
}
