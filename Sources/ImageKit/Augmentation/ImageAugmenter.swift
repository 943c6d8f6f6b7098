import Dispatch
import Foundation

/// Random training-time transforms. The geometry (resize or random-resized-crop,
/// shift, rotation, shear, zoom, flips) is composed into one affine matrix
/// and applied in a single bilinear pass; colour jitter and random erasing follow.
///
///     let augmenter = try ImageAugmenter(options: .keras(rotation: 40, widthShift: 0.2,
///         heightShift: 0.2, shear: 0.2, zoom: 0.2, horizontalFlip: true))
///     let out = augmenter.augment(images, to: preprocessing, seed: epochSeed)
public struct ImageAugmenter: Sendable {
    public let options: AugmentationOptions

    public init(options: AugmentationOptions) throws {
        try options.validate()
        self.options = options
    }

    /// Augments one image to the model's input size, drawing from `generator`.
    /// Throws only for preprocessing options that fail `validate()`.
    public func augment(_ image: RGBImage, to preprocessing: PreprocessingOptions,
                        using generator: inout AugmentationGenerator) throws -> RGBImage {
        try preprocessing.validate()
        return augmentValidated(image, to: preprocessing, using: &generator)
    }

    public func augment(_ image: RGBImage, to preprocessing: PreprocessingOptions, seed: UInt64) throws -> RGBImage {
        var generator = AugmentationGenerator(seed: seed)
        return try augment(image, to: preprocessing, using: &generator)
    }

    /// Augments a batch in parallel; image i uses `AugmentationGenerator.seed(seed, index: i)`,
    /// so the result does not depend on scheduling.
    public func augment(_ images: [RGBImage], to preprocessing: PreprocessingOptions, seed: UInt64)
        throws -> [RGBImage] {
        try preprocessing.validate()
        let slots = ResultSlots<RGBImage>(count: images.count)
        DispatchQueue.concurrentPerform(iterations: images.count) { index in
            var generator = AugmentationGenerator(seed: AugmentationGenerator.seed(seed, index: index))
            slots.set(index, .success(augmentValidated(images[index], to: preprocessing, using: &generator)))
        }
        return try slots.all().map { try $0.get() }
    }

    func augmentValidated(_ image: RGBImage, to preprocessing: PreprocessingOptions,
                          using generator: inout AugmentationGenerator) -> RGBImage {
        let w = preprocessing.inputWidth, h = preprocessing.inputHeight
        var source = image
        // Output pixel → position in `source` of the plain (unaugmented) resize.
        let base: AffineTransform
        if let crop = options.resizedCrop {
            base = Self.resizedCrop(crop, sourceWidth: image.width, sourceHeight: image.height,
                                    outWidth: w, outHeight: h, &generator)
        } else {
            switch preprocessing.resize {
            case .pad:
                // Letterbox first (bars in the background colour, not the fill
                // mode), then the random transform acts on the padded picture.
                source = ImagePreprocessor.resizeUnchecked(image, options: preprocessing)
                base = .identity
            case .squash, .shorterSide:
                let box = ImagePreprocessor.sourceBox(for: preprocessing, width: image.width, height: image.height)
                base = Self.boxMap(box, outWidth: w, outHeight: h)
            }
        }
        var transform = base.concatenating(randomGeometry(outWidth: w, outHeight: h, &generator))
        // Shrinking by more than ~1.25 would alias in a bilinear pass; prefilter
        // with the antialiased resampler and fold its scale into the matrix.
        let rowScale = transform.rowScale, colScale = transform.colScale
        if rowScale > 1.25 || colScale > 1.25 {
            let newWidth = colScale > 1.25 ? max(Int((Double(source.width) / colScale).rounded()), 1) : source.width
            let newHeight = rowScale > 1.25 ? max(Int((Double(source.height) / rowScale).rounded()), 1) : source.height
            let sx = Double(newWidth) / Double(source.width), sy = Double(newHeight) / Double(source.height)
            source = Resampler.resize(source, box: (0, 0, Double(source.width), Double(source.height)),
                                      outWidth: newWidth, outHeight: newHeight, filter: .triangle)
            // Pixel centres: new = (old + 0.5)·s − 0.5.
            transform = AffineTransform(a: sy, b: 0, c: 0.5 * sy - 0.5, d: 0, e: sx, f: 0.5 * sx - 0.5)
                .concatenating(transform)
        }
        var out = AffineWarp.warp(source, transform: transform, outWidth: w, outHeight: h,
                                  fillMode: options.fillMode, fillColor: options.fillColor)
        ColorJitter.sample(options, &generator).apply(to: &out)
        RandomErasing.sample(options, width: w, height: h, &generator)?.apply(to: &out, &generator)
        return out
    }

