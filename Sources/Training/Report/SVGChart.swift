import Foundation

/// Small, dependency-free SVG charts for the training report: the page must open
/// offline, so no script or stylesheet is fetched from anywhere.
enum SVGChart {
    struct Series {
        var name: String
        var color: String
        var points: [(x: Double, y: Double)]
        var dashed = false
    }

    /// A line chart with axes, ticks, a legend and a dot per point. The x axis counts
    /// epochs (integer ticks) unless an `xRange` is given (five evenly spaced ticks).
    static func lines(title: String, yLabel: String, series: [Series], yRange: ClosedRange<Double>? = nil,
                      xLabel: String = "epoch", xRange: ClosedRange<Double>? = nil,
                      width: Int = 560, height: Int = 320) -> String {
        let left = 56.0, right = 16.0, top = 32.0, bottom = 44.0
        let plotWidth = Double(width) - left - right
        let plotHeight = Double(height) - top - bottom
        let all = series.flatMap(\.points).filter { $0.y.isFinite }
        let xMax = xRange?.upperBound ?? max(all.map(\.x).max() ?? 1, 1)
        let xMin = xRange?.lowerBound ?? min(all.map(\.x).min() ?? 1, xMax)
        var yMin = yRange?.lowerBound ?? (all.map(\.y).min() ?? 0)
        var yMax = yRange?.upperBound ?? (all.map(\.y).max() ?? 1)
        if yRange == nil {
            yMin = min(yMin, 0)
            yMax = yMax <= yMin ? yMin + 1 : yMax * 1.05
        }
        func px(_ x: Double) -> Double { xMax == xMin ? left + plotWidth / 2 : left + (x - xMin) / (xMax - xMin) * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - (y - yMin) / (yMax - yMin)) * plotHeight }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        svg += "<text x=\"\(f(left))\" y=\"20\" font-size=\"14\" font-weight=\"bold\">\(HTML.escape(title))</text>"
        // Grid and y ticks.
        for i in 0...4 {
            let value = yMin + (yMax - yMin) * Double(i) / 4
            let y = py(value)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" font-size=\"11\" text-anchor=\"end\">\(String(format: "%.3g", value))</text>"
        }
        if xRange != nil {
            for i in 0...4 {
                let value = xMin + (xMax - xMin) * Double(i) / 4
                svg += "<text x=\"\(f(px(value)))\" y=\"\(f(top + plotHeight + 16))\" font-size=\"11\" text-anchor=\"middle\">\(String(format: "%.3g", value))</text>"
            }
        } else {
            // At most ~10 epoch labels.
            let span = Int(xMax - xMin)
            let step = max(1, Int((Double(span) / 10).rounded(.up)))
            var tick = Int(xMin)
            while Double(tick) <= xMax {
                let x = px(Double(tick))
                svg += "<text x=\"\(f(x))\" y=\"\(f(top + plotHeight + 16))\" font-size=\"11\" text-anchor=\"middle\">\(tick)</text>"
                tick += step
            }
        }
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(top + plotHeight))\" stroke=\"#333\"/>"
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotHeight))\" stroke=\"#333\"/>"
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(height - 6)\" font-size=\"12\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
        svg += "<text x=\"14\" y=\"\(f(top + plotHeight / 2))\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(f(top + plotHeight / 2)))\">\(HTML.escape(yLabel))</text>"
        for (index, s) in series.enumerated() {
            let points = s.points.filter { $0.y.isFinite }
            guard !points.isEmpty else { continue }
            let path = points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            let dash = s.dashed ? " stroke-dasharray=\"6 4\"" : ""
            svg += "<polyline class=\"series\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash) points=\"\(path)\"/>"
            for p in points {
                svg += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3\" fill=\"\(s.color)\"><title>\(HTML.escape(s.name)) \(HTML.escape(xLabel)) \(xRange == nil ? String(Int(p.x)) : String(format: "%.3f", p.x)): \(String(format: "%.4f", p.y))</title></circle>"
            }
            let legendX = left + plotWidth - 150
            let legendY = top + 14 + Double(index) * 16
            svg += "<line x1=\"\(f(legendX))\" y1=\"\(f(legendY - 4))\" x2=\"\(f(legendX + 20))\" y2=\"\(f(legendY - 4))\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash)/>"
            svg += "<text x=\"\(f(legendX + 26))\" y=\"\(f(legendY))\" font-size=\"12\">\(HTML.escape(s.name))</text>"
        }
        svg += "</svg>"
        return svg
    }

    /// The confusion matrix as a heat map: cell shade by row-normalised count
    /// (recall per true class), the count written in each cell.
    static func heatMap(confusion: ConfusionMatrix, classNames: [String]) -> String {
        let n = confusion.classCount
        let cell = n <= 10 ? 44.0 : max(14.0, 440.0 / Double(n))
        let labelWidth = 130.0, top = 130.0
        let width = Int(labelWidth + cell * Double(n) + 20)
        let height = Int(top + cell * Double(n) + 40)
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"confusion matrix\">"
        svg += "<text x=\"\(f(labelWidth + cell * Double(n) / 2))\" y=\"16\" font-size=\"12\" text-anchor=\"middle\">predicted</text>"
        for c in 0..<n {
            let name = HTML.escape(String((c < classNames.count ? classNames[c] : String(c)).prefix(18)))
            let x = labelWidth + cell * (Double(c) + 0.5)
            svg += "<text x=\"\(f(x))\" y=\"\(f(top - 6))\" font-size=\"11\" transform=\"rotate(-60 \(f(x)) \(f(top - 6)))\">\(name)</text>"
            svg += "<text x=\"\(f(labelWidth - 6))\" y=\"\(f(top + cell * (Double(c) + 0.5) + 4))\" font-size=\"11\" text-anchor=\"end\">\(name)</text>"
        }
        for a in 0..<n {
            let support = max(confusion.support(a), 1)
            for p in 0..<n {
                let count = confusion[a, p]
                let share = Double(count) / Double(support)
                // Blue ramp: white at 0, #08306b at 1.
                let r = Int(255 - share * (255 - 8)), g = Int(255 - share * (255 - 48)), b = Int(255 - share * (255 - 107))
                let x = labelWidth + cell * Double(p), y = top + cell * Double(a)
                svg += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"rgb(\(r),\(g),\(b))\" stroke=\"#fff\"><title>true \(HTML.escape(a < classNames.count ? classNames[a] : String(a))), predicted \(HTML.escape(p < classNames.count ? classNames[p] : String(p))): \(count)</title></rect>"
                if cell >= 24 {
                    let ink = share > 0.5 ? "#fff" : "#222"
                    svg += "<text x=\"\(f(x + cell / 2))\" y=\"\(f(y + cell / 2 + 4))\" font-size=\"11\" text-anchor=\"middle\" fill=\"\(ink)\">\(count)</text>"
                }
            }
        }
        svg += "<text x=\"12\" y=\"\(f(top + cell * Double(n) / 2))\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 12 \(f(top + cell * Double(n) / 2)))\">true</text>"
        svg += "</svg>"
        return svg
    }
}
