import Dispatch

/// A read source that closures may capture. `@unchecked Sendable`: Dispatch
/// sources are thread-safe objects; the protocol is just not annotated.
struct SendableReadSource: @unchecked Sendable {
    let source: any DispatchSourceRead

    init(_ source: any DispatchSourceRead) { self.source = source }

    func setEventHandler(_ handler: @escaping @Sendable () -> Void) { source.setEventHandler(handler: handler) }
    func setCancelHandler(_ handler: @escaping @Sendable () -> Void) { source.setCancelHandler(handler: handler) }
    func resume() { source.resume() }
    func cancel() { source.cancel() }
}
