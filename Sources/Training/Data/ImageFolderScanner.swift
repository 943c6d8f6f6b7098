import Foundation

/// Lists an ImageFolder (one subfolder per class, as Keras `flow_from_directory`
/// and torchvision `ImageFolder`): classes sorted by name, files sorted by path,
/// hidden entries ignored, images recognised by content.
public struct ImageFolderScan: Sendable {
    public var root: String
    public var classNames: [String]
    public var files: [String]
    public var labels: [Int]
    /// Files that look like images in formats the decoders refuse, with the format.
    public var skippedUnsupported: [(path: String, format: String)]
    /// Files that are not images at all (text, archives, …).
    public var skippedOther: [String]

    /// Throws `unreadableFile` with the path and the reason ("permission denied") for a folder
    /// or file that cannot be listed or read, rather than counting it as empty or not an image.
    public static func scan(_ root: String, classNames expected: [String]? = nil) throws -> ImageFolderScan {
        switch try FileAccess.kind(of: root) {
        case nil: throw TrainingError.missingDirectory(root)
        case .directory?: break
        default: throw TrainingError.notADirectory(root)
        }
        let classes = try FileAccess.names(in: root).filter { name in
            try !name.hasPrefix(".") && FileAccess.kind(of: (root as NSString).appendingPathComponent(name)) == .directory
        }.sorted()
        guard !classes.isEmpty else { throw TrainingError.noClasses(root) }

        // A validation folder must use the training classes, in the training order.
        let classNames = expected ?? classes
        if let expected {
            let unknown = classes.filter { !expected.contains($0) }
            if !unknown.isEmpty {
                throw TrainingError.invalidConfiguration(
                    "\(root) has classes the training data does not: \(unknown.joined(separator: ", "))")
            }
        }

        var scan = ImageFolderScan(root: root, classNames: classNames, files: [], labels: [],
                                   skippedUnsupported: [], skippedOther: [])
        for className in classes {
            guard let label = classNames.firstIndex(of: className) else { continue }
            let folder = (root as NSString).appendingPathComponent(className)
            var found = 0
            for path in try listFiles(folder) {
                switch try ImageFileSniffer.sniff(path: path) {
                case .supported:
                    scan.files.append(path)
                    scan.labels.append(label)
                    found += 1
                case .unsupported(let format):
                    scan.skippedUnsupported.append((path, format))
                case .notAnImage:
                    scan.skippedOther.append(path)
                }
            }
            if found == 0 { throw TrainingError.emptyClass(name: className, path: folder) }
        }
        return scan
    }

    /// Regular files below `folder`, recursively, hidden names skipped, sorted.
    static func listFiles(_ folder: String) throws -> [String] {
        var result: [String] = []
        for name in try FileAccess.names(in: folder).sorted() where !name.hasPrefix(".") {
            let path = (folder as NSString).appendingPathComponent(name)
            switch try FileAccess.kind(of: path) {
            case .directory?: result += try listFiles(path)
            case .file?: result.append(path)
            case .other?, nil: continue  // sockets, FIFOs and dangling links hold no images
            }
        }
        return result
    }
}
