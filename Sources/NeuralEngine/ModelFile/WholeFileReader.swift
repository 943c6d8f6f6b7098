import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file into memory with plain POSIX calls, so that a failure carries
/// `errno`, and so that the bytes hashed for the model version are exactly the bytes parsed.
public enum WholeFileReader {
    /// The largest file read: far above any model here (VGG-16 is about 530 MB), low
    /// enough that a wrong path to a disk image fails cleanly instead of exhausting memory.
    static let maximumSize = 4 << 30

    public static func read(_ url: URL) throws(ModelFileError) -> [UInt8] {
        let path = url.path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ioError(path, "cannot open") }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ioError(path, "cannot stat") }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ModelFileError(path: path, reason: .io("not a regular file"))
        }
        let size = Int(status.st_size)
        guard size <= maximumSize else {
            throw ModelFileError(path: path, reason: .fileTooLarge(size: size, limit: maximumSize))
        }

        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        var failure: Int32 = 0
        bytes.withUnsafeMutableBytes { buffer in
            while filled < size {
                let count = posixRead(descriptor, buffer.baseAddress! + filled, size - filled)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if count == 0 { break }  // the file shrank since fstat
                filled += count
            }
        }
        guard failure == 0 else { throw ioError(path, "cannot read", code: failure) }
        if filled < size { bytes.removeSubrange(filled...) }
        return bytes
    }

    static func ioError(_ path: String, _ action: String, code: Int32 = errno) -> ModelFileError {
        ModelFileError(path: path, reason: .io("\(action): \(String(cString: strerror(code))) (errno \(code))"))
    }
}

/// `read(2)`; the enum's own `read` hides the C name inside it.
private func posixRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(descriptor, buffer, count)
    #else
    Darwin.read(descriptor, buffer, count)
    #endif
}
