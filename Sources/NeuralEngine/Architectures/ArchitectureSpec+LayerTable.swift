/// Parameter and FLOP counts and a printable layer table, from the spec's shapes.
extension ArchitectureSpec {
    /// Trainable parameters, as torchvision counts them (`sum(p.numel() for p in model.parameters())`).
    public var parameterCount: Int {
        rows(zeroInitResidualGamma: false).reduce(0) { $0 + $1.parameterCount }
    }

    /// FLOPs for one image's forward pass (2 × multiply-adds of conv and Dense layers).
    public var flopsPerImage: Int {
        rows(zeroInitResidualGamma: false).reduce(0) { $0 + $1.flops }
    }

    /// One row per layer, in execution order; a residual block ends with its addition row.
    public func layerTable() throws -> [LayerDescription] {
        try validate()
        return rows(zeroInitResidualGamma: false)
    }

    /// The layer table as aligned text, with totals, for `classifier-train inspect`.
    public func describeLayers() throws -> String {
        let table = try layerTable()
        func shape(_ s: [Int]) -> String { s.map(String.init).joined(separator: "×") }
        func grouped(_ n: Int) -> String {
            let digits = Array(String(n))
            var out = ""
            for (i, d) in digits.enumerated() {
                if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
                out.append(d)
            }
            return out
        }
        let header = ["layer", "type", "output", "params", "FLOPs"]
        let cells = table.map { [$0.name, $0.type, shape($0.outputShape), grouped($0.parameterCount), grouped($0.flops)] }
        let totals = ["total", "", "", grouped(parameterCount), grouped(flopsPerImage)]
        let all = [header] + cells + [totals]
        let widths = (0..<header.count).map { column in all.map { $0[column].count }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            row.enumerated().map { column, text in
                let pad = String(repeating: " ", count: widths[column] - text.count)
                return column >= 3 ? pad + text : text + pad   // numbers right-aligned
            }.joined(separator: "  ")
        }
        var lines = [line(header)]
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        lines += cells.map(line)
        lines.append(line(totals))
        lines.append("input \(inputChannels)×\(inputHeight)×\(inputWidth), \(classCount) classes; FLOPs per image, 2 × multiply-adds")
        return lines.joined(separator: "\n")
    }

    /// The rows without validation; shapes may contain zeros for too-small inputs.
    func rows(zeroInitResidualGamma: Bool) -> [LayerDescription] {
        var rows: [LayerDescription] = []
        var shape = [inputChannels, inputHeight, inputWidth]
        for (name, plan) in plan(zeroInitResidualGamma: zeroInitResidualGamma) {
            shape = Self.describe(plan, name: name, input: shape, into: &rows)
        }
        return rows
    }

    private static func describe(_ plan: LayerPlan, name: String, input: [Int],
                                 into rows: inout [LayerDescription]) -> [Int] {
        let output = plan.outputShape(for: input)
        func row(_ type: String, params: Int = 0, flops: Int = 0) {
            rows.append(LayerDescription(name: name, type: type, outputShape: output, parameterCount: params, flops: flops))
        }
        func members(_ list: [(name: String, plan: LayerPlan)], from shape: [Int]) -> [Int] {
            list.reduce(shape) { describe($1.plan, name: "\(name).\($1.name)", input: $0, into: &rows) }
        }
        switch plan {
        case .conv(let c, let k, let size, let stride, let padding, let bias):
            let weights = k * c * size * size
            let pixels = output.count == 3 ? max(0, output[1]) * max(0, output[2]) : 0
            row("conv \(size)×\(size)/\(stride)" + (padding > 0 ? " pad \(padding)" : "") + " \(c)→\(k)",
                params: weights + (bias ? k : 0), flops: 2 * weights * pixels)
        case .depthwiseConv(let c, let size, let stride, let padding, let bias):
            let weights = c * size * size
            let pixels = output.count == 3 ? max(0, output[1]) * max(0, output[2]) : 0
            row("dwconv \(size)×\(size)/\(stride)" + (padding > 0 ? " pad \(padding)" : "") + " \(c)",
                params: weights + (bias ? c : 0), flops: 2 * weights * pixels)
        case .batchNorm(let channels, _):
            row(batchNormRowType, params: 2 * channels)
        case .relu:
            row("relu")
        case .relu6:
            row("relu6")
        case .maxPool(let k, let s, let p):
            row("maxpool \(k)×\(k)/\(s)" + (p > 0 ? " pad \(p)" : ""))
        case .globalAveragePool:
            row("global avg pool")
        case .flatten:
            row("flatten")
        case .dense(let i, let o):
            row("dense \(i)→\(o)", params: i * o + o, flops: 2 * i * o)
        case .dropout(let rate):
            row("dropout \(rate)")
        case .sequence(let list):
            return members(list, from: input)
        case .residual(let body, let shortcut, let activation):
            let out = members(body, from: input)
            if let shortcut {
                _ = members(shortcut.map { ("shortcut.\($0.name)", $0.plan) }, from: input)
            }
            let type = (shortcut == nil ? "add identity" : "add projection") + (activation ? " + relu" : "")
            rows.append(LayerDescription(name: name, type: type,
                                         outputShape: out, parameterCount: 0, flops: 0))
            return out
        }
        return output
    }
}
