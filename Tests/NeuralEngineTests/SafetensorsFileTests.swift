import Foundation
import Testing
@testable import NeuralEngine

@Suite("Safetensors container")
struct SafetensorsFileTests {
    static let sample = SafetensorsFile(
        tensors: [
            "b.weight": Tensor(shape: [2, 3], scalars: [1, -2, 3.5, .pi, -0.0, 1e-30]),
            "a": Tensor(shape: [4], scalars: [0.1, 0.2, 0.3, 0.4]),
            "empty": Tensor(zeros: [0, 5]),
            "scalar": Tensor(shape: [], scalars: [42]),
        ],
        metadata: ["format": "test", "note": "ünïcode / \"quoted\""])

    private func parseError(_ bytes: [UInt8]) -> ModelFileError? {
        do {
            _ = try SafetensorsFile(bytes: bytes, path: "/models/bad.safetensors")
            return nil
        } catch {
            return error
        }
    }

    @Test func writtenBytesReadBackIdentically() throws {
        let bytes = try Self.sample.serialized()
        let read = try SafetensorsFile(bytes: bytes, path: "memory")
        #expect(read == Self.sample)
    }

    @Test func headerIsPaddedSoThatDataStartsEightByteAligned() throws {
        let bytes = try Self.sample.serialized()
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
        #expect(bytes[8] == UInt8(ascii: "{"))
        // Tensors are packed in name order: "a" first, at offset 0.
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        #expect(header.contains(#""a":{"data_offsets":[0,16]"#))
        #expect(bytes.count == 8 + headerLength + 4 * (6 + 4 + 0 + 1))
    }

    @Test func pythonSafetensorsReadsOurFileWithItsTensorsAndMetadata() throws {
        let directory = try ModelFileFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("ours.safetensors")
        try Self.sample.write(to: url)
        let script = """
            import json, sys
            from safetensors import safe_open
            from safetensors.numpy import load_file
            tensors = load_file(sys.argv[1])
            with safe_open(sys.argv[1], framework="np") as f:
                metadata = f.metadata()
            print(json.dumps({"metadata": metadata, "tensors": {name: {"dtype": str(t.dtype),
                "shape": list(t.shape), "values": t.ravel().astype(float).tolist()} for name, t in tensors.items()}}))
            """
        guard let result = try PythonOracle.json(script, [url.path]) as? [String: Any] else { return }
        #expect(result["metadata"] as? [String: String] == Self.sample.metadata)
        let tensors = try #require(result["tensors"] as? [String: [String: Any]])
        #expect(Set(tensors.keys) == Set(Self.sample.tensors.keys))
        for (name, expected) in Self.sample.tensors {
            let tensor = try #require(tensors[name])
            #expect(tensor["dtype"] as? String == "float32")
            #expect(tensor["shape"] as? [Int] == expected.shape, "\(name)")
            let values = (tensor["values"] as? [Double] ?? []).map { Float($0) }
            #expect(values.map(\.bitPattern) == expected.scalars.map(\.bitPattern), "\(name)")
        }
    }

    @Test func weReadAFileWrittenByPythonSafetensors() throws {
        let directory = try ModelFileFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("python.safetensors")
        let script = """
            import sys, numpy as np
            from safetensors.numpy import save_file
            save_file({"layer.weight": np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7,
                       "layer.bias": np.array([-1.5, np.float32(1e-38), 3e38], dtype=np.float32),
                       "scalar": np.array(2.25, dtype=np.float32)},
                      sys.argv[1], metadata={"format": "pt", "origin": "python"})
            print("{}")
            """
        guard try PythonOracle.json(script, [url.path]) != nil else { return }
        let file = try SafetensorsFile(contentsOf: url)
        #expect(file.metadata == ["format": "pt", "origin": "python"])
        #expect(file.tensorNames == ["layer.bias", "layer.weight", "scalar"])
        let weight = try #require(file.tensors["layer.weight"])
        #expect(weight.shape == [2, 3, 4])
        #expect(weight.scalars == (0..<24).map { Float($0) / 7 })
        #expect(file.tensors["layer.bias"]?.scalars == [-1.5, 1e-38, 3e38])
        #expect(file.tensors["scalar"] == Tensor(shape: [], scalars: [2.25]))
    }

    // MARK: Damaged and crafted files

    @Test func anEmptyFileIsRefused() {
        let error = parseError([])
        #expect(error?.description == "model file /models/bad.safetensors: the file is empty (0 bytes); a safetensors file starts with an 8-byte header length")
    }

    @Test func aFileShorterThanTheHeaderLengthFieldIsRefused() {
        #expect(parseError([1, 2, 3, 4, 5])?.description.contains("only 5 bytes, shorter than the 8-byte header length") == true)
    }

    @Test func aHeaderLengthBiggerThanTheFileIsRefused() throws {
        let good = try Self.sample.serialized()
        var bytes = good
        bytes.replaceSubrange(0..<8, with: (0..<8).map { UInt8(truncatingIfNeeded: (good.count + 100) >> (8 * $0)) })
        let message = try #require(parseError(bytes)).description
        #expect(message.contains("/models/bad.safetensors"))
        #expect(message.contains("header length \(good.count + 100) is bigger than the file (\(good.count) bytes)"))
    }

