import Foundation
import NeuralEngine

extension TrainingConfiguration {
    /// Checks ranges and flag combinations before any data is read, so a typo
    /// fails in a second rather than after an epoch. Messages name the flags.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw TrainingError.invalidConfiguration(message) }
        }
        try check(!data.isEmpty, "--data is required (a folder with one subfolder per class, or an IDX images file)")
        if initFrom == nil && !ArchitectureSpec.presetNames.contains(arch) {
            throw TrainingError.invalidConfiguration(
                "unknown --arch '\(arch)'; presets: \(ArchitectureSpec.presetNames.joined(separator: ", "))")
        }
        if val != nil && valSplit != nil {
            throw TrainingError.invalidConfiguration("--val and --val-split cannot be used together: give a validation folder or a split fraction")
        }
        if let valSplit { try OptionRange.require(valSplit, "--val-split", "in [0, 1)") { $0 >= 0 && $0 < 1 } }
        if let inputSize { try OptionRange.require(inputSize, "--input-size", in: 8...1024) }
        if let channels { try check(channels == 1 || channels == 3, "--channels must be 1 or 3") }
        if let mean, let std {
            try check(mean.count == std.count, "--mean and --std need the same number of values")
        }
        // Means and deviations of pixels scaled to [0, 1].
        if let mean { try OptionRange.require(mean, "--mean", "in [0, 1]") { $0 >= 0 && $0 <= 1 } }
        if let std { try OptionRange.require(std, "--std", "> 0") { $0 > 0 } }
        // Upper bounds on counts keep `epochs × steps per epoch` (the schedule's length) and
        // the cache's byte budget far inside Int.
        try OptionRange.require(epochs, "--epochs", in: 1...100_000)
        try OptionRange.require(batchSize, "--batch-size", in: 1...65536)
        if let lr { try OptionRange.require(lr, "--lr", "> 0") { $0 > 0 } }
        try OptionRange.require(momentum, "--momentum", "in [0, 1)") { $0 >= 0 && $0 < 1 }
        try OptionRange.require(warmup, "--warmup", "in [0, \(epochs)) (shorter than --epochs)") { $0 >= 0 && $0 < Double(epochs) }
        try OptionRange.require(lrStep, "--lr-step", in: 1...100_000)
        try OptionRange.require(lrGamma, "--lr-gamma", "in (0, 1]") { $0 > 0 && $0 <= 1 }
        if let weightDecay { try OptionRange.require(weightDecay, "--weight-decay", "in [0, 1]") { $0 >= 0 && $0 <= 1 } }
        try OptionRange.require(labelSmoothing, "--label-smoothing", "in [0, 1)") { $0 >= 0 && $0 < 1 }
        if let classWeights {
            try check(classWeights == "auto" || classWeights == "none",
                      "--class-weights accepts 'auto' or 'none', not '\(classWeights)'")
        }
        if let earlyStopping { try check(earlyStopping >= 1, "--early-stopping PATIENCE must be at least 1") }
        // At least 0.6 s: the schedule divides the time spent by the budget, which must stay within Int steps.
        if let timeBudget {
            try OptionRange.require(timeBudget, "--time-budget", "of minutes in [0.01, 1000000]") { $0 >= 0.01 && $0 <= 1_000_000 }
        }
        if let threads { try OptionRange.require(threads, "--threads", in: 1...256) }
        try OptionRange.require(workers, "--workers", in: 1...64)
        try OptionRange.require(cacheMb, "--cache-mb", in: 0...1_048_576)
        try check(out.hasSuffix(".safetensors"), "--out must name a .safetensors file, not '\(out)'")
        try augmentation.validate()

        if resume != nil && initFrom != nil {
            throw TrainingError.invalidConfiguration("--resume and --init-from cannot be used together: a checkpoint already holds the weights")
        }
        if freezeBackbone && initFrom == nil && resume == nil {
            throw TrainingError.invalidConfiguration("--freeze-backbone needs --init-from MODEL: a random backbone has nothing worth freezing")
        }
        if let unfreezeAfter {
            try check(freezeBackbone, "--unfreeze-after needs --freeze-backbone")
            try check(unfreezeAfter >= 1 && unfreezeAfter < epochs, "--unfreeze-after N needs 1 <= N < --epochs")
        }
        if flipTTA && !augmentation.horizontalFlip {
            throw TrainingError.invalidConfiguration(
                "--flip-tta needs --horizontal-flip: a model that never saw mirror images gains nothing from averaging them")
        }
        if freezeBackbone && unfreezeAfter == nil && !augmentation.isIdentity {
            throw TrainingError.invalidConfiguration(
                "augmentation has no effect with --freeze-backbone (features are computed once); drop the augmentation flags or add --unfreeze-after N")
        }
    }

    /// Fails early when `--out`'s folder cannot take a new file (the atomic save
    /// writes a temporary file there and renames it).
    public func checkOutputWritable() throws {
        let url = URL(fileURLWithPath: out)
        let folder = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue {
            throw TrainingError.outputNotWritable(path: out, reason: "it is a directory")
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.outputNotWritable(path: out, reason: "cannot create folder \(folder.path)")
        }
        let probe = folder.appendingPathComponent(".\(url.lastPathComponent).probe-\(getpid())")
        guard FileManager.default.createFile(atPath: probe.path, contents: Data()) else {
            throw TrainingError.outputNotWritable(path: out, reason: "folder \(folder.path) is not writable")
        }
        try? FileManager.default.removeItem(at: probe)
    }
}
