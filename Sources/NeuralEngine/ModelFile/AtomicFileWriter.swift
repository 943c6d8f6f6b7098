import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces a file so that readers see either the old or the new content, whole:
/// write a temporary file in the same directory (rename is atomic only within one
/// file system), fsync it so its data is on disk before its name is, rename it over
/// the target (POSIX rename(2) is atomic), then fsync the directory so the rename
/// itself survives a crash. The hot-reloading server relies on this.
public enum AtomicFileWriter {
    public static func write(_ bytes: [UInt8], to url: URL) throws(ModelFileError) {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let temporary = "\(directory)/.\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"

        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw WholeFileReader.ioError(path, "cannot create \(temporary)") }
        var committed = false
        defer { if !committed { unlink(temporary) } }

        var written = 0
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let count = posixWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                written += count
            }
        }
        if failure != 0 {
            close(descriptor)
            throw WholeFileReader.ioError(path, "cannot write \(temporary)", code: failure)
        }
        guard fsync(descriptor) == 0 else {
            let code = errno
            close(descriptor)
            throw WholeFileReader.ioError(path, "cannot fsync \(temporary)", code: code)
        }
        guard close(descriptor) == 0 else { throw WholeFileReader.ioError(path, "cannot close \(temporary)") }
        guard rename(temporary, path) == 0 else { throw WholeFileReader.ioError(path, "cannot rename \(temporary) over it") }
        committed = true

        // Without this the new name may be lost on power failure even though the data is safe.
        let directoryDescriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else { throw WholeFileReader.ioError(path, "cannot open its directory") }
        defer { close(directoryDescriptor) }
        guard fsync(directoryDescriptor) == 0 else { throw WholeFileReader.ioError(path, "cannot fsync its directory") }
    }
}

/// `write(2)`; the enum's own `write` hides the C name inside it.
private func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, buffer, count)
    #else
    Darwin.write(descriptor, buffer, count)
    #endif
}
