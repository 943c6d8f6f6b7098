/// Why a batch cannot go through an `InferenceNetwork`.
public enum InferenceError: Error, CustomStringConvertible, Equatable {
    case wrongInputShape(expected: [Int], got: [Int])
    case nonFiniteInput

    public var description: String {
        switch self {
        case .wrongInputShape(let expected, let got):
            return "input batch has shape \(got); the model expects (N, \(expected.map(String.init).joined(separator: ", "))) with N ≥ 1"
        case .nonFiniteInput:
            return "input batch contains NaN or infinity"
        }
    }
}
