import Foundation

/// Optimizer state as a safetensors container, for training checkpoints: moments of
/// a ResNet-50 are 50 M floats, far too many for JSON. Tensor names follow PyTorch's
/// state keys so the file reads naturally in Python:
///
///     sgd.momentum_buffer.<parameter>    (count)
///     adamw.exp_avg.<parameter>          (count)
///     adamw.exp_avg_sq.<parameter>       (count)
///     __metadata__: optimizer = "sgd" | "adamw", steps = JSON {parameter: step}
extension OptimizerState {
    public func safetensors() -> SafetensorsFile {
        func flat(_ values: [Float]) -> Tensor { Tensor(shape: [values.count], scalars: values) }
        var file = SafetensorsFile()
        switch self {
        case .sgd(let state):
            file.metadata["optimizer"] = "sgd"
            for (name, buffer) in state.momentumBuffers { file.tensors["sgd.momentum_buffer.\(name)"] = flat(buffer) }
        case .adamW(let state):
            file.metadata["optimizer"] = "adamw"
            let steps = (try? JSONEncoder().encode(state.steps)).map { String(decoding: $0, as: UTF8.self) }
            file.metadata["steps"] = steps ?? "{}"
            for (name, moment) in state.firstMoments { file.tensors["adamw.exp_avg.\(name)"] = flat(moment) }
            for (name, moment) in state.secondMoments { file.tensors["adamw.exp_avg_sq.\(name)"] = flat(moment) }
        }
        return file
    }

    /// Reads what `safetensors()` wrote; `restore` then checks names and sizes
    /// against the network.
    public init(safetensors file: SafetensorsFile) throws(OptimizerError) {
        func slots(_ prefix: String) -> [String: [Float]] {
            var result: [String: [Float]] = [:]
            for (name, tensor) in file.tensors where name.hasPrefix(prefix) {
                result[String(name.dropFirst(prefix.count))] = tensor.scalars
            }
            return result
        }
        let known = ["sgd.momentum_buffer.", "adamw.exp_avg.", "adamw.exp_avg_sq."]
        if let stray = file.tensors.keys.sorted().first(where: { name in !known.contains { name.hasPrefix($0) } }) {
            throw OptimizerError("unexpected tensor \"\(stray)\" in an optimizer state file")
        }
        switch file.metadata["optimizer"] {
        case "sgd":
            self = .sgd(SGD.State(momentumBuffers: slots("sgd.momentum_buffer.")))
        case "adamw":
            guard let text = file.metadata["steps"],
                  let steps = try? JSONDecoder().decode([String: Int].self, from: Data(text.utf8)) else {
                throw OptimizerError("an AdamW state file needs \"steps\" metadata as a JSON object of integers")
            }
            self = .adamW(AdamW.State(steps: steps, firstMoments: slots("adamw.exp_avg."),
                                      secondMoments: slots("adamw.exp_avg_sq.")))
        case let other:
            throw OptimizerError("unknown optimizer \(other.map { "\"\($0)\"" } ?? "(none)") in an optimizer state file")
        }
    }
}
