import Foundation
import NeuralEngine

/// The resumable state of a run, written beside `--out` after every epoch as
/// `NAME.checkpoint.safetensors`: the current weights (`model.*`), the optimizer
/// state (`optimizer.*`), and as JSON metadata the configuration, the history,
/// the best epoch so far and the run's random generator.
public struct TrainingCheckpoint: Sendable {
    public struct State: Codable, Sendable {
        public var formatVersion = 1
        /// The last completed epoch (1-based); training resumes at `epoch + 1`.
        public var epoch: Int
        public var step: Int
        public var configuration: TrainingConfiguration
        public var history: [EpochRecord]
        public var bestEpoch: Int?
        public var bestAccuracy: Double?
        public var bestEvaluation: ClassificationReport?
        /// The best epoch's temperature scaling; absent in checkpoints written before it.
        public var bestCalibration: TemperatureScaling.Fit?
        public var epochsWithoutImprovement: Int
        public var generator: SeededGenerator
        public var classNames: [String]
    }

    public var state: State
    public var modelTensors: [String: Tensor]
    public var optimizerTensors: [String: Tensor]

    static let metadataKey = "image-classifier-checkpoint"

    /// `models/x.safetensors` → `models/x.checkpoint.safetensors`.
    public static func path(besideModel model: String) -> String {
        let base = model.hasSuffix(".safetensors") ? String(model.dropLast(".safetensors".count)) : model
        return base + ".checkpoint.safetensors"
    }

    public func write(to path: String) throws {
        var tensors: [String: Tensor] = [:]
        for (name, tensor) in modelTensors { tensors["model." + name] = tensor }
        for (name, tensor) in optimizerTensors { tensors["optimizer." + name] = tensor }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json: Data
        do {
            json = try encoder.encode(state)
        } catch {
            throw TrainingError.outputNotWritable(path: path, reason: "cannot encode the checkpoint state: \(error)")
        }
        do {
            try SafetensorsFile(tensors: tensors, metadata: [Self.metadataKey: String(decoding: json, as: UTF8.self)])
                .write(to: URL(fileURLWithPath: path))
        } catch {
            throw TrainingError.outputNotWritable(path: path, reason: "\(error)")
        }
    }

    public static func read(from path: String) throws -> TrainingCheckpoint {
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TrainingError.incompatibleModel(path: path, reason: "\(error)")
        }
        guard let json = file.metadata[metadataKey] else {
            throw TrainingError.incompatibleModel(
                path: path, reason: "not a training checkpoint (a model file? resume from NAME.checkpoint.safetensors)")
        }
        let state: State
        do {
            state = try JSONDecoder().decode(State.self, from: Data(json.utf8))
        } catch {
            throw TrainingError.incompatibleModel(path: path, reason: "damaged checkpoint state: \(error)")
        }
        var model: [String: Tensor] = [:], optimizer: [String: Tensor] = [:]
        for (name, tensor) in file.tensors {
            if name.hasPrefix("model.") {
                model[String(name.dropFirst(6))] = tensor
            } else if name.hasPrefix("optimizer.") {
                optimizer[String(name.dropFirst(10))] = tensor
            }
        }
        return TrainingCheckpoint(state: state, modelTensors: model, optimizerTensors: optimizer)
    }
}
