/// One layer of a network as a spec describes it, before any weights exist.
///
/// Both the builder (which instantiates layers) and the layer table (which
/// counts parameters and FLOPs from shapes alone) walk this one plan, so the
/// two cannot disagree about what a spec means.
indirect enum LayerPlan: Sendable {
    case conv(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Int, bias: Bool)
    /// One k×k filter per channel (`DepthwiseConv2D`).
    case depthwiseConv(channels: Int, kernelSize: Int, stride: Int, padding: Int, bias: Bool)
    /// `zeroGamma`: the last BatchNorm of a residual body, whose scale may start at
    /// zero so that every block begins as the identity (Goyal et al. 2017, §5.1).
    case batchNorm(channels: Int, zeroGamma: Bool)
    case relu
    case relu6
    case maxPool(kernelSize: Int, stride: Int, padding: Int)
    case globalAveragePool
    case flatten
    case dense(inFeatures: Int, outFeatures: Int)
    case dropout(rate: Float)
    case sequence([(name: String, plan: LayerPlan)])
    /// out = body(x) + shortcut(x), then ReLU when `activation`; identity shortcut when nil.
    case residual(body: [(name: String, plan: LayerPlan)], shortcut: [(name: String, plan: LayerPlan)]?,
                  activation: Bool)

    /// Output shape per image: (C, H, W) for feature maps, (F) for vectors.
    /// Dimensions may come out zero or negative for too-small inputs; the caller checks.
    func outputShape(for shape: [Int]) -> [Int] {
        switch self {
        case .conv(_, let out, let k, let s, let p, _):
            return [out, LayerPlan.spatial(shape[1], k, s, p), LayerPlan.spatial(shape[2], k, s, p)]
        case .depthwiseConv(let c, let k, let s, let p, _):
            return [c, LayerPlan.spatial(shape[1], k, s, p), LayerPlan.spatial(shape[2], k, s, p)]
        case .maxPool(let k, let s, let p):
            return [shape[0], LayerPlan.spatial(shape[1], k, s, p), LayerPlan.spatial(shape[2], k, s, p)]
        case .batchNorm, .relu, .relu6, .dropout:
            return shape
        case .globalAveragePool:
            return [shape[0]]
        case .flatten:
            return [shape.reduce(1, *)]
        case .dense(_, let out):
            return [out]
        case .sequence(let members):
            return members.reduce(shape) { $1.plan.outputShape(for: $0) }
        case .residual(let body, _, _):
            return body.reduce(shape) { $1.plan.outputShape(for: $0) }
        }
    }

    /// Output length of a sliding window: floor((n + 2p − k) / s) + 1, or 0 when the window does not fit.
    static func spatial(_ n: Int, _ k: Int, _ s: Int, _ p: Int) -> Int {
        let span = n + 2 * p - k
        return span < 0 ? 0 : span / s + 1
    }
}
