import Foundation
@testable import ImageKit

/// Runs Python with Pillow and numpy, the independent oracle for these tests.
/// Scripts get a scratch directory as `sys.argv[1]` and write files there.
enum Pillow {
    static let available: Bool = {
        (try? run("import PIL, numpy", in: FileManager.default.temporaryDirectory)) != nil
    }()

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `script` with `directory` as argv[1]; returns stdout, throws on a non-zero exit.
    @discardableResult
    static func run(_ script: String, in directory: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, directory.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "python3 failed: " + String(decoding: errors, as: UTF8.self))
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// A fresh scratch directory, removed by the caller with `cleanUp`.
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("imagekit-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func cleanUp(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Largest and mean absolute difference between two byte arrays of equal length.
func pixelDifference(_ a: [UInt8], _ b: [UInt8]) -> (max: Int, mean: Double) {
    guard a.count == b.count, !a.isEmpty else { return (Int.max, .infinity) }
    var largest = 0, total = 0
    for i in a.indices {
        let d = abs(Int(a[i]) - Int(b[i]))
        largest = max(largest, d)
        total += d
    }
    return (largest, Double(total) / Double(a.count))
}

/// The hymenoptera training images, when present: `IMAGECLASSIFIER_DATA`,
/// then `../shared/data` beside the package, then `/work/shared/data`.
enum TestData {
    static var hymenopteraTrain: URL? {
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["IMAGECLASSIFIER_DATA"] {
            candidates.append(URL(fileURLWithPath: env))
        }
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data"))
        candidates.append(URL(fileURLWithPath: "/work/shared/data"))
        for base in candidates {
            let url = base.appendingPathComponent("hymenoptera/train")
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        return nil
    }
}

/// The ImageError that decoding `data` throws, or nil when it decodes.
func decodingError(_ data: [UInt8], options: DecodeOptions = DecodeOptions()) -> ImageError? {
    do {
        _ = try ImageDecoder(options: options).decode(data)
        return nil
    } catch let error as ImageError {
        return error
    } catch {
        return .invalidOptions("unexpected error type: \(error)")
    }
}

func decodingError(_ data: Data, options: DecodeOptions = DecodeOptions()) -> ImageError? {
    decodingError([UInt8](data), options: options)
}

extension ImageError {
    var isCorrupt: Bool {
        if case .corrupt = self { return true }
        return false
    }

    var isUnsupportedVariant: Bool {
        if case .unsupportedVariant = self { return true }
        return false
    }
}
