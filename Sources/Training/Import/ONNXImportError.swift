/// Why a graph cannot be imported, before the file's path is known to the message:
/// `ONNXImport.read` turns it into `TrainingError.cannotImport(path:reason:)`.
/// Every reason names the node, initializer or value concerned.
struct ONNXImportError: Error {
    let reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}
