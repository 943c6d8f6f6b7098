import ArgumentParser
import Foundation
import Training

/// Every failure is one line on stderr and a non-zero exit; only `--help` and
/// `--version` print more. ArgumentParser's own messages carry a usage block,
/// which is trimmed to its first line here.
do {
    var command = try ClassifierTrain.parseAsRoot()
    try command.run()
} catch let error as TrainingError {
    FileHandle.standardError.write(Data("classifier-train: error: \(error.description)\n".utf8))
    exit(1)
} catch {
    let code = ClassifierTrain.exitCode(for: error)
    if code == .success {
        ClassifierTrain.exit(withError: error)
    }
    let message = ClassifierTrain.message(for: error)
        .split(separator: "\n").first.map(String.init) ?? "\(error)"
    let text = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
    FileHandle.standardError.write(Data("classifier-train: error: \(text)\n".utf8))
    exit(code.rawValue == 0 ? 1 : code.rawValue)
}
