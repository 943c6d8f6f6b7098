import Testing
@testable import NeuralEngine

/// End to end: a network learns a task it has never seen, from data generated here.
///
/// Coloured circles, squares and triangles of random size, position and colour on
/// noise; the label is the shape only, so colour and brightness carry no signal.
/// `simple-cnn` with plain SGD + momentum must reach ≥ 95% on held-out images,
/// measured through the fused `InferenceNetwork`.
@Suite struct SyntheticShapesTrainingTests {
    static let size = 16
    static let classes = 3   // 0 circle, 1 square, 2 triangle

    static func makeDataset(count: Int, seed: UInt64) -> (images: [Float], labels: [Int]) {
        var generator = SeededGenerator(seed: seed)
        let s = size, plane = s * s
        var images = [Float](repeating: 0, count: count * 3 * plane)
        var labels = [Int](repeating: 0, count: count)
        for index in 0..<count {
            let label = index % classes
            labels[index] = label
            let radius = 4 + 2.5 * generator.nextUniform()            // 4 to 6.5 pixels
            let cx = radius + (Float(s) - 2 * radius) * generator.nextUniform()
            let cy = radius + (Float(s) - 2 * radius) * generator.nextUniform()
            let colour = (0..<3).map { _ in 0.5 + 0.5 * generator.nextUniform() }
            let base = index * 3 * plane
            for y in 0..<s {
                for x in 0..<s {
                    let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                    let inside: Bool
                    switch label {
                    case 0: inside = dx * dx + dy * dy <= radius * radius
                    case 1: inside = abs(dx) <= radius * 0.85 && abs(dy) <= radius * 0.85
                    default:
                        // Upward triangle: apex at the top, base at the bottom.
                        let t = (dy + radius) / (2 * radius)   // 0 at the apex, 1 at the base
                        inside = t >= 0 && t <= 1 && abs(dx) <= t * radius
                    }
                    for c in 0..<3 {
                        let noise = 0.4 * generator.nextUniform()
                        images[base + c * plane + y * s + x] = (inside ? colour[c] : noise) - 0.5
                    }
                }
            }
        }
        return (images, labels)
    }

    @Test func simpleCNNLearnsColouredShapesToNinetyFivePercent() throws {
        let trainCount = 768, testCount = 300
        let train = Self.makeDataset(count: trainCount, seed: 1)
        let validation = Self.makeDataset(count: testCount, seed: 4)   // for stopping early
        let test = Self.makeDataset(count: testCount, seed: 2)          // for the verdict only
        let spec = try ArchitectureSpec.preset("simple-cnn", inputSize: Self.size, channels: 3, classes: Self.classes)
        let network = try buildNetwork(spec, seed: 7)
        let parameters = network.namedParameters().filter { $0.parameter.isTrainable }.map(\.parameter)
        var velocity = parameters.map { [Float](repeating: 0, count: $0.value.count) }
        let imageSize = 3 * Self.size * Self.size
        let batchSize = 32, learningRate: Float = 0.02, momentum: Float = 0.9
        var order = Array(0..<trainCount)
        var generator = SeededGenerator(seed: 3)
        let loss = SoftmaxCrossEntropy()

        func accuracy(_ data: (images: [Float], labels: [Int])) -> Double {
            let fast = InferenceNetwork(network)
            let logits = fast.logits(Tensor(shape: [testCount, 3, Self.size, Self.size], scalars: data.images))
            var correct = 0
            for n in 0..<testCount {
                let row = logits.scalars[n * Self.classes..<(n + 1) * Self.classes]
                if row.indices.max(by: { row[$0] < row[$1] }).map({ $0 - n * Self.classes }) == data.labels[n] { correct += 1 }
            }
            return Double(correct) / Double(testCount)
        }

        var validationAccuracy = 0.0
        for _ in 0..<15 where validationAccuracy < 0.98 {
            order.shuffle(using: &generator)
            for start in stride(from: 0, to: trainCount, by: batchSize) {
                let indices = order[start..<min(trainCount, start + batchSize)]
                var scalars = [Float]()
                scalars.reserveCapacity(indices.count * imageSize)
                for i in indices { scalars += train.images[i * imageSize..<(i + 1) * imageSize] }
                let batch = Tensor(shape: [indices.count, 3, Self.size, Self.size], scalars: scalars)
                network.zeroGradients()
                let (_, gradient) = loss.loss(logits: network.forward(batch, training: true),
                                              labels: indices.map { train.labels[$0] })
                _ = network.backward(gradient)
                // Plain SGD with momentum (Sutskever et al. 2013): v ← μv + g; w ← w − ηv.
                for (p, parameter) in parameters.enumerated() {
                    let g = parameter.gradient.scalars
                    velocity[p].withUnsafeMutableBufferPointer { v in
                        parameter.value.scalars.withUnsafeMutableBufferPointer { w in
                            for i in 0..<w.count {
                                v[i] = momentum * v[i] + g[i]
                                w[i] -= learningRate * v[i]
                            }
                        }
                    }
                }
            }
            validationAccuracy = accuracy(validation)
        }
        let testAccuracy = accuracy(test)
        #expect(testAccuracy >= 0.95, "held-out accuracy \(testAccuracy) (validation \(validationAccuracy))")
    }
}
