/// A labelled collection of images the pipeline can draw from: an ImageFolder,
/// an IDX pair, or a subset of either.
public protocol ImageDataset: Sendable {
    /// Class names, index = label.
    var classNames: [String] { get }
    /// One label per image.
    var labels: [Int] { get }
    /// Where image `index` came from, for error reports ("bees/1234.jpg", "#5812").
    func sourceName(at index: Int) -> String
    /// Image `index` decoded and brought to the working size and channel count.
    func loadImage(at index: Int) throws -> WorkingImage
    /// One line for the start-of-run printout.
    var summary: String { get }
}

extension ImageDataset {
    public var count: Int { labels.count }

    /// Images per class, index = label.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for label in labels where label >= 0 && label < counts.count { counts[label] += 1 }
        return counts
    }
}

/// A view on some images of another dataset (a train/validation split).
public struct DatasetSubset: ImageDataset {
    public let base: any ImageDataset
    public let indices: [Int]
    public let name: String

    public init(base: any ImageDataset, indices: [Int], name: String) {
        self.base = base
        self.indices = indices
        self.name = name
    }

    public var classNames: [String] { base.classNames }
    public var labels: [Int] { indices.map { base.labels[$0] } }
    public func sourceName(at index: Int) -> String { base.sourceName(at: indices[index]) }
    public func loadImage(at index: Int) throws -> WorkingImage { try base.loadImage(at: indices[index]) }
    public var summary: String { "\(name): \(indices.count) images of \(base.summary)" }
}
