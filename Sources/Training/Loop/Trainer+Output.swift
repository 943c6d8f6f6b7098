import Foundation
import NeuralEngine

extension Trainer {
    func printHeader() {
        printer.write("classifier-train: resolved configuration")
        printer.write(configuration.yamlDescription().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        for line in data.description { printer.write(line) }
        let spec = network.spec
        printer.write(String(format: "model: %@, input %d×%d×%d, %d classes, %@ parameters, %.3f GFLOPs/image",
                             spec.preset ?? "custom", spec.inputChannels, spec.inputHeight, spec.inputWidth,
                             spec.classCount, Self.grouped(spec.parameterCount), Double(spec.flopsPerImage) / 1e9))
        if !labelMapping.isEmpty {
            printer.write("init-from \(configuration.initFrom ?? ""): label mapping")
            for line in labelMapping { printer.write("  " + line) }
        }
        if epoch > 0 {
            printer.write("resuming after epoch \(epoch) of \(configuration.epochs) (best so far: epoch \(bestEpoch ?? 0))")
        }
        if let minutes = configuration.timeBudget {
            printer.write(String(format: "time budget: %g min, at most %d epochs; the learning rate follows the clock, so the same seed can give a different model", minutes, configuration.epochs))
        }
        printer.write("output: \(paths.model) (best epoch), \(paths.checkpoint) (resumable), \(paths.report) (report)")
    }

    func metadata() -> ModelMetadata {
        var metrics: [String: Double] = [:]
        if let best = bestEpoch, let record = history.first(where: { $0.epoch == best }) {
            metrics["epoch"] = Double(best)
            metrics["train_loss"] = record.trainLoss
            metrics["train_accuracy"] = record.trainAccuracy
            if let v = record.validationAccuracy { metrics["val_accuracy"] = v }
            if let v = record.validationLoss { metrics["val_loss"] = v }
        }
        if let evaluation = bestEvaluation {
            metrics["eval_accuracy"] = evaluation.accuracy
            metrics["eval_macro_f1"] = evaluation.macroAverage.f1
            if let top5 = evaluation.top5Accuracy { metrics["eval_top5_accuracy"] = top5 }
        }
        metrics["training_seconds"] = history.reduce(0) { $0 + $1.seconds }
        let summary: [String: String] = [
            "train": "\(data.train.count) images: \(data.train.summary)",
            "validation": data.validation.map { "\($0.count) images: \($0.summary)" } ?? "none",
            "classes": "\(data.classNames.count)",
            "unreadable_images": "\(failures.count + validationFailures.count)",
            "evaluated_on": data.validation == nil ? "train" : "validation",
        ]
        let provenance = Provenance(createdAt: ISO8601DateFormatter().string(from: Date()), arguments: arguments,
                                    configuration: configuration.jsonDescription(), dataSummary: summary, metrics: metrics,
                                    importedFrom: importedFrom)
        return ModelMetadata(architecture: network.spec, labels: data.classNames,
                             preprocessing: data.preprocessing, provenance: provenance,
                             calibration: bestCalibration?.calibration, outOfDistribution: bestOutOfDistribution)
    }

    /// The best epoch, written atomically (a watching server never sees half a file).
    func saveModel() throws {
        do {
            try ModelFile.save(network: network, metadata: metadata(), to: URL(fileURLWithPath: paths.model))
        } catch {
            throw TrainingError.outputNotWritable(path: paths.model, reason: "\(error)")
        }
    }

    func saveCheckpoint() throws {
        var tensors: [String: Tensor] = [:]
        for (name, parameter) in network.namedParameters() { tensors[name] = parameter.value }
        let state = TrainingCheckpoint.State(
            epoch: epoch, step: step, configuration: configuration, history: history, bestEpoch: bestEpoch,
            bestAccuracy: bestAccuracy, bestEvaluation: bestEvaluation, bestCalibration: bestCalibration,
            epochsWithoutImprovement: epochsWithoutImprovement, generator: generator, classNames: data.classNames)
        try TrainingCheckpoint(state: state, modelTensors: tensors, optimizerTensors: optimizer.stateTensors())
            .write(to: paths.checkpoint)
    }

    func finish(cachedFeatures: (train: FeatureCache, validation: FeatureCache?)? = nil) throws {
        if data.validation == nil, bestEvaluation == nil, bestEpoch != nil {
            try evaluateBestEpochOnTrainingData()
        }
        try fitOutOfDistribution(cachedFeatures: cachedFeatures)
        let evaluatedOn = data.validation == nil ? "the training data" : "the validation data"
        if let evaluation = bestEvaluation, let best = bestEpoch {
            printer.write("best epoch \(best): accuracy \(String(format: "%.4f", evaluation.accuracy)) on \(evaluatedOn)")
            printer.write(evaluation.formatted())
            printer.write("confusion matrix (rows: true class, columns: predicted)")
            printer.write(evaluation.formattedConfusion())
        }
        if let c = bestCalibration?.calibration {
            printer.write(String(format: "calibration: temperature %.3f; expected calibration error %.4f → %.4f on %d validation images",
                                 c.temperature, c.expectedCalibrationErrorBefore, c.expectedCalibrationErrorAfter, c.images))
        }
        let failed = failures.lines + validationFailures.lines
        if !failed.isEmpty {
            printer.write("\(failed.count) unreadable image(s) were skipped:")
            for line in failed.prefix(20) { printer.write("  " + line) }
            if failed.count > 20 { printer.write("  … and \(failed.count - 20) more (listed in the report)") }
        }
        var summary: [(String, String)] = [
            ("model", paths.model),
            ("architecture", "\(network.spec.preset ?? "custom"), \(Self.grouped(network.spec.parameterCount)) parameters"),
            ("classes", data.classNames.joined(separator: ", ")),
            ("train data", data.train.summary),
            ("validation data", data.validation?.summary ?? "none"),
            ("epochs run", "\(history.count) of \(configuration.epochs)"),
            ("best epoch", bestEpoch.map(String.init) ?? "–"),
            ("training time", String(format: "%.1f s", history.reduce(0) { $0 + $1.seconds })),
        ]
        if let detector = bestOutOfDistribution {
            summary.append(("unknown verdict", String(format: "%@; threshold %.4g accepts %.0f%% of %d validation images",
                                                      detector.method.rawValue, detector.threshold,
                                                      detector.acceptanceRate * 100, detector.validationImages)))
        }
        if !labelMapping.isEmpty { summary.append(("label mapping (init-from)", labelMapping.joined(separator: "; "))) }
        let report = TrainingReport(
            title: "Training report: \(URL(fileURLWithPath: paths.model).lastPathComponent)", history: history,
            evaluation: bestEvaluation, evaluatedOn: evaluatedOn, configurationYAML: configuration.yamlDescription(),
            summary: summary, failures: failed, calibration: bestCalibration)
        try report.write(to: paths.report)
        printer.write("wrote \(paths.model), \(paths.report)")
    }

    /// With no validation data: puts the best epoch's weights (the model file) back into
    /// the network, evaluates them on the training data, and rewrites the model file with
    /// those metrics.
    private func evaluateBestEpochOnTrainingData() throws {
        do {
            try ModelFile.load(from: URL(fileURLWithPath: paths.model)).apply(to: network)
        } catch {
            throw TrainingError.incompatibleModel(path: paths.model, reason: "cannot read back the best epoch: \(error)")
        }
        bestEvaluation = NetworkEvaluator.evaluate(network, loader: trainLoader, classCount: data.classNames.count,
                                                   loss: evaluationLoss, flipAveraging: averagesFlips)
            .report(classNames: data.classNames)
        try saveModel()
    }

    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }
}