    /// Keras `ImageDataGenerator.random_transform` geometry, in output coordinates.
    func randomGeometry(outWidth: Int, outHeight: Int, _ g: inout AugmentationGenerator) -> AffineTransform {
        let o = options
        let theta = o.rotation > 0 ? g.uniform(-o.rotation, o.rotation) : 0
        var tx = o.heightShift > 0 ? g.uniform(-o.heightShift, o.heightShift) : 0
        if o.heightShift < 1 { tx *= Double(outHeight) }
        var ty = o.widthShift > 0 ? g.uniform(-o.widthShift, o.widthShift) : 0
        if o.widthShift < 1 { ty *= Double(outWidth) }
        let shear = o.shear > 0 ? g.uniform(-o.shear, o.shear) : 0
        var zx = 1.0, zy = 1.0
        if o.zoom != 1...1 {
            zx = g.uniform(o.zoom.lowerBound, o.zoom.upperBound)
            zy = g.uniform(o.zoom.lowerBound, o.zoom.upperBound)
        }
        let flipH = o.horizontalFlip && g.nextUnit() < 0.5
        let flipV = o.verticalFlip && g.nextUnit() < 0.5

        // Keras order: rotation · shift · shear · zoom, about the centre.
        var m = AffineTransform.identity
        if theta != 0 { m = m.concatenating(.rotation(degrees: theta)) }
        if tx != 0 || ty != 0 { m = m.concatenating(.translation(rows: tx, cols: ty)) }
        if shear != 0 { m = m.concatenating(.shear(degrees: shear)) }
        if zx != 1 || zy != 1 { m = m.concatenating(.scale(rows: zx, cols: zy)) }
        m = m.centered(rows: outHeight, cols: outWidth)
        // Keras flips after the transform: output(r, c) = transformed(r, W − 1 − c).
        if flipH { m = m.concatenating(AffineTransform(a: 1, b: 0, c: 0, d: 0, e: -1, f: Double(outWidth - 1))) }
        if flipV { m = m.concatenating(AffineTransform(a: -1, b: 0, c: Double(outHeight - 1), d: 0, e: 1, f: 0)) }
        return m
    }

    /// Output pixel centres spread evenly over a source box (x0, y0, x1, y1).
    static func boxMap(_ box: (Double, Double, Double, Double), outWidth: Int, outHeight: Int) -> AffineTransform {
        let sy = (box.3 - box.1) / Double(outHeight), sx = (box.2 - box.0) / Double(outWidth)
        return AffineTransform(a: sy, b: 0, c: box.1 + 0.5 * sy - 0.5, d: 0, e: sx, f: box.0 + 0.5 * sx - 0.5)
    }

    /// torchvision `RandomResizedCrop.get_params`: ten tries at a random area
    /// and log-uniform aspect ratio, else a centre crop with the ratio clamped.
    static func resizedCrop(_ crop: AugmentationOptions.ResizedCrop, sourceWidth: Int, sourceHeight: Int,
                            outWidth: Int, outHeight: Int, _ g: inout AugmentationGenerator) -> AffineTransform {
        let width = Double(sourceWidth), height = Double(sourceHeight)
        let area = width * height
        let logRatio = (log(crop.ratio.lowerBound), log(crop.ratio.upperBound))
        for _ in 0..<10 {
            let target = area * g.uniform(crop.scale.lowerBound, crop.scale.upperBound)
            let ratio = exp(g.uniform(logRatio.0, logRatio.1))
            let w = Int((target * ratio).squareRoot().rounded())
            let h = Int((target / ratio).squareRoot().rounded())
            if w > 0, h > 0, w <= sourceWidth, h <= sourceHeight {
                let top = g.integer(0, sourceHeight - h), left = g.integer(0, sourceWidth - w)
                return boxMap((Double(left), Double(top), Double(left + w), Double(top + h)),
                              outWidth: outWidth, outHeight: outHeight)
            }
        }
        let inRatio = width / height
        var w = width, h = height
        if inRatio < crop.ratio.lowerBound {
            h = (w / crop.ratio.lowerBound).rounded()
        } else if inRatio > crop.ratio.upperBound {
            w = (h * crop.ratio.upperBound).rounded()
        }
        let left = ((width - w) / 2).rounded(.down), top = ((height - h) / 2).rounded(.down)
        return boxMap((left, top, left + w, top + h), outWidth: outWidth, outHeight: outHeight)
    }
}
