import Testing
@testable import NeuralEngine

@Suite struct AvgPool2DTests {
    @Test func averagesWindowsAndCountsPaddingInTheDivisor() {
        let input = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        #expect(AvgPool2D(kernelSize: 2, stride: 2).forward(input, training: false).scalars == [2.5])
        // 3×3 windows at stride 2 with padding 1 over a 2×2 image: one window holding all
        // four values and five zeros of padding, divided by 9 (count_include_pad).
        let padded = AvgPool2D(kernelSize: 3, stride: 2, padding: 1).forward(input, training: false)
        #expect(padded.shape == [1, 1, 1, 1])
        #expect(abs(padded.scalars[0] - 10 / 9) < 1e-6)
    }

    @Test func outputShapeFollowsFloorMode() {
        #expect(AvgPool2D(kernelSize: 2, stride: 2).outputShape(for: [3, 4, 7, 9]) == [3, 4, 3, 4])
        #expect(AvgPool2D(kernelSize: 3, stride: 2, padding: 1).outputShape(for: [1, 1, 7, 8]) == [1, 1, 4, 4])
    }

    @Test("gradients match finite differences, with and without padding",
          arguments: [(2, 2, 0), (3, 2, 1), (3, 1, 1), (5, 3, 2)])
    func gradientsMatchFiniteDifferences(_ config: (Int, Int, Int)) {
        let (k, s, p) = config
        checkGradients(of: AvgPool2D(kernelSize: k, stride: s, padding: p),
                       input: randomTensor([2, 2, 6, 7], seed: 4), probes: 84)
    }
}