    @Test func anAbsurdHeaderLengthIsRefusedWithoutAllocating() {
        let bytes = ModelFileFixtures.crafted(header: "{}", data: [], headerLength: UInt64.max)
        #expect(parseError(bytes)?.reason == .headerLengthAbsurd(headerLength: UInt64.max, limit: 100_000_000))
        #expect(parseError(bytes)?.description.contains("absurd") == true)
    }

    @Test func aTruncatedFileIsRefused() throws {
        let good = try Self.sample.serialized()
        let message = try #require(parseError(Array(good.dropLast(6)))).description
        #expect(message.contains("the file is truncated: its tensors need 44 bytes of data but only 38 follow the header"))
    }

    @Test func bytesAfterTheLastTensorAreRefused() throws {
        let good = try Self.sample.serialized()
        #expect(parseError(good + [0, 0, 0])?.reason == .trailingBytes(count: 3))
    }

    @Test func garbageIsRefused() {
        var generator = SeededGenerator(seed: 7)
        let garbage = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        #expect(parseError(garbage) != nil)
        // A plausible length followed by garbage reaches the JSON parser.
        let plausible = ModelFileFixtures.crafted(header: "{\"a\": [1, 2,,", data: [])
        #expect(parseError(plausible)?.description.contains("the header is not valid safetensors JSON") == true)
        let notJSON = ModelFileFixtures.crafted(header: "PK\u{03}\u{04}", data: [])
        #expect(parseError(notJSON)?.description.contains("does not start with a JSON object") == true)
    }

    @Test func deeplyNestedJSONIsRefusedWithoutExhaustingTheStack() {
        let nested = ModelFileFixtures.crafted(
            header: "{\"a\": " + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000) + "}", data: [])
        #expect(parseError(nested)?.description.contains("not valid safetensors JSON") == true)
    }

    @Test func dtypesOtherThanF32AreRefused() {
        let bytes = ModelFileFixtures.crafted(
            header: #"{"w": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0])
        #expect(parseError(bytes)?.description.contains(#"tensor "w" has dtype F16; only F32 is supported"#) == true)
    }

    @Test func offsetsThatDoNotMatchTheShapeAreRefused() {
        let bytes = ModelFileFixtures.crafted(
            header: #"{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#, data: Array(repeating: 0, count: 8))
        #expect(parseError(bytes)?.description.contains("spans 8 bytes but shape [3] needs 12") == true)
    }

    @Test func overlappingAndGappedOffsetsAreRefused() {
        let data = [UInt8](repeating: 0, count: 12)
        let overlapping = ModelFileFixtures.crafted(header: """
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}
            """, data: data)
        #expect(parseError(overlapping)?.description.contains(#"tensor "b" has invalid data_offsets: [4, 12] overlaps"#) == true)
        let gapped = ModelFileFixtures.crafted(header: """
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
             "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}
            """, data: data)
        #expect(parseError(gapped)?.description.contains("leaves a hole after byte 4") == true)
        let outOfBounds = ModelFileFixtures.crafted(
            header: #"{"a": {"dtype": "F32", "shape": [1000000000], "data_offsets": [0, 4000000000]}}"#, data: data)
        #expect(parseError(outOfBounds)?.reason == .truncated(needed: 4_000_000_000, available: 12))
    }

    @Test func negativeOrOverflowingShapesAreRefused() {
        let negative = ModelFileFixtures.crafted(
            header: #"{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]}}"#, data: [])
        #expect(parseError(negative)?.reason == .invalidShape(tensor: "a", shape: [-1]))
        let huge = ModelFileFixtures.crafted(
            header: #"{"a": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}}"#, data: [])
        #expect(parseError(huge)?.description.contains("invalid shape") == true)
        let negativeOffset = ModelFileFixtures.crafted(
            header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}"#, data: [])
        #expect(parseError(negativeOffset)?.description.contains("is not a byte range") == true)
    }

    @Test func nonStringMetadataIsRefused() {
        let bytes = ModelFileFixtures.crafted(header: #"{"__metadata__": {"format_version": 1}}"#, data: [])
        let message = parseError(bytes)?.description ?? ""
        #expect(message.contains("not valid safetensors JSON"))
        #expect(message.contains("__metadata__"))
    }

    @Test func randomlyDamagedFilesNeverCrash() throws {
        let good = try Self.sample.serialized()
        var generator = SeededGenerator(seed: 11)
        var refused = 0
        for _ in 0..<2000 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0...255, using: &generator)
            }
            if Bool.random(using: &generator) {
                bytes.removeLast(Int.random(in: 0..<bytes.count, using: &generator))
            }
            if parseError(bytes) != nil { refused += 1 }
        }
        #expect(refused > 1000)  // most damage is detected; the rest lands in tensor data
    }
}
