/// Counts of (true class, predicted class). Rows are the true class, columns the
/// prediction, as scikit-learn's `confusion_matrix`.
public struct ConfusionMatrix: Codable, Sendable, Equatable {
    public let classCount: Int
    /// Row-major, `counts[actual * classCount + predicted]`.
    public private(set) var counts: [Int]

    public init(classCount: Int) {
        self.classCount = classCount
        counts = [Int](repeating: 0, count: classCount * classCount)
    }

    public mutating func add(actual: Int, predicted: Int) {
        counts[actual * classCount + predicted] += 1
    }

    public subscript(actual: Int, predicted: Int) -> Int { counts[actual * classCount + predicted] }

    public var total: Int { counts.reduce(0, +) }
    public var correct: Int { (0..<classCount).reduce(0) { $0 + self[$1, $1] } }
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Images whose true class is `c`.
    public func support(_ c: Int) -> Int { (0..<classCount).reduce(0) { $0 + self[c, $1] } }
    /// Images predicted as `c`.
    public func predictedCount(_ c: Int) -> Int { (0..<classCount).reduce(0) { $0 + self[$1, c] } }
}
