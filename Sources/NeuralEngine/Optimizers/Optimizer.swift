/// Updates a network's trainable parameters from their gradients.
///
/// Optimizers take the list from `Layer.namedParameters()`, keep buffers out for good,
/// and skip parameters that are frozen at the time of each step (so a backbone can be
/// unfrozen mid-training). Their state is keyed by dotted parameter name, so that a
/// checkpoint restores into a freshly built network.
public protocol Optimizer: AnyObject {
    /// The trainable parameters it updates (buffers excluded), in network order.
    var parameters: [(name: String, parameter: Parameter)] { get }

    /// One update with this learning rate (from a `LearningRateSchedule`).
    /// Does not zero the gradients.
    func step(learningRate: Float)

    /// The state to checkpoint for resuming training exactly.
    var state: OptimizerState { get }

    /// Restores a checkpointed state; throws if it is for another optimizer or
    /// names parameters or sizes this network does not have.
    func restore(_ state: OptimizerState) throws(OptimizerError)
}

extension Optimizer {
    /// Zeroes the gradients of every parameter this optimizer updates.
    public func zeroGradients() {
        for (_, parameter) in parameters { parameter.gradient.zero() }
    }
}

/// The resumable state of any optimizer, Codable for checkpoints.
public enum OptimizerState: Codable, Sendable, Equatable {
    case sgd(SGD.State)
    case adamW(AdamW.State)
}

public struct OptimizerError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { "optimizer: \(message)" }
}

/// Which parameters weight decay applies to.
public enum WeightDecayFilter: String, Codable, Sendable, CaseIterable {
    /// Every trainable parameter (PyTorch's default for a single parameter group).
    case all
    /// Only parameters of rank ≥ 2 (convolution and dense weights), not biases or
    /// BatchNorm scales and shifts: the common practice (Goyal et al. 2017, §5.1;
    /// "bag of tricks", He et al. 2019, §3.1 "no bias decay").
    case weightsOnly = "weights-only"

    func applies(to parameter: Parameter) -> Bool {
        switch self {
        case .all: true
        case .weightsOnly: parameter.value.rank >= 2
        }
    }
}

extension Optimizer {
    /// The trainable entries of a parameter list, after checking names are unique.
    static func trainableEntries(
        _ parameters: [(name: String, parameter: Parameter)]
    ) throws(OptimizerError) -> [(name: String, parameter: Parameter)] {
        var seen = Set<String>()
        for (name, _) in parameters where !seen.insert(name).inserted {
            throw OptimizerError("parameter name \"\(name)\" appears twice")
        }
        return parameters.filter { $0.parameter.kind == .trainable }
    }

    /// Checks that checkpointed per-parameter arrays name known parameters with the
    /// right element counts.
    static func validate(_ slots: [String: [Float]], kind: String,
                         against parameters: [(name: String, parameter: Parameter)]) throws(OptimizerError) {
        let counts = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.parameter.value.count) })
        for (name, values) in slots {
            guard let count = counts[name] else {
                throw OptimizerError("checkpointed \(kind) for \"\(name)\", which this network does not train")
            }
            guard values.count == count else {
                throw OptimizerError("checkpointed \(kind) for \"\(name)\" has \(values.count) values, the parameter has \(count)")
            }
        }
    }
}
