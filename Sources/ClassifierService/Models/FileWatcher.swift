import Foundation

/// Tells its owner when a file may have changed.
///
/// On Linux, one inotify descriptor read through a Dispatch read source holds
/// two watches:
/// - the file itself, for writes in place (`cp`, `>`), truncation and attribute
///   changes, also when the path is a symlink (Kubernetes' `..data` swaps);
/// - its directory, for a replace-by-rename (`mv new old`, an atomic save), which
///   leaves the file watch on the old, unlinked inode.
/// After every event the file watch is re-added on whatever the path names now.
/// A polling timer backs both up, for file systems without events (NFS, some
/// container volumes), for a directory that appears later, and on platforms
/// without inotify.
///
/// Events are coarse hints: the owner is told only when `stat` says the file
/// changed, and it decides what that means (see `ModelStore`).
final class FileWatcher: @unchecked Sendable {
    // @unchecked: every stored var is touched only on `queue`.
    private let path: String
    private let queue: DispatchQueue
    private let pollInterval: Double
    private let useEvents: Bool
    private let onChange: @Sendable (_ reason: String) -> Void
    private var eventSource: DispatchSourceRead?
    private var inotifyDescriptor: Int32 = -1
    private var fileWatch: Int32 = -1
    private var directoryWatch: Int32 = -1
    private var timer: DispatchSourceTimer?
    private var lastSeen: FileSignature?
    private var stopped = false

    /// - Parameters:
    ///   - queue: serial queue on which `onChange` is called.
    ///   - useEvents: false to rely on polling alone.
    ///   - pollInterval: seconds between polls; 0 disables polling.
    init(path: String, queue: DispatchQueue, useEvents: Bool = true, pollInterval: Double,
         onChange: @escaping @Sendable (String) -> Void) {
        self.path = path
        self.useEvents = useEvents
        self.queue = queue
        self.pollInterval = pollInterval
        self.onChange = onChange
    }

    /// Starts watching. The file as it is now is the baseline: the owner should start
    /// its first load after this returns, so that a change landing between that load and
    /// the watches being in place is still reported.
    func start() {
        let baseline = FileSignature(path: path)
        queue.async { [self] in
            lastSeen = baseline
            if useEvents { startEvents() }
            if pollInterval > 0 {
                let timer = DispatchSource.makeTimerSource(queue: queue)
                timer.schedule(deadline: .now() + pollInterval, repeating: pollInterval, leeway: .milliseconds(100))
                timer.setEventHandler { [weak self] in self?.check(reason: "poll") }
                timer.resume()
                self.timer = timer
            }
            // A change between the baseline and the watches being added made no event.
            check(reason: "start")
        }
    }

    func stop() {
        queue.sync {
            stopped = true
            eventSource?.cancel()
            timer?.cancel()
            eventSource = nil
            timer = nil
        }
    }

    /// Tells the owner if what `path` names has changed since last seen.
    private func check(reason: String) {
        guard !stopped else { return }
        let now = FileSignature(path: path)
        if reason == "poll" && useEvents { addWatches() }
        guard now != lastSeen else { return }
        lastSeen = now
        addWatches()
        onChange(reason)
    }

    #if os(Linux)
    private func startEvents() {
        let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { return }  // polling still works
        inotifyDescriptor = descriptor
        addWatches()
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        source.setEventHandler { [weak self] in
            guard let self else { return }
            // The events themselves are not parsed: any of them means "look again".
            var buffer = [UInt8](repeating: 0, count: 8192)
            while read(descriptor, &buffer, buffer.count) > 0 {}
            self.check(reason: "file event")
        }
        source.setCancelHandler { close(descriptor) }
        source.resume()
        eventSource = source
    }

    /// (Re-)adds both watches; inotify returns the same descriptor for an inode
    /// already watched, and a new one after the path was replaced.
    private func addWatches() {
        guard inotifyDescriptor >= 0 else { return }
        let directory = (path as NSString).deletingLastPathComponent
        let directoryMask = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB)
        directoryWatch = inotify_add_watch(inotifyDescriptor, directory.isEmpty ? "." : directory, directoryMask)
        let fileMask = UInt32(IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
        let newFileWatch = inotify_add_watch(inotifyDescriptor, path, fileMask)
        if fileWatch >= 0 && newFileWatch != fileWatch {
            inotify_rm_watch(inotifyDescriptor, fileWatch)
        }
        fileWatch = newFileWatch
    }
    #else
    private func startEvents() {}
    private func addWatches() {}
    #endif
}

/// What `stat(2)` says about a file: enough to notice a replacement (new inode)
/// or a rewrite (size or modification time), without reading it.
struct FileSignature: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modifiedSeconds: Int
    let modifiedNanoseconds: Int

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        #if canImport(Darwin)
        modifiedSeconds = Int(info.st_mtimespec.tv_sec)
        modifiedNanoseconds = Int(info.st_mtimespec.tv_nsec)
        #else
        modifiedSeconds = Int(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int(info.st_mtim.tv_nsec)
        #endif
    }
}
