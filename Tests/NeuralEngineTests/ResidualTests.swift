import Testing
@testable import NeuralEngine

@Suite struct ResidualTests {
    func basicBlock(inChannels: Int, outChannels: Int, stride: Int, seed: UInt64) -> Residual {
        var generator = SeededGenerator(seed: seed)
        let body: [(name: String, layer: any Layer)] = [
            ("conv1", Conv2D(inChannels: inChannels, outChannels: outChannels, kernelSize: 3, stride: stride,
                             padding: 1, bias: false, generator: &generator)),
            ("bn1", BatchNorm2D(channels: outChannels)),
            ("relu", ReLU()),
            ("conv2", Conv2D(inChannels: outChannels, outChannels: outChannels, kernelSize: 3, padding: 1,
                             bias: false, generator: &generator)),
            ("bn2", BatchNorm2D(channels: outChannels)),
        ]
        let shortcut: [(name: String, layer: any Layer)]? = stride == 1 && inChannels == outChannels ? nil : [
            ("0", Conv2D(inChannels: inChannels, outChannels: outChannels, kernelSize: 1, stride: stride,
                         bias: false, generator: &generator)),
            ("1", BatchNorm2D(channels: outChannels)),
        ]
        return Residual(body: body, shortcut: shortcut)
    }

    @Test func namesFollowTorchvision() {
        let block = basicBlock(inChannels: 2, outChannels: 4, stride: 2, seed: 1)
        #expect(block.namedParameters(prefix: "stage2.block0").map(\.name) == [
            "stage2.block0.conv1.weight",
            "stage2.block0.bn1.weight", "stage2.block0.bn1.bias",
            "stage2.block0.bn1.running_mean", "stage2.block0.bn1.running_var",
            "stage2.block0.conv2.weight",
            "stage2.block0.bn2.weight", "stage2.block0.bn2.bias",
            "stage2.block0.bn2.running_mean", "stage2.block0.bn2.running_var",
            "stage2.block0.shortcut.0.weight",
            "stage2.block0.shortcut.1.weight", "stage2.block0.shortcut.1.bias",
            "stage2.block0.shortcut.1.running_mean", "stage2.block0.shortcut.1.running_var",
        ])
        #expect(block.shortcut != nil && block.activation)
        #expect(block.outputShape(for: [3, 2, 8, 8]) == [3, 4, 4, 4])
    }

    @Test func identityShortcutAddsTheInput() {
        var generator = SeededGenerator(seed: 2)
        let conv = Conv2D(inChannels: 2, outChannels: 2, kernelSize: 3, padding: 1, generator: &generator)
        let block = Residual(body: [("conv", conv)], shortcut: nil, activation: false)
        let input = randomTensor([1, 2, 4, 4], seed: 3)
        let expected = conv.forward(input, training: false)
        let output = block.forward(input, training: false)
        for i in 0..<input.count { #expect(abs(output.scalars[i] - (expected.scalars[i] + input.scalars[i])) < 1e-6) }
        #expect(block.children.map(\.name) == ["conv"])
    }

    @Test func activationAppliesReLUAfterTheSum() {
        let block = Residual(body: [("relu", ReLU())], shortcut: nil, activation: true)
        let input = Tensor(shape: [1, 4], scalars: [-2, -1, 1, 2])
        // relu(relu(x) + x)
        #expect(block.forward(input, training: false).scalars == [0, 0, 2, 4])
    }

    @Test func gradientsMatchFiniteDifferencesWithProjectionShortcut() {
        let block = basicBlock(inChannels: 2, outChannels: 3, stride: 2, seed: 4)
        checkGradients(of: block, input: randomTensor([2, 2, 6, 6], seed: 5), step: 1e-3,
                       absoluteTolerance: 2e-3, relativeTolerance: 2e-2, probes: 30)
    }

    @Test func gradientsMatchFiniteDifferencesWithIdentityShortcut() {
        let block = basicBlock(inChannels: 2, outChannels: 2, stride: 1, seed: 6)
        checkGradients(of: block, input: randomTensor([2, 2, 5, 5], seed: 7), step: 1e-3,
                       absoluteTolerance: 2e-3, relativeTolerance: 2e-2, probes: 30)
    }
}
