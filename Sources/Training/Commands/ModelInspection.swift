import Foundation
import NeuralEngine

/// `classifier-train inspect`: the layer table with output shapes, parameter count
/// and GFLOPs per image, for a preset or a model file (then with its metadata).
public enum ModelInspection {
    public static func describe(preset: String, inputSize: Int, channels: Int, classes: Int) throws -> String {
        do {
            let spec = try ArchitectureSpec.preset(preset, inputSize: inputSize, channels: channels, classes: classes)
            return try summary(spec) + "\n" + spec.describeLayers()
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.invalidConfiguration("\(error)")
        }
    }

    public static func describe(modelPath: String) throws -> String {
        let model = try TransferLearning.load(modelPath)
        let metadata = model.metadata
        var out = "model file: \(modelPath) (\(model.byteCount) bytes, version \(model.version))\n"
        // ImageNet's 1,000 names would be one unreadable line; the first few say which table it is.
        let shown = metadata.labels.prefix(20).joined(separator: ", ")
        let more = metadata.labels.count > 20 ? " and \(metadata.labels.count - 20) more" : ""
        out += "labels (\(metadata.labels.count)): \(shown)\(more)\n"
        let p = metadata.preprocessing
        out += "preprocessing: \(p.inputWidth)×\(p.inputHeight), \(p.channels == 1 ? "grayscale" : "RGB"), resize \(p.resize.rawValue)"
        out += ", mean \(p.mean), std \(p.std)\(p.invert ? ", inverted" : "")"
        out += (p.testTimeAugmentation.map { ", test-time augmentation \($0.rawValue)" } ?? "") + "\n"
        if let c = metadata.calibration {
            out += String(format: "calibration: temperature %.3f, expected calibration error %.4f → %.4f on %d validation images\n",
                          c.temperature, c.expectedCalibrationErrorBefore, c.expectedCalibrationErrorAfter, c.images)
        }
        if let d = metadata.outOfDistribution {
            out += String(format: "out of distribution: %@, threshold %.4g accepts %.0f%% of %d validation images\n",
                          d.method.rawValue, d.threshold, d.acceptanceRate * 100, d.validationImages)
        } else {
            out += "out of distribution: none (no \"unknown\" verdict; add one with classifier-train calibrate)\n"
        }
        if let provenance = metadata.provenance {
            out += "created: \(provenance.createdAt)\n"
            if !provenance.arguments.isEmpty { out += "command: classifier-train \(provenance.arguments.joined(separator: " "))\n" }
            if let source = provenance.importedFrom {
                out += "imported from: \(source.path) (\(source.format), sha256 \(source.sha256))\n"
            }
            for key in provenance.metrics.keys.sorted() {
                out += "metric \(key): \(String(format: "%.4f", provenance.metrics[key] ?? 0))\n"
            }
            for key in provenance.dataSummary.keys.sorted() {
                out += "data \(key): \(provenance.dataSummary[key] ?? "")\n"
            }
        }
        do {
            out += try summary(metadata.architecture) + "\n" + metadata.architecture.describeLayers()
        } catch {
            throw TrainingError.incompatibleModel(path: modelPath, reason: "\(error)")
        }
        return out
    }

    public static func listPresets() -> String {
        "presets: " + ArchitectureSpec.presetNames.joined(separator: ", ")
    }

    static func summary(_ spec: ArchitectureSpec) throws -> String {
        String(format: "architecture: %@, input %d×%d×%d, %d classes: %@ parameters, %.4f GFLOPs per image",
               spec.preset ?? "custom", spec.inputChannels, spec.inputHeight, spec.inputWidth, spec.classCount,
               Trainer.grouped(spec.parameterCount), Double(spec.flopsPerImage) / 1e9)
    }
}
