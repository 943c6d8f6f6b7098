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
        if let valSplit {
            try check(valSplit >= 0 && valSplit < 1, "--val-split must be in [0, 1)")
        }
        if let inputSize { try check((8...1024).contains(inputSize), "--input-size must be in 8…1024") }
        if let channels { try check(channels == 1 || channels == 3, "--channels must be 1 or 3") }
        if let mean, let std {
            try check(mean.count == std.count, "--mean and --std need the same number of values")
        }
        if let std { try check(std.allSatisfy { $0 > 0 }, "--std values must be positive") }
        try check(epochs >= 1, "--epochs must be at least 1")
        try check(batchSize >= 1 && batchSize <= 65536, "--batch-size must be in 1…65536")
        if let lr { try check(lr > 0 && lr.isFinite, "--lr must be positive") }
        try check(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1)")
        try check(warmup >= 0 && warmup < Double(epochs), "--warmup must be shorter than --epochs")
        try check(lrStep >= 1, "--lr-step must be at least 1")
        try check(lrGamma > 0 && lrGamma <= 1, "--lr-gamma must be in (0, 1]")
        if let weightDecay { try check(weightDecay >= 0, "--weight-decay must not be negative") }
        try check(labelSmoothing >= 0 && labelSmoothing < 1, "--label-smoothing must be in [0, 1)")
        if let classWeights {
            try check(classWeights == "auto" || classWeights == "none",
                      "--class-weights accepts 'auto' or 'none', not '\(classWeights)'")
        }
        if let earlyStopping { try check(earlyStopping >= 1, "--early-stopping PATIENCE must be at least 1") }
        if let timeBudget { try check(timeBudget > 0 && timeBudget.isFinite, "--time-budget MINUTES must be positive") }
        if let threads { try check((1...256).contains(threads), "--threads must be in 1…256") }
        try check((1...64).contains(workers), "--workers must be in 1…64")
        try check(cacheMb >= 0, "--cache-mb must not be negative")
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
