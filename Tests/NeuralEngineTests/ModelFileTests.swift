import Foundation
import Testing
@testable import NeuralEngine

@Suite("Model file")
struct ModelFileTests {
    let input = Tensor(shape: [2, 3], scalars: [0.5, -1, 2, 3, 0.25, -0.75])

    private func loadError(_ bytes: [UInt8]) -> ModelFileError? {
        do {
            _ = try ModelFile.load(bytes: bytes, path: "/models/bad.safetensors")
            return nil
        } catch {
            return error
        }
    }

    /// A valid model file's container with one tensor or metadata entry changed.
    private func tampered(_ change: (inout SafetensorsFile) -> Void) throws -> [UInt8] {
        let network = ModelFileFixtures.network(seed: 1)
        var tensors: [String: Tensor] = [:]
        for (name, parameter) in network.namedParameters() { tensors[name] = parameter.value }
        var file = SafetensorsFile(tensors: tensors, metadata: try ModelFileFixtures.metadataStrings())
        change(&file)
        return try file.serialized()
    }

    @Test func saveThenLoadGivesIdenticalLogits() throws {
        let directory = try ModelFileFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        let trained = ModelFileFixtures.network(seed: 1)
        try ModelFile.save(network: trained, metadata: ModelFileFixtures.metadata, to: url)

        let loaded = try ModelFile.load(from: url)
        #expect(loaded.metadata == ModelFileFixtures.metadata)
        #expect(loaded.path == url.path)
        let fresh = ModelFileFixtures.network(seed: 2)
        #expect(fresh.forward(input, training: false) != trained.forward(input, training: false))
        try loaded.apply(to: fresh)
        #expect(fresh.forward(input, training: false) == trained.forward(input, training: false))
        #expect(fresh.namedParameters().map(\.parameter.value) == trained.namedParameters().map(\.parameter.value))
        // Only the model file is left in the directory: the temporary file was renamed.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
    }

    @Test func pythonSafetensorsSeesEveryParameterAndTheMetadata() throws {
        let directory = try ModelFileFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        let network = ModelFileFixtures.network(seed: 3)
        try ModelFile.save(network: network, metadata: ModelFileFixtures.metadata, to: url)
        let script = """
            import json, sys
            from safetensors import safe_open
            from safetensors.numpy import load_file
            tensors = load_file(sys.argv[1])
            with safe_open(sys.argv[1], framework="np") as f:
                metadata = f.metadata()
            print(json.dumps({"metadata": metadata, "architecture": json.loads(metadata["architecture"]),
                "labels": json.loads(metadata["labels"]), "preprocessing": json.loads(metadata["preprocessing"]),
                "provenance": json.loads(metadata["provenance"]),
                "tensors": {n: {"shape": list(t.shape), "values": t.ravel().astype(float).tolist()} for n, t in tensors.items()}}))
            """
        guard let result = try PythonOracle.json(script, [url.path]) as? [String: Any] else { return }
        let metadata = try #require(result["metadata"] as? [String: String])
        #expect(metadata["format"] == "image-classifier")
        #expect(metadata["format_version"] == "1")
        #expect(result["labels"] as? [String] == ["ants", "bees/wasps"])
        let architecture = try #require(result["architecture"] as? [String: Any])
        #expect(architecture["classCount"] as? Int == 2)
        #expect(architecture["preset"] as? String == "test")
        let preprocessing = try #require(result["preprocessing"] as? [String: Any])
        #expect(preprocessing["resize"] as? String == "shorter-side")
        let provenance = try #require(result["provenance"] as? [String: Any])
        #expect(provenance["arguments"] as? [String] == ["--epochs", "3"])

        let tensors = try #require(result["tensors"] as? [String: [String: Any]])
        let expected = network.namedParameters()
        #expect(Set(tensors.keys) == Set(expected.map(\.name)))
        #expect(tensors.keys.contains("stem.running_scale"))
        for (name, parameter) in expected {
            #expect(tensors[name]?["shape"] as? [Int] == parameter.value.shape)
            let values = (tensors[name]?["values"] as? [Double] ?? []).map { Float($0) }
            #expect(values == parameter.value.scalars, "\(name)")
        }
    }

