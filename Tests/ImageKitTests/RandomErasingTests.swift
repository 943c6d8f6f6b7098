import Testing
@testable import ImageKit

@Suite("Random erasing") struct RandomErasingTests {
    static let input = PreprocessingOptions(inputWidth: 32, inputHeight: 24)

    /// The bounding box (top, left, bottom, right) of the pixels where `a` and `b` differ.
    static func changedBox(_ a: RGBImage, _ b: RGBImage) -> (Int, Int, Int, Int)? {
        var box: (Int, Int, Int, Int)?
        for y in 0..<a.height {
            for x in 0..<a.width {
                let i = 3 * (y * a.width + x)
                guard a.pixels[i..<(i + 3)] != b.pixels[i..<(i + 3)] else { continue }
                box = box.map { (min($0.0, y), min($0.1, x), max($0.2, y), max($0.3, x)) } ?? (y, x, y, x)
            }
        }
        return box
    }

    @Test("Probability 1 erases one rectangle of 2–33 % of the area and leaves the rest untouched")
    func erasesOneRectangle() throws {
        let image = try ImageAugmenterTests.picture()
        let augmenter = try ImageAugmenter(options: AugmentationOptions(erasing: .init(probability: 1)))
        var areas: Set<Int> = []
        for seed in 0..<60 {
            let out = try augmenter.augment(image, to: Self.input, seed: UInt64(seed))
            let box = try #require(Self.changedBox(image, out))
            let height = box.2 - box.0 + 1, width = box.3 - box.1 + 1
            // Random values may match the picture at the rectangle's edge, so the box of changed
            // pixels can be smaller than the rectangle, never larger.
            #expect(height * width <= Int(0.33 * 32 * 24 + 2 * 32))
            #expect(height < 24 && width < 32)
            // Inside the box almost every pixel changed (a random byte equals the old one 1 time in 256).
            var changed = 0
            for y in box.0...box.2 { for x in box.1...box.3 {
                let i = 3 * (y * 32 + x)
                if image.pixels[i..<(i + 3)] != out.pixels[i..<(i + 3)] { changed += 1 }
            } }
            #expect(Double(changed) >= 0.9 * Double(height * width))
            areas.insert(height * width)
        }
        #expect(areas.count > 20)
        #expect(areas.min()! < 80 && areas.max()! > 150)  // spread over 0.02…0.33 of 768 pixels
    }

    @Test("Probability 0.5 erases about half of the images; a gray picture stays gray")
    func probabilityAndGray() throws {
        let gray = try RGBImage(width: 32, height: 24, color: RGBColor(gray: 90))
        let augmenter = try ImageAugmenter(options: AugmentationOptions(erasing: .init(probability: 0.5)))
        var erased = 0
        for seed in 0..<200 {
            let out = try augmenter.augment(gray, to: Self.input, seed: UInt64(seed))
            if out != gray { erased += 1 }
            #expect(RandomErasing.isGray(out))
        }
        #expect(erased > 70 && erased < 130)
        let never = try ImageAugmenter(options: AugmentationOptions(erasing: .init(probability: 0)))
        #expect(try never.augment(gray, to: Self.input, seed: 3) == gray)
    }

    @Test("A colour picture gets independent random channels in the rectangle")
    func colourFill() throws {
        let image = try RGBImage(width: 32, height: 24, color: RGBColor(gray: 0))
        let augmenter = try ImageAugmenter(options: AugmentationOptions(erasing: .init(probability: 1)))
        // A black picture is gray; its erasure is gray too. A coloured one is not.
        let colour = try ImageAugmenterTests.picture()
        #expect(RandomErasing.isGray(try augmenter.augment(image, to: Self.input, seed: 1)))
        #expect(!RandomErasing.isGray(try augmenter.augment(colour, to: Self.input, seed: 1)))
    }

    @Test("Out-of-range erasing settings are refused")
    func invalid() {
        for erasing in [AugmentationOptions.Erasing(probability: 1.5), .init(probability: -0.1),
                        .init(probability: 0.5, scale: 0.1...1), .init(probability: 0.5, ratio: 0...2)] {
            #expect(throws: ImageError.self) { try ImageAugmenter(options: AugmentationOptions(erasing: erasing)) }
        }
    }
}
