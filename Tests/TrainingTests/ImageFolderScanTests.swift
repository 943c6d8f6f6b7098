import Foundation
import Testing
@testable import Training

@Suite struct ImageFolderScanTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16]
    static let gif: [UInt8] = Array("GIF89a".utf8) + [1, 0, 1, 0]

    func write(_ bytes: [UInt8], _ path: URL) throws {
        try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: path)
    }

    @Test func classesAreSortedAndFilesRecognisedByContent() throws {
        let root = TestSupport.temporaryDirectory()
        try write(Self.jpeg, root.appendingPathComponent("zebra/a.jpg"))
        try write(Self.png, root.appendingPathComponent("zebra/no-extension"))
        try write(Self.png, root.appendingPathComponent("ant/nested/b.PNG"))
        try write(Self.jpeg, root.appendingPathComponent("ant/.hidden.jpg"))
        try write(Self.gif, root.appendingPathComponent("ant/c.jpg"))          // a GIF named .jpg
        try write(Array("hello".utf8), root.appendingPathComponent("ant/readme.txt"))
        try write(Self.jpeg, root.appendingPathComponent(".git/x.jpg"))        // hidden folder: not a class
        let scan = try ImageFolderScan.scan(root.path)
        #expect(scan.classNames == ["ant", "zebra"])
        #expect(scan.files.map { URL(fileURLWithPath: $0).lastPathComponent } == ["b.PNG", "a.jpg", "no-extension"])
        #expect(scan.labels == [0, 1, 1])
        #expect(scan.skippedUnsupported.map(\.format) == ["GIF"])
        #expect(scan.skippedOther.count == 1)
    }

    @Test func missingEmptyAndClasslessFoldersAreErrors() throws {
        #expect(throws: TrainingError.missingDirectory("/nonexistent/data")) { try ImageFolderScan.scan("/nonexistent/data") }
        let root = TestSupport.temporaryDirectory()
        #expect(throws: TrainingError.noClasses(root.path)) { try ImageFolderScan.scan(root.path) }
        try write(Self.jpeg, root.appendingPathComponent("cats/1.jpg"))
        try FileManager.default.createDirectory(at: root.appendingPathComponent("dogs"), withIntermediateDirectories: true)
        try write(Array("not an image".utf8), root.appendingPathComponent("dogs/notes.txt"))
        #expect(throws: TrainingError.emptyClass(name: "dogs", path: root.appendingPathComponent("dogs").path)) {
            try ImageFolderScan.scan(root.path)
        }
        let file = root.appendingPathComponent("cats/1.jpg")
        #expect(throws: TrainingError.notADirectory(file.path)) { try ImageFolderScan.scan(file.path) }
    }

    @Test func aValidationFolderMustUseTheTrainingClasses() throws {
        let root = TestSupport.temporaryDirectory()
        try write(Self.jpeg, root.appendingPathComponent("cats/1.jpg"))
        try write(Self.jpeg, root.appendingPathComponent("wolves/1.jpg"))
        #expect(throws: TrainingError.self) { try ImageFolderScan.scan(root.path, classNames: ["cats", "dogs"]) }
        let scan = try ImageFolderScan.scan(root.path, classNames: ["ants", "cats", "wolves"])
        #expect(scan.labels == [1, 2])
    }

    /// A file that open(2) refuses with EACCES even to root. The tests usually run as root,
    /// which bypasses file modes, so a chmod 000 file proves nothing there; a write-only
    /// sysctl (mode 0200) is refused by procfs' own permission check, for root too.
    static let unopenableFile: String? = ["/proc/sys/vm/drop_caches", "/proc/sys/vm/compact_memory"].first { path in
        let descriptor = open(path, O_RDONLY)
        if descriptor >= 0 { close(descriptor); return false }
        return errno == EACCES
    }

    @Test(.enabled(if: ImageFolderScanTests.unopenableFile != nil))
    func aFileThatCannotBeOpenedIsPermissionDeniedWithItsPathNotANonImage() throws {
        let root = TestSupport.temporaryDirectory()
        try write(Self.jpeg, root.appendingPathComponent("cats/1.jpg"))
        try write(Self.jpeg, root.appendingPathComponent("dogs/1.jpg"))
        let forbidden = root.appendingPathComponent("dogs/2.jpg")
        try FileManager.default.createSymbolicLink(atPath: forbidden.path, withDestinationPath: Self.unopenableFile ?? "")
        #expect(throws: TrainingError.unreadableFile(path: forbidden.path, reason: "permission denied")) {
            try ImageFolderScan.scan(root.path)
        }
    }

    /// The same for folders and files made unreadable with chmod: only meaningful when
    /// the tests do not run as root (CommandLineTests covers it as root, through `setpriv`).
    @Test(.enabled(if: getuid() != 0))
    func unreadableFoldersAndFilesArePermissionDeniedWhenNotRoot() throws {
        let root = TestSupport.temporaryDirectory()
        try write(Self.jpeg, root.appendingPathComponent("cats/1.jpg"))
        try write(Self.jpeg, root.appendingPathComponent("dogs/1.jpg"))
        let file = root.appendingPathComponent("dogs/1.jpg"), folder = root.appendingPathComponent("cats")
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: file.path)
        #expect(throws: TrainingError.unreadableFile(path: file.path, reason: "permission denied")) {
            try ImageFolderScan.scan(root.path)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: folder.path)
        #expect(throws: TrainingError.unreadableFile(path: folder.path, reason: "permission denied")) {
            try ImageFolderScan.scan(root.path)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
    }

    @Test(.enabled(if: TestSupport.hymenopteraTrain != nil))
    func theHymenopteraImagesAreFoundWhenPresent() throws {
        let root = try #require(TestSupport.hymenopteraTrain)
        let scan = try ImageFolderScan.scan(root)
        #expect(scan.classNames == ["ants", "bees"])
        #expect(scan.files.count == 244)
        #expect(scan.skippedUnsupported.map(\.format) == ["GIF"])
    }
}
