extension ConvolutionGeometry {
    /// The window sweep of a square pooling layer over an NCHW `shape`, shared by
    /// MaxPool2D and AvgPool2D. A wrong rank or an input smaller than the window is a
    /// programmer error (the architecture's `validate()` rejects such inputs up front).
    static func pooling(_ layer: String, shape: [Int], kernelSize: Int, stride: Int, padding: Int) -> ConvolutionGeometry {
        precondition(shape.count == 4, "\(layer): expected (N, C, H, W), got \(shape)")
        let g = ConvolutionGeometry(channels: shape[1], height: shape[2], width: shape[3],
                                    kernelHeight: kernelSize, kernelWidth: kernelSize,
                                    stride: stride, padding: padding)
        precondition(g.outputHeight > 0 && g.outputWidth > 0,
                     "\(layer): input \(shape) is smaller than the \(kernelSize)×\(kernelSize) window")
        return g
    }
}
