/// torchvision `ColorJitter` on RGB8: brightness scales, contrast blends with
/// the mean gray level, saturation blends with each pixel's gray, in a random
/// order, clamping to [0, 255] after each step.
struct ColorJitter {
    var brightness: Double?
    var contrast: Double?
    var saturation: Double?
    var order: [Int]

    static func sample(_ options: AugmentationOptions, _ generator: inout AugmentationGenerator) -> ColorJitter {
        func factor(_ strength: Double) -> Double? {
            strength > 0 ? generator.uniform(max(0, 1 - strength), 1 + strength) : nil
        }
        let brightness = factor(options.brightness)
        let contrast = factor(options.contrast)
        let saturation = factor(options.saturation)
        var order = [0, 1, 2]
        for i in stride(from: 2, to: 0, by: -1) { order.swapAt(i, generator.integer(0, i)) }
        return ColorJitter(brightness: brightness, contrast: contrast, saturation: saturation, order: order)
    }

    var isIdentity: Bool { brightness == nil && contrast == nil && saturation == nil }

    func apply(to image: inout RGBImage) {
        if isIdentity { return }
        var values = image.pixels.map { Float($0) }
        let count = image.width * image.height
        @inline(__always) func gray(_ i: Int) -> Float {
            0.299 * values[3 * i] + 0.587 * values[3 * i + 1] + 0.114 * values[3 * i + 2]
        }
        @inline(__always) func clamp(_ v: Float) -> Float { min(max(v, 0), 255) }
        for step in order {
            switch step {
            case 0:
                guard let f = brightness.map(Float.init) else { continue }
                for i in values.indices { values[i] = clamp(values[i] * f) }
            case 1:
                guard let f = contrast.map(Float.init) else { continue }
                var total: Float = 0
                for i in 0..<count { total += gray(i) }
                let mean = total / Float(count)
                for i in values.indices { values[i] = clamp(f * values[i] + (1 - f) * mean) }
            default:
                guard let f = saturation.map(Float.init) else { continue }
                for i in 0..<count {
                    let g = gray(i)
                    for k in 0..<3 { values[3 * i + k] = clamp(f * values[3 * i + k] + (1 - f) * g) }
                }
            }
        }
        image.pixels = values.map { UInt8($0 + 0.5) }
    }
}
