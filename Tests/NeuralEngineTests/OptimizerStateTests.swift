import Foundation
import Testing
@testable import NeuralEngine

@Suite("Optimizer state checkpoints")
struct OptimizerStateTests {
    private func stepped(_ optimizer: any Optimizer, _ problem: QuadraticProblem) {
        for _ in 0..<3 {
            problem.computeGradients()
            optimizer.step(learningRate: 0.05)
        }
    }

    @Test func statesSurviveASafetensorsFileExactly() throws {
        for make in [{ try SGD(parameters: $0, momentum: 0.9) as any Optimizer }, { try AdamW(parameters: $0) }]
            as [([(name: String, parameter: Parameter)]) throws -> any Optimizer] {
            let problem = QuadraticProblem()
            let optimizer = try make(problem.named)
            stepped(optimizer, problem)
            let bytes = try optimizer.state.safetensors().serialized()
            let read = try OptimizerState(safetensors: try SafetensorsFile(bytes: bytes, path: "state"))
            #expect(read == optimizer.state)
            let fresh = try make(problem.named)
            try fresh.restore(read)
            #expect(fresh.state == optimizer.state)
        }
    }

    @Test func pythonSeesTorchStyleStateNames() throws {
        let problem = QuadraticProblem()
        let optimizer = try AdamW(parameters: problem.named)
        stepped(optimizer, problem)
        let directory = try ModelFileFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("optimizer.safetensors")
        try optimizer.state.safetensors().write(to: url)
        let script = """
            import json, sys
            from safetensors import safe_open
            with safe_open(sys.argv[1], framework="np") as f:
                print(json.dumps({"keys": sorted(f.keys()), "metadata": f.metadata()}))
            """
        guard let result = try PythonOracle.json(script, [url.path]) as? [String: Any] else { return }
        #expect(result["keys"] as? [String] == ["adamw.exp_avg.layer.bias", "adamw.exp_avg.layer.weight",
                                                "adamw.exp_avg_sq.layer.bias", "adamw.exp_avg_sq.layer.weight"])
        let metadata = try #require(result["metadata"] as? [String: String])
        #expect(metadata["optimizer"] == "adamw")
        #expect(try JSONDecoder().decode([String: Int].self, from: Data((metadata["steps"] ?? "").utf8))
                == ["layer.weight": 3, "layer.bias": 3])
    }

    @Test func foreignFilesAreRefused() {
        #expect(throws: OptimizerError("unknown optimizer (none) in an optimizer state file")) {
            try OptimizerState(safetensors: SafetensorsFile())
        }
        #expect(throws: OptimizerError("unexpected tensor \"head.weight\" in an optimizer state file")) {
            try OptimizerState(safetensors: SafetensorsFile(tensors: ["head.weight": Tensor(zeros: [1])],
                                                            metadata: ["optimizer": "sgd"]))
        }
        #expect(throws: OptimizerError.self) {
            try OptimizerState(safetensors: SafetensorsFile(metadata: ["optimizer": "adamw", "steps": "[1]"]))
        }
    }
}
