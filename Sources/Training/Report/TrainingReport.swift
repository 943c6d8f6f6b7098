import Foundation

/// The page a person opens after a run: curves, confusion heat map, the
/// classification report and the configuration, in one self-contained HTML file.
public struct TrainingReport: Sendable {
    public var title: String
    public var history: [EpochRecord]
    /// The best model's evaluation on the validation data (or the training data when there is none).
    public var evaluation: ClassificationReport?
    public var evaluatedOn: String
    public var configurationYAML: String
    public var summary: [(String, String)]
    public var failures: [String]
    /// Temperature scaling fitted on the validation data, shown as a reliability diagram.
    public var calibration: TemperatureScaling.Fit?

    public init(title: String, history: [EpochRecord], evaluation: ClassificationReport?, evaluatedOn: String,
                configurationYAML: String, summary: [(String, String)], failures: [String] = [],
                calibration: TemperatureScaling.Fit? = nil) {
        self.title = title
        self.history = history
        self.evaluation = evaluation
        self.evaluatedOn = evaluatedOn
        self.configurationYAML = configurationYAML
        self.summary = summary
        self.failures = failures
        self.calibration = calibration
    }

    /// `models/x.safetensors` → `models/x.report.html`.
    public static func path(besideModel model: String) -> String {
        let base = model.hasSuffix(".safetensors") ? String(model.dropLast(".safetensors".count)) : model
        return base + ".report.html"
    }

    public func html() -> String {
        let epochs = history.map { Double($0.epoch) }
        func series(_ name: String, _ color: String, _ values: [Double?], dashed: Bool = false) -> SVGChart.Series {
            SVGChart.Series(name: name, color: color,
                            points: zip(epochs, values).compactMap { x, y in y.map { (x, $0) } }, dashed: dashed)
        }
        let lossChart = SVGChart.lines(title: "Loss", yLabel: "cross-entropy", series: [
            series("train", "#1f77b4", history.map(\.trainLoss)),
            series("validation", "#ff7f0e", history.map(\.validationLoss), dashed: true),
        ])
        let accuracyChart = SVGChart.lines(title: "Accuracy", yLabel: "accuracy", series: [
            series("train", "#1f77b4", history.map(\.trainAccuracy)),
            series("validation", "#ff7f0e", history.map(\.validationAccuracy), dashed: true),
        ], yRange: 0...1)
        let lrChart = SVGChart.lines(title: "Learning rate", yLabel: "learning rate", series: [
            series("lr (end of epoch)", "#2ca02c", history.map(\.learningRate)),
        ])

        var page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1200px; }
        h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
        table { border-collapse: collapse; } td, th { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right; }
        td:first-child, th:first-child { text-align: left; }
        .charts { display: flex; flex-wrap: wrap; gap: 1em; }
        pre { background: #f6f6f6; padding: 1em; overflow-x: auto; }
        </style></head><body>
        <h1>\(HTML.escape(title))</h1>

        """
        page += "<table class=\"summary\">"
        for (key, value) in summary {
            page += "<tr><td>\(HTML.escape(key))</td><td>\(HTML.escape(value))</td></tr>"
        }
        page += "</table>\n<h2>Training curves</h2>\n<div class=\"charts\">\(lossChart)\(accuracyChart)\(lrChart)</div>\n"

        page += "<h2>Per-epoch history</h2>\n<table class=\"history\"><tr><th>epoch</th><th>train loss</th><th>train acc</th><th>val loss</th><th>val acc</th><th>lr</th><th>seconds</th><th>images/s</th></tr>"
        for r in history {
            func opt(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "–" }
            page += "<tr><td>\(r.epoch)</td><td>\(String(format: "%.4f", r.trainLoss))</td><td>\(String(format: "%.4f", r.trainAccuracy))</td>"
            page += "<td>\(opt(r.validationLoss, "%.4f"))</td><td>\(opt(r.validationAccuracy, "%.4f"))</td>"
            page += "<td>\(String(format: "%.3g", r.learningRate))</td><td>\(String(format: "%.1f", r.seconds))</td><td>\(String(format: "%.0f", r.imagesPerSecond))</td></tr>"
        }
        page += "</table>\n"

        if let evaluation {
            page += "<h2>Best model on \(HTML.escape(evaluatedOn))</h2>\n"
            page += "<p>Accuracy \(String(format: "%.4f", evaluation.accuracy))"
            if let top5 = evaluation.top5Accuracy { page += ", top-5 \(String(format: "%.4f", top5))" }
            page += " on \(evaluation.confusion.total) images.</p>\n"
            page += "<h2>Confusion matrix</h2>\n" + SVGChart.heatMap(confusion: evaluation.confusion, classNames: evaluation.rows.map(\.name)) + "\n"
            page += "<h2>Classification report</h2>\n<table class=\"classification-report\"><tr><th>class</th><th>precision</th><th>recall</th><th>f1-score</th><th>support</th></tr>"
            for row in evaluation.rows + [evaluation.macroAverage, evaluation.weightedAverage] {
                page += "<tr><td>\(HTML.escape(row.name))</td><td>\(String(format: "%.4f", row.precision))</td><td>\(String(format: "%.4f", row.recall))</td><td>\(String(format: "%.4f", row.f1))</td><td>\(row.support)</td></tr>"
            }
            page += "</table>\n"
        }
        if let calibration {
            page += reliabilitySection(calibration)
        }
        if !failures.isEmpty {
            page += "<h2>Unreadable images (\(failures.count), skipped)</h2>\n<pre>\(HTML.escape(failures.joined(separator: "\n")))</pre>\n"
        }
        page += "<h2>Configuration</h2>\n<pre class=\"configuration\">\(HTML.escape(configurationYAML))</pre>\n</body></html>\n"
        return page
    }

    /// The reliability diagram: accuracy against claimed confidence per bin, before and
    /// after temperature scaling, beside the diagonal a calibrated model would follow.
    func reliabilitySection(_ fit: TemperatureScaling.Fit) -> String {
        func points(_ bins: [TemperatureScaling.ReliabilityBin]) -> [(x: Double, y: Double)] {
            bins.filter { $0.count > 0 }.map { (x: $0.meanConfidence, y: $0.accuracy) }
        }
        let c = fit.calibration
        let chart = SVGChart.lines(title: "Reliability", yLabel: "accuracy", series: [
            SVGChart.Series(name: "calibrated", color: "#999999", points: [(0, 0), (1, 1)], dashed: true),
            SVGChart.Series(name: "softmax", color: "#d62728", points: points(fit.before)),
            SVGChart.Series(name: String(format: "temperature %.3g", c.temperature), color: "#1f77b4", points: points(fit.after)),
        ], yRange: 0...1, xLabel: "confidence", xRange: 0...1)
        var html = "<h2>Calibration</h2>\n<p class=\"calibration\">Temperature scaling fitted on \(c.images) validation images: "
        html += String(format: "temperature %.3f; expected calibration error %.4f with plain softmax, %.4f after.",
                       c.temperature, c.expectedCalibrationErrorBefore, c.expectedCalibrationErrorAfter)
        html += " The server and <code>evaluate</code> score with the temperature.</p>\n<div class=\"charts\">\(chart)</div>\n"
        return html
    }

    /// Written atomically (temporary file + rename), like the model.
    public func write(to path: String) throws {
        do {
            try Data(html().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TrainingError.outputNotWritable(path: path, reason: error.localizedDescription)
        }
    }
}
