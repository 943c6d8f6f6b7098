import Foundation

/// Per-class precision, recall, F1 and support, with macro and weighted averages,
/// as scikit-learn's `classification_report` (0 where a ratio is undefined, as its
/// `zero_division=0`).
public struct ClassificationReport: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        public var name: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var support: Int
    }

    public var rows: [Row]
    public var accuracy: Double
    /// Fraction of images whose true class is among the 5 highest scores; nil for 5 classes or fewer.
    public var top5Accuracy: Double?
    public var macroAverage: Row
    public var weightedAverage: Row
    public var confusion: ConfusionMatrix
    public var loss: Double?

    public init(confusion: ConfusionMatrix, classNames: [String], top5Accuracy: Double? = nil, loss: Double? = nil) {
        var rows: [Row] = []
        for c in 0..<confusion.classCount {
            let truePositives = Double(confusion[c, c])
            let predicted = Double(confusion.predictedCount(c))
            let support = confusion.support(c)
            let precision = predicted == 0 ? 0 : truePositives / predicted
            let recall = support == 0 ? 0 : truePositives / Double(support)
            let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            let name = c < classNames.count ? classNames[c] : String(c)
            rows.append(Row(name: name, precision: precision, recall: recall, f1: f1, support: support))
        }
        let total = rows.reduce(0) { $0 + $1.support }
        let n = Double(max(rows.count, 1))
        macroAverage = Row(name: "macro avg",
                           precision: rows.reduce(0) { $0 + $1.precision } / n,
                           recall: rows.reduce(0) { $0 + $1.recall } / n,
                           f1: rows.reduce(0) { $0 + $1.f1 } / n,
                           support: total)
        func weighted(_ value: (Row) -> Double) -> Double {
            total == 0 ? 0 : rows.reduce(0) { $0 + value($1) * Double($1.support) } / Double(total)
        }
        weightedAverage = Row(name: "weighted avg", precision: weighted(\.precision), recall: weighted(\.recall),
                              f1: weighted(\.f1), support: total)
        self.rows = rows
        self.accuracy = confusion.accuracy
        self.top5Accuracy = top5Accuracy
        self.confusion = confusion
        self.loss = loss
    }

    /// The text table, laid out as scikit-learn prints it.
    public func formatted() -> String {
        let width = max(12, (rows.map(\.name.count).max() ?? 0) + 2)
        func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        func line(_ row: Row) -> String {
            pad(row.name, width) + pad(String(format: "%.4f", row.precision), 11)
                + pad(String(format: "%.4f", row.recall), 11) + pad(String(format: "%.4f", row.f1), 11)
                + pad(String(row.support), 9)
        }
        var out = pad("", width) + pad("precision", 11) + pad("recall", 11) + pad("f1-score", 11) + pad("support", 9) + "\n\n"
        for row in rows { out += line(row) + "\n" }
        out += "\n" + pad("accuracy", width) + pad("", 22) + pad(String(format: "%.4f", accuracy), 11)
            + pad(String(confusion.total), 9) + "\n"
        if let top5Accuracy {
            out += pad("top-5 accuracy", width) + pad("", 22) + pad(String(format: "%.4f", top5Accuracy), 11)
                + pad(String(confusion.total), 9) + "\n"
        }
        out += line(macroAverage) + "\n" + line(weightedAverage) + "\n"
        return out
    }

    /// The confusion matrix as text, rows true and columns predicted (class indices as headers).
    public func formattedConfusion() -> String {
        let n = confusion.classCount
        let cell = max(5, String(confusion.counts.max() ?? 0).count + 2)
        let nameWidth = min(24, (rows.map(\.name.count).max() ?? 0) + 2)
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        func fit(_ s: String) -> String { s.count > nameWidth - 2 ? String(s.prefix(nameWidth - 2)) : s }
        var out = pad("true \\ pred", nameWidth + 4) + (0..<n).map { pad(String($0), cell) }.joined() + "\n"
        for a in 0..<n {
            out += pad(fit(rows[a].name), nameWidth) + pad(String(a), 4)
            out += (0..<n).map { pad(String(confusion[a, $0]), cell) }.joined() + "\n"
        }
        return out
    }
}