    @Test func aModelWrittenByPythonLoadsAndApplies() throws {
        let directory = try ModelFileFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("python.safetensors")
        let network = ModelFileFixtures.network(seed: 4)
        let metadataJSON = String(decoding: try JSONEncoder().encode(try ModelFileFixtures.metadataStrings()), as: UTF8.self)
        let script = """
            import json, sys, numpy as np
            from safetensors.numpy import save_file
            shapes = json.loads(sys.argv[2])
            tensors = {n: (np.arange(np.prod(s), dtype=np.float32).reshape(s) + 0.5) / 8 for n, s in shapes.items()}
            save_file(tensors, sys.argv[1], metadata=json.loads(sys.argv[3]))
            print("{}")
            """
        var shapes: [String: [Int]] = [:]
        for (name, parameter) in network.namedParameters() { shapes[name] = parameter.value.shape }
        let shapesJSON = String(decoding: try JSONEncoder().encode(shapes), as: UTF8.self)
        guard try PythonOracle.json(script, [url.path, shapesJSON, metadataJSON]) != nil else { return }

        let loaded = try ModelFile.load(from: url)
        #expect(loaded.metadata == ModelFileFixtures.metadata)
        try loaded.apply(to: network)
        for (name, parameter) in network.namedParameters() {
            #expect(parameter.value.scalars == (0..<parameter.value.count).map { (Float($0) + 0.5) / 8 }, "\(name)")
        }
    }

    @Test func theVersionIsTheSHA256PrefixOfTheFileBytes() throws {
        let directory = try ModelFileFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = directory.appendingPathComponent("first.safetensors")
        let second = directory.appendingPathComponent("second.safetensors")
        try ModelFile.save(network: ModelFileFixtures.network(seed: 5), metadata: ModelFileFixtures.metadata, to: first)
        try ModelFile.save(network: ModelFileFixtures.network(seed: 5), metadata: ModelFileFixtures.metadata, to: second)
        let loaded = try ModelFile.load(from: first)
        #expect(loaded.version.count == 12)
        #expect(loaded.version == String(loaded.sha256.prefix(12)))
        #expect(try ModelFile.load(from: second).version == loaded.version)  // saving is deterministic

        let script = "import hashlib, json, sys; print(json.dumps(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest()))"
        guard let digest = try PythonOracle.json(script, [first.path]) as? String else { return }
        #expect(loaded.sha256 == digest)

        try ModelFile.save(network: ModelFileFixtures.network(seed: 6), metadata: ModelFileFixtures.metadata, to: first)
        #expect(try ModelFile.load(from: first).version != loaded.version)
    }

    // MARK: Refusals

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteWeightsAreRefusedOnLoad(value: Float) throws {
        let bytes = try tampered { $0.tensors["head.bias"]!.scalars[1] = value }
        let error = try #require(loadError(bytes))
        #expect(error.reason == .nonFiniteValue(tensor: "head.bias", index: 1, value: value) || value.isNaN)
        #expect(error.description.contains(#"tensor "head.bias" holds \#(value) at index 1; weights must be finite"#))
    }

