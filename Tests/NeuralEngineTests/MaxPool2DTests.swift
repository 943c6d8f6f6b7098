import Testing
@testable import NeuralEngine

@Suite struct MaxPool2DTests {
    /// Window maxima computed the obvious way, padding as −∞.
    func naiveMaxPool(_ x: Tensor, kernel: Int, stride: Int, padding: Int) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let p = (h + 2 * padding - kernel) / stride + 1, q = (w + 2 * padding - kernel) / stride + 1
        var out = Tensor(zeros: [n, c, p, q])
        for plane in 0..<(n * c) {
            for i in 0..<p {
                for j in 0..<q {
                    var best = -Float.infinity
                    for a in 0..<kernel {
                        for b in 0..<kernel {
                            let y = i * stride - padding + a, z = j * stride - padding + b
                            if y >= 0, y < h, z >= 0, z < w { best = max(best, x.scalars[(plane * h + y) * w + z]) }
                        }
                    }
                    out.scalars[(plane * p + i) * q + j] = best
                }
            }
        }
        return out
    }

    @Test("forward equals the naive window maximum", arguments: [(2, 2, 0), (3, 2, 1), (3, 1, 1), (3, 3, 0)])
    func forwardMatchesNaive(_ config: (Int, Int, Int)) {
        let (k, s, p) = config
        let input = randomTensor([2, 3, 7, 8], seed: 1)
        let layer = MaxPool2D(kernelSize: k, stride: s, padding: p)
        let expected = naiveMaxPool(input, kernel: k, stride: s, padding: p)
        #expect(layer.outputShape(for: input.shape) == expected.shape)
        #expect(layer.forward(input, training: false) == expected)
    }

    @Test func negativeInputsNextToPaddingStayNegative() {
        // Padding is −∞, not 0: an all-negative window must not return 0.
        let input = Tensor(repeating: -3, shape: [1, 1, 2, 2])
        #expect(MaxPool2D(kernelSize: 3, stride: 2, padding: 1).forward(input, training: false).scalars == [-3])
    }

    @Test("gradients match finite differences, with and without padding",
          arguments: [(2, 2, 0), (3, 2, 1), (3, 1, 1)])
    func gradientsMatchFiniteDifferences(_ config: (Int, Int, Int)) {
        let (k, s, p) = config
        checkGradients(of: MaxPool2D(kernelSize: k, stride: s, padding: p),
                       input: wellSeparatedTensor([2, 2, 5, 6], seed: 3), step: 5e-3, probes: 120)
    }

    @Test func overlappingWindowsAccumulateGradientAtTheSharedMaximum() {
        let layer = MaxPool2D(kernelSize: 2, stride: 1)
        let input = Tensor(shape: [1, 1, 2, 3], scalars: [0, 9, 0, 0, 0, 0])
        #expect(layer.forward(input, training: true).scalars == [9, 9])
        #expect(layer.backward(Tensor(shape: [1, 1, 1, 2], scalars: [1, 2])).scalars == [0, 3, 0, 0, 0, 0])
    }
}
