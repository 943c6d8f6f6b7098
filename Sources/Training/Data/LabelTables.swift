import Foundation

/// Class names: from a labels file (one name per line), or built in for the
/// two IDX sets everyone has (recognised by their folder or file names).
public enum LabelTables {
    /// Zalando's Fashion-MNIST, in label order (github.com/zalandoresearch/fashion-mnist).
    public static let fashionMNIST = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]
    public static let mnist = (0...9).map(String.init)

    /// A built-in table for an IDX path, when the path names a known set.
    public static func builtIn(forPath path: String) -> [String]? {
        let lowered = path.lowercased()
        if lowered.contains("fashion") { return fashionMNIST }
        if lowered.contains("mnist") { return mnist }
        return nil
    }

    /// One class name per non-empty line; blank lines and `#` comments skipped.
    public static func read(path: String) throws -> [String] {
        let data: Data
        do {
            data = try FileAccess.contents(of: path)
        } catch TrainingError.unreadableFile(_, let reason) {
            throw TrainingError.labelsFile(path: path, reason: reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TrainingError.labelsFile(path: path, reason: "not UTF-8 text")
        }
        let names = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !names.isEmpty else { throw TrainingError.labelsFile(path: path, reason: "no class names in it") }
        guard Set(names).count == names.count else {
            throw TrainingError.labelsFile(path: path, reason: "a class name appears twice")
        }
        return names
    }
}
