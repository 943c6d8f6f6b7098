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

    public static func scan(_ root: String, classNames expected: [String]? = nil) throws -> ImageFolderScan {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: root, isDirectory: &isDirectory) else {
            throw TrainingError.missingDirectory(root)
        }
        guard isDirectory.boolValue else { throw TrainingError.notADirectory(root) }
        let entries: [String]
        do {
            entries = try manager.contentsOfDirectory(atPath: root)
        } catch {
            throw TrainingError.unreadableFile(path: root, reason: "cannot list the folder")
        }
        let classes = entries.filter { name in
            var isDir: ObjCBool = false
            return !name.hasPrefix(".")
                && manager.fileExists(atPath: (root as NSString).appendingPathComponent(name), isDirectory: &isDir)
                && isDir.boolValue
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
            for path in listFiles(folder) {
                switch ImageFileSniffer.sniff(path: path) {
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
    static func listFiles(_ folder: String) -> [String] {
        let manager = FileManager.default
        var result: [String] = []
        guard let names = try? manager.contentsOfDirectory(atPath: folder) else { return [] }
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = (folder as NSString).appendingPathComponent(name)
            var isDir: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDir) else { continue }
            if isDir.boolValue {
                result += listFiles(path)
            } else {
                result.append(path)
            }
        }
        return result
    }
}
