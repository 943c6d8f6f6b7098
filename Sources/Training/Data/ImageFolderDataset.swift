/// An ImageFolder whose files are decoded on demand by `decode` (ImageKit:
/// decode, orient, resize to the working size, convert channels).
public struct ImageFolderDataset: ImageDataset {
    public let scan: ImageFolderScan
    let decode: @Sendable (String) throws -> WorkingImage

    public init(scan: ImageFolderScan, decode: @escaping @Sendable (String) throws -> WorkingImage) {
        self.scan = scan
        self.decode = decode
    }

    public var classNames: [String] { scan.classNames }
    public var labels: [Int] { scan.labels }
    public func sourceName(at index: Int) -> String { scan.files[index] }
    public func loadImage(at index: Int) throws -> WorkingImage { try decode(scan.files[index]) }

    public var summary: String {
        var line = "ImageFolder \(scan.root): \(count) images, \(classNames.count) classes"
        let skipped = scan.skippedUnsupported.count + scan.skippedOther.count
        if skipped > 0 {
            let formats = Set(scan.skippedUnsupported.map(\.format)).sorted()
            line += " (skipped \(skipped) files: \(scan.skippedUnsupported.count) in unsupported formats"
            line += formats.isEmpty ? "" : " [\(formats.joined(separator: ", "))]"
            line += ", \(scan.skippedOther.count) not images)"
        }
        return line
    }
}
