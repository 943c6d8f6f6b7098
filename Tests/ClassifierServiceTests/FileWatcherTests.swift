import Foundation
import Testing
@testable import ClassifierService

@Suite struct FileWatcherTests {
    @Test(arguments: [true, false])
    func aReplacementBeforeTheWatchesAreInPlaceIsStillReported(useEvents: Bool) throws {
        let directory = try makeTemporaryDirectory()
        let file = directory.appendingPathComponent("model.txt")
        try "labels: a,b".write(to: file, atomically: false, encoding: .utf8)
        // The watcher's queue is held, as a busy machine may hold it: the file is replaced
        // after `start()` has returned but before the watcher has run a line on its queue.
        let queue = DispatchQueue(label: "held-watch-queue")
        queue.suspend()
        let reasons = LockedLines()
        let watcher = FileWatcher(path: file.path, queue: queue, useEvents: useEvents, pollInterval: 0) {
            reasons.append($0)
        }
        watcher.start()
        let temporary = directory.appendingPathComponent(".model.txt.tmp")
        try "labels: x,y,z".write(to: temporary, atomically: false, encoding: .utf8)
        #expect(rename(temporary.path, file.path) == 0)
        queue.resume()
        #expect(eventually { !reasons.all.isEmpty })
        // Nothing changed after that: one report, no more.
        usleep(200_000)
        #expect(reasons.all.count == 1)
        watcher.stop()
    }

    @Test func anUnchangedFileIsNotReportedAtStart() throws {
        let directory = try makeTemporaryDirectory()
        let file = directory.appendingPathComponent("model.txt")
        try "labels: a,b".write(to: file, atomically: false, encoding: .utf8)
        let reasons = LockedLines()
        let watcher = FileWatcher(path: file.path, queue: DispatchQueue(label: "watch"), pollInterval: 0.05) {
            reasons.append($0)
        }
        watcher.start()
        usleep(300_000)
        #expect(reasons.all.isEmpty)
        watcher.stop()
    }
}