    @Test func nonFiniteWeightsAreRefusedOnSaveAndTheOldFileIsKept() throws {
        let directory = try ModelFileFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        let network = ModelFileFixtures.network(seed: 1)
        try ModelFile.save(network: network, metadata: ModelFileFixtures.metadata, to: url)
        let before = try ModelFile.load(from: url).version
        network.namedParameters()[0].parameter.value.scalars[0] = .nan
        #expect(throws: ModelFileError.self) {
            try ModelFile.save(network: network, metadata: ModelFileFixtures.metadata, to: url)
        }
        #expect(try ModelFile.load(from: url).version == before)
    }

    @Test func aFileWithoutOurFormatIsNamedAsForeign() throws {
        let missing = try tampered { $0.metadata["format"] = nil }
        #expect(loadError(missing)?.description.contains(#"__metadata__ has no "format""#) == true)
        #expect(loadError(missing)?.description.contains("not an ImageClassifier model file") == true)
        let pytorch = try tampered { $0.metadata = ["format": "pt"] }
        #expect(loadError(pytorch)?.description == #"model file /models/bad.safetensors: the format is "pt", expected "image-classifier"; this is not an ImageClassifier model file — train one with classifier-train"#)
    }

    @Test func aNewerFormatVersionSaysWhatWasFoundAndWhatToDo() throws {
        let newer = try tampered { $0.metadata["format_version"] = "2" }
        let message = try #require(loadError(newer)).description
        #expect(message.contains("format_version 2 is newer than this build reads (up to 1); upgrade ImageClassifier"))
        let garbled = try tampered { $0.metadata["format_version"] = "one" }
        #expect(loadError(garbled)?.reason == .invalidMetadata(key: "format_version", detail: #""one" is not a version number"#))
    }

    @Test func invalidMetadataJSONNamesTheKey() throws {
        let broken = try tampered { $0.metadata["architecture"] = "{\"family\": 3" }
        #expect(loadError(broken)?.description.contains(#"__metadata__ "architecture" is invalid"#) == true)
        let wrongCount = try tampered { $0.metadata["labels"] = #"["only-one"]"# }
        #expect(loadError(wrongCount)?.description.contains("1 labels for an architecture with 2 classes") == true)
    }

    @Test func shapesThatDoNotMatchTheArchitectureAreRefusedAndNothingIsChanged() throws {
        let bytes = try tampered { _ in }
        let loaded = try ModelFile.load(bytes: bytes, path: "/models/m.safetensors")
        let wider = ModelFileFixtures.network(seed: 9, hidden: 5)
        let before = wider.namedParameters().map(\.parameter.value)
        do {
            try loaded.apply(to: wider)
            Issue.record("a mismatched file was applied")
        } catch {
            #expect(error.description.hasPrefix("model file /models/m.safetensors: tensors do not match the architecture"))
            #expect(error.description.contains("wrong shape stem.weight (file [4, 3], network [5, 3])"))
            #expect(error.description.contains("head.weight (file [2, 4], network [2, 5])"))
        }
        #expect(wider.namedParameters().map(\.parameter.value) == before)
    }

    @Test func missingAndUnexpectedTensorsAreNamed() throws {
        let bytes = try tampered {
            $0.tensors["head.bias"] = nil
            $0.tensors["head.extra"] = Tensor(zeros: [1])
        }
        let loaded = try ModelFile.load(bytes: bytes, path: "m")
        #expect(throws: ModelFileError(path: "m", reason: .architectureMismatch(
            missing: ["head.bias"], unexpected: ["head.extra"], wrongShapes: []))) {
            try loaded.apply(to: ModelFileFixtures.network(seed: 1))
        }
    }

    @Test func aMissingFileReportsErrno() {
        do {
            _ = try ModelFile.load(from: URL(fileURLWithPath: "/nonexistent/model.safetensors"))
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.description == "model file /nonexistent/model.safetensors: cannot open: No such file or directory (errno 2)")
        }
    }

    @Test func aDirectoryIsNotAModelFile() throws {
        let directory = try ModelFileFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: ModelFileError(path: directory.path, reason: .io("not a regular file"))) {
            try ModelFile.load(from: directory)
        }
    }

    @Test func savingIntoAMissingDirectoryFailsCleanly() {
        let url = URL(fileURLWithPath: "/nonexistent-\(getpid())/model.safetensors")
        do {
            try ModelFile.save(network: ModelFileFixtures.network(seed: 1), metadata: ModelFileFixtures.metadata, to: url)
            Issue.record("saved into a missing directory")
        } catch {
            #expect(error.description.contains("cannot create"))
            #expect(error.description.contains("No such file or directory"))
        }
    }
}
