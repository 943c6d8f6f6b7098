/// Runs a list of layers in order (Sequential, and a Residual block's body), fusing each
/// BatchNorm2D → ReLU pair of a training pass into one pass over the activations each way,
/// and each ReLU → 2×2 MaxPool2D pair, in training and evaluation, into the pool (which
/// rectifies its 4× smaller output instead; the ReLU's full-size output is never written).
///
/// Why: both layers are a read and a write of the whole activation tensor (8 MiB per layer
/// for a batch of 128 16-channel 32×32 maps, beyond L2), so apart they cost about twice
/// the memory traffic of the fused pass. The ReLU keeps its output as usual, so the
/// backward pass can mask the gradient inside the BatchNorm's. The arithmetic is that of
/// the two layers in turn; only evaluation passes (where nothing is kept) run unfused.
enum LayerChain {
    static func forward(_ layers: [(name: String, layer: any Layer)], _ input: Tensor, training: Bool) -> Tensor {
        var x = input
        var i = 0
        while i < layers.count {
            if training, i + 1 < layers.count, let norm = layers[i].layer as? BatchNorm2D,
               let relu = layers[i + 1].layer as? ReLU {
                x = norm.forward(x, training: true, rectify: true)
                relu.adoptFusedOutput(x)
                i += 2
            } else if i + 1 < layers.count, let relu = layers[i].layer as? ReLU,
                      let pool = layers[i + 1].layer as? MaxPool2D, pool.takesWindowPath(x.shape) {
                // Also in evaluation: the same values, and no full-size ReLU output.
                x = pool.forward(x, training: training, rectify: true)
                if training { relu.markFusedIntoNext() }
                i += 2
            } else {
                x = layers[i].layer.forward(x, training: training)
                i += 1
            }
        }
        return x
    }

    static func backward(_ layers: [(name: String, layer: any Layer)], _ outputGradient: Tensor) -> Tensor {
        var gradient = outputGradient
        var i = layers.count - 1
        while i >= 0 {
            if i >= 1, let relu = layers[i].layer as? ReLU, relu.fusedIntoPrevious,
               let norm = layers[i - 1].layer as? BatchNorm2D, let output = relu.cachedOutput {
                gradient = norm.backward(gradient, rectifiedOutput: output)
                i -= 2
            } else if i >= 1, let pool = layers[i].layer as? MaxPool2D, pool.rectifiedInput,
                      let relu = layers[i - 1].layer as? ReLU, relu.fusedIntoNext {
                gradient = pool.backward(gradient)   // masks where the fused ReLU gave zero
                i -= 2
            } else {
                gradient = layers[i].layer.backward(gradient)
                i -= 1
            }
        }
        return gradient
    }
}
