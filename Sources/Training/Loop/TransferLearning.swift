import Foundation
import NeuralEngine

/// `--init-from`: starts a network from an existing model's weights. The backbone
/// is copied whole; the head is copied when the classes are the same, and
/// otherwise rebuilt, keeping the rows of classes both models share (by name).
public enum TransferLearning {
    public struct Outcome: Sendable {
        /// One line per new class: "bees ← bees (row 1)" or "wasps: new".
        public var mapping: [String]
        public var headReplaced: Bool
    }

    public static func load(_ path: String) throws -> LoadedModel {
        do {
            return try ModelFile.load(from: URL(fileURLWithPath: path))
        } catch {
            throw TrainingError.incompatibleModel(path: path, reason: "\(error)")
        }
    }

    /// The new network's spec: the base model's architecture with `classes` outputs.
    public static func spec(from base: LoadedModel, classes: Int) -> ArchitectureSpec {
        var spec = base.metadata.architecture
        spec.classCount = classes
        return spec
    }

    public static func apply(_ base: LoadedModel, to network: Network, classNames: [String]) throws -> Outcome {
        let baseLabels = base.metadata.labels
        if baseLabels == classNames {
            do {
                try base.apply(to: network)
            } catch {
                throw TrainingError.incompatibleModel(path: base.path, reason: "\(error)")
            }
            return Outcome(mapping: classNames.map { "\($0) ← \($0)" }, headReplaced: false)
        }
        // Backbone: every parameter except the head's must be present with its shape.
        var problems: [String] = []
        for (name, parameter) in network.backbone.namedParameters() {
            guard let tensor = base.tensors[name] else { problems.append("missing \(name)"); continue }
            guard tensor.shape == parameter.value.shape else {
                problems.append("\(name) has shape \(tensor.shape), expected \(parameter.value.shape)")
                continue
            }
        }
        guard problems.isEmpty else {
            throw TrainingError.incompatibleModel(path: base.path, reason: problems.prefix(3).joined(separator: "; "))
        }
        for (name, parameter) in network.backbone.namedParameters() {
            if let tensor = base.tensors[name] { parameter.value = tensor }
        }
        // Head: keep the trained row of each class the base model knew.
        var mapping: [String] = []
        let features = network.head.inFeatures
        if let oldWeight = base.tensors["head.weight"], let oldBias = base.tensors["head.bias"],
           oldWeight.shape.count == 2, oldWeight.shape[1] == features {
            for (row, name) in classNames.enumerated() {
                if let oldRow = baseLabels.firstIndex(of: name), oldRow < oldWeight.shape[0] {
                    for j in 0..<features {
                        network.head.weight.value.scalars[row * features + j] = oldWeight.scalars[oldRow * features + j]
                    }
                    network.head.bias.value.scalars[row] = oldBias.scalars[oldRow]
                    mapping.append("\(name) ← \(baseLabels[oldRow]) (kept)")
                } else {
                    mapping.append("\(name): new")
                }
            }
        } else {
            mapping = classNames.map { "\($0): new" }
        }
        return Outcome(mapping: mapping, headReplaced: true)
    }
}
