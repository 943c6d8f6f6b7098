import NeuralEngine

/// What the training loop needs from an optimizer: one update of the parameters
/// it was given (frozen ones skipped) at a learning rate, and its state as named
/// tensors for the resumable checkpoint.
public protocol TrainingOptimizer: AnyObject {
    func step(learningRate: Double)
    func stateTensors() -> [String: Tensor]
    func restore(stateTensors: [String: Tensor]) throws
}
