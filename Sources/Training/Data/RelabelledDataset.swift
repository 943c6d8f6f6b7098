/// A dataset whose labels are renumbered into another class list.
struct RelabelledDataset: ImageDataset {
    let base: any ImageDataset
    let classNames: [String]
    let labels: [Int]

    init(base: any ImageDataset, classNames: [String], mapping: [Int]) {
        self.base = base
        self.classNames = classNames
        self.labels = base.labels.map { mapping[$0] }
    }

    func sourceName(at index: Int) -> String { base.sourceName(at: index) }
    func loadImage(at index: Int) throws -> WorkingImage { try base.loadImage(at: index) }
    var summary: String { base.summary }
}
