import Foundation
import Testing
@testable import ImageKit

@Suite("Augmentation") struct ImageAugmenterTests {
    /// A 32x24 picture with distinct, asymmetric content.
    static func picture(width: Int = 32, height: Int = 24) throws -> RGBImage {
        var pixels = [UInt8]()
        for y in 0..<height {
            for x in 0..<width {
                pixels += [UInt8(x * 7 % 256), UInt8(y * 10 % 256), UInt8((x * y + 3 * x) % 256)]
            }
        }
        return try RGBImage(width: width, height: height, pixels: pixels)
    }

    static let input = PreprocessingOptions(inputWidth: 32, inputHeight: 24)

    @Test("No augmentation options is the identity at the input size")
    func identity() throws {
        let image = try Self.picture()
        let augmenter = try ImageAugmenter(options: AugmentationOptions())
        #expect(try augmenter.augment(image, to: Self.input, seed: 42) == image)
    }

    @Test("Horizontal flip alone gives the picture or its exact mirror, both over seeds")
    func flipIsExact() throws {
        let image = try Self.picture()
        let mirror = image.flippedHorizontally()
        let augmenter = try ImageAugmenter(options: AugmentationOptions(horizontalFlip: true))
        var flipped = 0, kept = 0
        for seed in 0..<40 {
            let out = try augmenter.augment(image, to: Self.input, seed: UInt64(seed))
            if out == mirror { flipped += 1 } else if out == image { kept += 1 }
        }
        #expect(flipped + kept == 40 && flipped > 5 && kept > 5)
    }

    @Test("The same seed gives the same batch, in parallel or one by one")
    func deterministic() throws {
        let images = try (0..<6).map { _ in try Self.picture() }
        let augmenter = try ImageAugmenter(options: .keras(rotation: 40, widthShift: 0.2, heightShift: 0.2,
                                                           shear: 0.2, zoom: 0.2, horizontalFlip: true))
        let a = try augmenter.augment(images, to: Self.input, seed: 7)
        let b = try augmenter.augment(images, to: Self.input, seed: 7)
        let c = try augmenter.augment(images, to: Self.input, seed: 8)
        #expect(a == b)
        #expect(a != c)
        #expect(try a[3] == augmenter.augment(images[3], to: Self.input, seed: AugmentationGenerator.seed(7, index: 3)))
        #expect(Set(a.map(\.pixels)).count == 6)  // each image drew its own transform
        let pre = try ImagePreprocessor(options: Self.input)
        let batch = pre.augmentedBatch(images, augmenter: augmenter, seed: 7)
        #expect(batch.shape == [6, 3, 24, 32])
        #expect(Array(batch.data[0..<(3 * 24 * 32)]) == pre.tensor(a[0]))
    }

    @Test("A 180° rotation about the centre is exactly the EXIF 'down' turn")
    func rotationIsExact() throws {
        let image = try Self.picture()
        let m = AffineTransform.rotation(degrees: 180).centered(rows: 24, cols: 32)
        let out = AffineWarp.warp(image, transform: m, outWidth: 32, outHeight: 24, fillMode: .constant, fillColor: .black)
        #expect(out == image.applying(.down))
    }

    @Test("Fill modes: nearest, reflect, wrap and constant for a 3-pixel shift", arguments: AugmentationOptions.FillMode.allCases)
    func fillModes(mode: AugmentationOptions.FillMode) throws {
        let image = try Self.picture()
        let shift = AffineTransform.translation(rows: 0, cols: -3)  // output column c samples c − 3
        let fill = RGBColor(red: 1, green: 2, blue: 3)
        let out = AffineWarp.warp(image, transform: shift, outWidth: 32, outHeight: 24, fillMode: mode, fillColor: fill)
        for c in 0..<3 {
            let source: Int
            switch mode {
            case .nearest: source = 0
            case .reflect: source = 2 - c
            case .wrap: source = 29 + c
            case .constant: source = -1
            }
            let expected = source < 0 ? fill : image.pixel(x: source, y: 5)
            #expect(out.pixel(x: c, y: 5) == expected, "column \(c)")
        }
        #expect(out.pixel(x: 10, y: 5) == image.pixel(x: 7, y: 5))
    }

    @Test("Keras-style settings keep the size and the look of the picture")
    func kerasSettingsSanity() throws {
        let image = try Self.picture(width: 64, height: 48)
        let options = PreprocessingOptions(inputWidth: 32, inputHeight: 32)
        let augmenter = try ImageAugmenter(options: .keras(rotation: 40, widthShift: 0.2, heightShift: 0.2,
                                                           shear: 0.2, zoom: 0.2, horizontalFlip: true))
        let plain = try ImagePreprocessor(options: options).resize(image)
        func mean(_ i: RGBImage) -> Double { Double(i.pixels.reduce(0) { $0 + Int($1) }) / Double(i.pixels.count) }
        for seed in 0..<10 {
            let out = try augmenter.augment(image, to: options, seed: UInt64(seed))
            #expect(out.width == 32 && out.height == 32)
            #expect(out != plain)
            #expect(abs(mean(out) - mean(plain)) < 25)
        }
    }

    @Test("Random resized crop and colour jitter stay in range and vary with the seed")
    func cropAndJitter() throws {
        let image = try Self.picture(width: 120, height: 90)
        let options = PreprocessingOptions(inputWidth: 24, inputHeight: 24)
        let augmenter = try ImageAugmenter(options: AugmentationOptions(
            resizedCrop: .init(), brightness: 0.4, contrast: 0.4, saturation: 0.4))
        let outputs = try (0..<8).map { try augmenter.augment(image, to: options, seed: UInt64($0)) }
        #expect(outputs.allSatisfy { $0.width == 24 && $0.height == 24 })
        #expect(Set(outputs.map(\.pixels)).count == 8)
        let brighter = try ImageAugmenter(options: AugmentationOptions(brightness: 0.5))
        let gray = try RGBImage(width: 24, height: 24, color: RGBColor(gray: 100))
        let values = Set(try (0..<20).map { try brighter.augment(gray, to: options, seed: UInt64($0)).pixels[0] })
        #expect(values.allSatisfy { $0 >= 50 && $0 <= 150 } && values.count > 5)
    }

    @Test("Impossible ranges and input sizes are refused")
    func invalidOptions() throws {
        let augmenter = try ImageAugmenter(options: AugmentationOptions(horizontalFlip: true))
        #expect(throws: ImageError.self) {
            try augmenter.augment(Self.picture(), to: PreprocessingOptions(inputWidth: 0, inputHeight: 3), seed: 1)
        }
        #expect(throws: ImageError.self) { try ImageAugmenter(options: AugmentationOptions(rotation: -1)) }
        #expect(throws: ImageError.self) { try ImageAugmenter(options: AugmentationOptions(zoom: 0...1)) }
        #expect(throws: ImageError.self) {
            try ImageAugmenter(options: AugmentationOptions(resizedCrop: .init(scale: 0.5...2)))
        }
    }
}
