import Foundation
import Synchronization
import Testing
@testable import ClassifierService

/// The self-pipe behind SIGHUP reloads. (Its write end is now closed only
/// after the read source is cancelled; the crash that closing it first caused
/// needed the whole service suite's timing and is not reproduced here.)
@Suite(.serialized) struct SignalWatcherTests {
    @Test func aSignalRunsTheActionUntilTheWatcherStops() async throws {
        let count = Atomic<Int>(0)
        let watcher = SignalWatcher(signal: SIGUSR2) { count.add(1, ordering: .relaxed) }
        watcher.start()
        // To the process, not this thread: Dispatch's threads block signals.
        kill(getpid(), SIGUSR2)
        #expect(await eventuallyAsync { count.load(ordering: .relaxed) == 1 })
        watcher.stop()
        kill(getpid(), SIGUSR2)  // ignored now
        try await Task.sleep(for: .milliseconds(100))
        #expect(count.load(ordering: .relaxed) == 1)
    }
}
