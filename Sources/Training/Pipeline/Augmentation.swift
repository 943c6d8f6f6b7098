import ImageKit
import NeuralEngine

/// Maps the Keras-named options onto ImageKit's augmenter, which composes the
/// geometry into one affine pass and then applies colour jitter.
///
/// Augmentation acts on the cached working image (already at the input size),
/// as Keras' `flow_from_directory` + `random_transform` does, so a random-resized
/// crop upsamples from the input resolution rather than from the original photo.
enum Augmentation {
    static func make(_ options: AugmentationOptions, preprocessing: Preprocessing) throws -> BatchLoader.Augment? {
        guard !options.isIdentity else { return nil }
        let imageKit = try imageKitOptions(options)
        let augmenter: ImageAugmenter
        do {
            augmenter = try ImageAugmenter(options: imageKit)
        } catch {
            throw TrainingError.invalidConfiguration("augmentation: \(error)")
        }
        // The working image is already W×H, so the base resize is the identity.
        let target = PreprocessingOptions(inputWidth: preprocessing.inputWidth, inputHeight: preprocessing.inputHeight,
                                          channels: 3, mean: [0], std: [1], resize: .squash)
        do {
            try target.validate()
        } catch {
            throw TrainingError.invalidConfiguration("augmentation: \(error)")
        }
        return { image, seed in
            let rgb: RGBImage
            do {
                rgb = image.channels == 1
                    ? try RGBImage(width: image.width, height: image.height, grayPixels: image.pixels)
                    : try RGBImage(width: image.width, height: image.height, pixels: image.pixels)
            } catch {
                return image  // unreachable: working images always have consistent sizes
            }
            // `target` was validated above, the only thing `augment` checks.
            guard let out = try? augmenter.augment(rgb, to: target, seed: seed) else { return image }
            if image.channels == 3 {
                return WorkingImage(width: out.width, height: out.height, channels: 3, pixels: out.pixels)
            }
            // A gray image stays gray through the geometry and brightness/contrast
            // (the same operation on three equal channels): keep one of them.
            var gray = [UInt8](repeating: 0, count: out.width * out.height)
            for i in gray.indices { gray[i] = out.pixels[3 * i] }
            return WorkingImage(width: out.width, height: out.height, channels: 1, pixels: gray)
        }
    }

    static func imageKitOptions(_ o: AugmentationOptions) throws -> ImageKit.AugmentationOptions {
        var brightness = 0.0, contrast = 0.0, saturation = 0.0
        if let jitter = o.colorJitter {
            brightness = jitter[0]
            contrast = jitter.count > 1 ? jitter[1] : 0
            saturation = jitter.count > 2 ? jitter[2] : 0
        }
        // Keras' brightness_range [lo, hi] multiplies by a factor from [lo, hi]; ImageKit's
        // brightness v draws from [1 − v, 1 + v]. The symmetric range that covers [lo, hi] is used.
        if let range = o.brightnessRange {
            brightness = max(brightness, 1 - range[0], range[1] - 1)
        }
        let fill = ImageKit.AugmentationOptions.FillMode(rawValue: o.fillMode.rawValue) ?? .nearest
        let value = UInt8(max(0, min(255, o.cval.rounded())))
        return ImageKit.AugmentationOptions(
            horizontalFlip: o.horizontalFlip, verticalFlip: o.verticalFlip, rotation: o.rotationRange,
            widthShift: o.widthShiftRange, heightShift: o.heightShiftRange, shear: o.shearRange,
            zoom: (1 - o.zoomRange)...(1 + o.zoomRange),
            resizedCrop: o.randomResizedCrop.map { .init(scale: $0...1) },
            brightness: brightness, contrast: contrast, saturation: saturation,
            fillMode: fill, fillColor: RGBColor(red: value, green: value, blue: value),
            erasing: o.randomErasing.flatMap { $0 > 0 ? .init(probability: $0) : nil })
    }
}
