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

    @Test("the 2×2 path drops an odd last row or column", arguments: [(7, 8), (8, 7), (2, 3), (5, 5)])
    func windowPathMatchesNaiveOnOddPlanes(_ size: (Int, Int)) {
        let input = randomTensor([3, 2, size.0, size.1], seed: 11)
        let layer = MaxPool2D(kernelSize: 2, stride: 2)
        #expect(layer.takesWindowPath(input.shape))
        #expect(layer.forward(input, training: true) == naiveMaxPool(input, kernel: 2, stride: 2, padding: 0))
        // Every position is written: the winners get their gradient, everything else 0.
        let gradient = layer.backward(Tensor(repeating: 1, shape: layer.outputShape(for: input.shape)))
        #expect(gradient.scalars.filter { $0 == 1 }.count == layer.outputShape(for: input.shape).reduce(1, *))
        #expect(gradient.scalars.allSatisfy { $0 == 0 || $0 == 1 })
    }

    @Test func theFirstOfEqualMaximaWinsAndNaNNeverDoes() {
        let layer = MaxPool2D(kernelSize: 2, stride: 2)
        // Windows: all equal; NaN first then 2 and 2; all NaN.
        let nan = Float.nan
        let input = Tensor(shape: [1, 1, 2, 6], scalars: [5, 5, nan, 2, nan, nan,
                                                           5, 5, 2, 1, nan, nan])
        let output = layer.forward(input, training: true)
        #expect(output.scalars[0] == 5 && output.scalars[1] == 2 && output.scalars[2] == -.infinity)
        let gradient = layer.backward(Tensor(shape: [1, 1, 1, 3], scalars: [1, 2, 3]))
        #expect(gradient.scalars == [1, 0, 0, 2, 3, 0,
                                     0, 0, 0, 0, 0, 0])
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
