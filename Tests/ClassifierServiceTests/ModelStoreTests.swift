import Foundation
import Testing
@testable import ClassifierService

@Suite struct ModelStoreTests {
    private func makeStore(_ file: URL, watch: Bool = true, poll: Double = 0) -> ModelStore<any ClassifierModel> {
        let loader = ByteMeanModel.loader()
        return ModelStore(url: file, watch: watch, pollInterval: poll, debounce: 0.05) { url in
            let loaded = try loader(url)
            return (loaded.model, loaded.version)
        }
    }

    @Test func loadsAtStartAndSwapsWhenTheFileIsReplacedByRename() throws {
        let directory = try makeTemporaryDirectory()
        let file = directory.appendingPathComponent("model.txt")
        try "labels: a,b".write(to: file, atomically: false, encoding: .utf8)
        let store = makeStore(file)
        store.start()
        #expect(eventually { store.snapshot != nil })
        let first = try #require(store.snapshot)
        #expect(first.model.labels == ["a", "b"])

        // An atomic save: write a temporary file beside it, then rename over it.
        let temporary = directory.appendingPathComponent(".model.txt.tmp")
        try "labels: x,y,z".write(to: temporary, atomically: false, encoding: .utf8)
        #expect(rename(temporary.path, file.path) == 0)
        #expect(eventually { store.snapshot?.model.labels == ["x", "y", "z"] })
        #expect(store.snapshot?.version != first.version)
        // The old snapshot is still whole for whoever holds it.
        #expect(first.model.labels == ["a", "b"])
        #expect(store.count(of: .loaded) == 2)
        store.stop()
    }

    @Test func aBrokenFileWrittenInPlaceIsRejectedAndTheOldModelKeepsServing() throws {
        let directory = try makeTemporaryDirectory()
        let file = directory.appendingPathComponent("model.txt")
        try "labels: a,b".write(to: file, atomically: false, encoding: .utf8)
        let store = makeStore(file)
        store.start()
        #expect(eventually { store.snapshot != nil })
        let version = store.snapshot?.version

        try "broken garbage".write(to: file, atomically: false, encoding: .utf8)
        #expect(eventually { store.count(of: .rejected) == 1 })
        #expect(store.snapshot?.version == version)
        #expect(store.lastAttempt?.outcome == .rejected)
        #expect(store.lastAttempt?.error?.contains("not a model") == true)

        // Fixing the file in place brings a new model.
        try "labels: c,d".write(to: file, atomically: false, encoding: .utf8)
        #expect(eventually { store.snapshot?.model.labels == ["c", "d"] })
        store.stop()
    }

    @Test func pollingFindsChangesWithoutFileEvents() throws {
        let directory = try makeTemporaryDirectory()
        let file = directory.appendingPathComponent("model.txt")
        let store = makeStore(file, watch: false, poll: 0.1)
        store.start()
        // No file yet: not ready, and the attempt says why.
        #expect(eventually { store.lastAttempt?.outcome == .rejected })
        #expect(store.snapshot == nil)
        try "labels: p,q".write(to: file, atomically: true, encoding: .utf8)
        #expect(eventually { store.snapshot?.model.labels == ["p", "q"] })
        store.stop()
    }

    @Test func aForcedReloadOfTheSameFileIsUnchanged() throws {
        let directory = try makeTemporaryDirectory()
        let file = directory.appendingPathComponent("model.txt")
        try "labels: a,b".write(to: file, atomically: false, encoding: .utf8)
        let store = makeStore(file, watch: false)
        store.start()
        #expect(eventually { store.snapshot != nil })
        let attempt = store.reloadNow(trigger: "SIGHUP", force: true)
        #expect(attempt?.outcome == .unchanged)
        #expect(attempt?.trigger == "SIGHUP")
        store.stop()
    }
}
