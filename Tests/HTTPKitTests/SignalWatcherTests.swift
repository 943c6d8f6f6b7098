import Foundation
import Synchronization
import Testing
@testable import HTTPKit

/// The self-pipe behind SIGHUP reloads and the shutdown signals. The tests
/// use signals whose default is to do nothing (and that no other suite uses).
@Suite(.serialized) struct SignalWatcherTests {
    @Test func aSignalRunsTheActionUntilTheWatcherStops() async throws {
        let count = Atomic<Int>(0)
        let watcher = SignalWatcher(signal: SIGURG) { count.add(1, ordering: .relaxed) }
        watcher.start()
        // To the process, not this thread: Dispatch's threads block signals.
        kill(getpid(), SIGURG)
        let deadline = ContinuousClock.now + .seconds(10)
        while count.load(ordering: .relaxed) == 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(count.load(ordering: .relaxed) == 1)
        watcher.stop()
        kill(getpid(), SIGURG)  // ignored now
        try await Task.sleep(for: .milliseconds(100))
        #expect(count.load(ordering: .relaxed) == 1)
    }

    /// SIGURG and SIGCONT do nothing by default, so a signal sent before the
    /// watchers start is lost, not fatal: it is sent until the wait ends.
    @Test func theFirstOfSeveralSignalsIsReturned() async throws {
        let waiter = Task { await SignalWatcher.firstSignal(of: [SIGCONT, SIGURG]) }
        let sender = Task {
            while !Task.isCancelled {
                kill(getpid(), SIGURG)
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(await waiter.value == SIGURG)
        sender.cancel()
    }
}
