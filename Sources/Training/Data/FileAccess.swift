import Foundation

/// Lists folders and reads files through POSIX calls, so that a failure keeps its
/// errno: Foundation's `FileHandle(forReadingAtPath:)` and `contentsOfDirectory`'s
/// `try?` callers cannot tell "permission denied" from "no such file" or "not an image".
/// Every failure is `TrainingError.unreadableFile` with the path and strerror's reason.
enum FileAccess {
    enum Kind { case file, directory, other }

    /// What `path` is, following symlinks; nil when nothing is there (a dangling link).
    static func kind(of path: String) throws -> Kind? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw failure(path)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// The names in a folder, "." and ".." left out, unsorted.
    static func names(in folder: String) throws -> [String] {
        guard let directory = opendir(folder) else { throw failure(folder) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Up to `count` bytes from the start of a file.
    static func head(of path: String, count: Int) throws -> [UInt8] {
        try readPrefix(of: path, limit: count)
    }

    /// The whole file.
    static func contents(of path: String) throws -> Data {
        Data(try readPrefix(of: path, limit: .max))
    }

    private static func readPrefix(of path: String, limit: Int) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(limit, 1 << 16))
        while bytes.count < limit {
            let wanted = min(chunk.count, limit - bytes.count)
            let got = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, wanted) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw failure(path) }
            if got == 0 { break }
            bytes += chunk[..<got]
        }
        return bytes
    }

    /// The error for the `errno` a call on `path` just set, e.g. "cannot read PATH: permission denied".
    static func failure(_ path: String) -> TrainingError {
        let text = String(cString: strerror(errno))
        return .unreadableFile(path: path, reason: text.prefix(1).lowercased() + text.dropFirst())
    }
}
