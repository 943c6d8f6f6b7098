import Foundation

/// Random erasing (Zhong et al., "Random Erasing Data Augmentation", AAAI 2020), drawn as
/// torchvision's `RandomErasing`: with probability `probability`, a rectangle of random
/// area fraction in `scale` and log-uniform aspect ratio in `ratio` is filled with
/// uniform random pixel values, the paper's best-performing fill. Up to ten tries at a
/// rectangle that fits; when none fits the image is left as it is.
///
/// Occluding part of the object makes the network use all of it rather than one telltale
/// patch: on Fashion-MNIST the paper reports ResNet-20's error falling from 6.21 to 5.04 %.
struct RandomErasing {
    /// Top-left corner and size in pixels.
    var top: Int, left: Int, height: Int, width: Int

    static func sample(_ options: AugmentationOptions, width imageWidth: Int, height imageHeight: Int,
                       _ generator: inout AugmentationGenerator) -> RandomErasing? {
        guard let erasing = options.erasing, erasing.probability > 0,
              generator.nextUnit() < erasing.probability else { return nil }
        let area = Double(imageWidth * imageHeight)
        let logRatio = (log(erasing.ratio.lowerBound), log(erasing.ratio.upperBound))
        for _ in 0..<10 {
            let target = area * generator.uniform(erasing.scale.lowerBound, erasing.scale.upperBound)
            let ratio = exp(generator.uniform(logRatio.0, logRatio.1))
            // torchvision: h = √(area · ratio), w = √(area / ratio).
            let h = Int((target * ratio).squareRoot().rounded())
            let w = Int((target / ratio).squareRoot().rounded())
            if h > 0, w > 0, h < imageHeight, w < imageWidth {
                let top = generator.integer(0, imageHeight - h), left = generator.integer(0, imageWidth - w)
                return RandomErasing(top: top, left: left, height: h, width: w)
            }
        }
        return nil
    }

    /// Fills the rectangle with random values; a gray picture (three equal channels) stays gray.
    func apply(to image: inout RGBImage, _ generator: inout AugmentationGenerator) {
        let gray = Self.isGray(image)
        for row in top..<(top + height) {
            for column in left..<(left + width) {
                let index = 3 * (row * image.width + column)
                if gray {
                    let value = UInt8(truncatingIfNeeded: generator.next() >> 56)
                    image.pixels[index] = value
                    image.pixels[index + 1] = value
                    image.pixels[index + 2] = value
                } else {
                    for channel in 0..<3 {
                        image.pixels[index + channel] = UInt8(truncatingIfNeeded: generator.next() >> 56)
                    }
                }
            }
        }
    }

    /// True when every pixel has three equal channels (a gray picture widened to RGB).
    static func isGray(_ image: RGBImage) -> Bool {
        var index = 0
        while index < image.pixels.count {
            let red = image.pixels[index]
            if image.pixels[index + 1] != red || image.pixels[index + 2] != red { return false }
            index += 3
        }
        return true
    }
}
