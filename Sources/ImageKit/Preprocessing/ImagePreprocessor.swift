import Dispatch
import Foundation

/// Turns decoded pictures into the normalised NCHW tensor a model expects.
///
///     let pre = try ImagePreprocessor(options: options)
///     let batch = try pre.batch(fromEncoded: [upload])   // decode + resize + normalise
public struct ImagePreprocessor: Sendable {
    public let options: PreprocessingOptions

    public init(options: PreprocessingOptions) throws {
        try options.validate()
        self.options = options
    }

    /// Decode options that let the JPEG decoder skip resolution this
    /// preprocessing would throw away.
    public func decodeOptions(_ base: DecodeOptions = DecodeOptions()) -> DecodeOptions {
        var decode = base
        decode.downscaleFor = options
        return decode
    }

    /// Applies the resize policy: the result is inputWidth × inputHeight RGB.
    public func resize(_ image: RGBImage) -> RGBImage { Self.resizeUnchecked(image, options: options) }

    /// The region of the source that fills the output for `squash` and
    /// `shorter-side` (x0, y0, x1, y1). Resize-then-crop in one pass: the crop
    /// window mapped back onto the source is the box to resample, which gives
    /// the same sample centres and filter widths as the two steps.
    static func sourceBox(for options: PreprocessingOptions, width: Int, height: Int)
        -> (Double, Double, Double, Double) {
        guard options.resize == .shorterSide else { return (0, 0, Double(width), Double(height)) }
        let w = options.inputWidth, h = options.inputHeight
        let (rw, rh) = options.resizedSize(sourceWidth: width, sourceHeight: height)
        // Python's round() (half to even), as torchvision's CenterCrop uses.
        let left = Int((Double(rw - w) / 2).rounded(.toNearestOrEven))
        let top = Int((Double(rh - h) / 2).rounded(.toNearestOrEven))
        let sx = Double(width) / Double(rw), sy = Double(height) / Double(rh)
        return (Double(left) * sx, Double(top) * sy, Double(left + w) * sx, Double(top + h) * sy)
    }

    /// `resize` for options already validated.
    static func resizeUnchecked(_ image: RGBImage, options: PreprocessingOptions) -> RGBImage {
        let w = options.inputWidth, h = options.inputHeight
        switch options.resize {
        case .squash:
            if image.width == w && image.height == h { return image }
            fallthrough
        case .shorterSide:
            let box = sourceBox(for: options, width: image.width, height: image.height)
            return Resampler.resize(image, box: box, outWidth: w, outHeight: h, filter: options.filter)
        case .pad:
            let (rw, rh) = options.resizedSize(sourceWidth: image.width, sourceHeight: image.height)
            let full = (0.0, 0.0, Double(image.width), Double(image.height))
            let inner = (image.width == rw && image.height == rh) ? image
                : Resampler.resize(image, box: full, outWidth: rw, outHeight: rh, filter: options.filter)
            return paste(inner, onto: w, h, background: options.background)
        }
    }

    static func paste(_ image: RGBImage, onto width: Int, _ height: Int, background: RGBColor) -> RGBImage {
        if image.width == width && image.height == height { return image }
        var canvas = [UInt8](repeating: 0, count: width * height * 3)
        for index in 0..<(width * height) {
            canvas[3 * index] = background.red
            canvas[3 * index + 1] = background.green
            canvas[3 * index + 2] = background.blue
        }
        let left = (width - image.width) / 2, top = (height - image.height) / 2
        for y in 0..<image.height {
            let d = ((top + y) * width + left) * 3
            let s = y * image.width * 3
            canvas.replaceSubrange(d..<(d + image.width * 3), with: image.pixels[s..<(s + image.width * 3)])
        }
        return RGBImage(unchecked: width, height, canvas)
    }

    /// Resize, optional BT.601 gray and inversion, then (v/255 − mean)/std,
    /// written as C×H×W into `out` (which must hold channels·H·W floats).
    public func write(_ image: RGBImage, into out: UnsafeMutableBufferPointer<Float>) {
        writeNormalized(resize(image), into: out)
    }

    /// The normalisation half of `write`, for an image already inputWidth × inputHeight.
    func writeNormalized(_ sized: RGBImage, into out: UnsafeMutableBufferPointer<Float>) {
        let plane = options.inputWidth * options.inputHeight
        let channels = options.channels
        sized.pixels.withUnsafeBufferPointer { px in
            for c in 0..<channels {
                let mean = options.mean.count == 1 ? options.mean[0] : options.mean[c]
                let std = options.std.count == 1 ? options.std[0] : options.std[c]
                // (v/255 − mean)/std as one multiply-add per pixel.
                let scale = 1 / (255 * std), shift = -mean / std
                var table = [Float](repeating: 0, count: 256)
                for v in 0..<256 {
                    let value = options.invert ? 255 - v : v
                    table[v] = Float(value) * scale + shift
                }
                let base = c * plane
                if channels == 3 {
                    for i in 0..<plane { out[base + i] = table[Int(px[3 * i + c])] }
                } else {
                    for i in 0..<plane { out[base + i] = table[Int(Self.luma(px[3 * i], px[3 * i + 1], px[3 * i + 2]))] }
                }
            }
        }
    }

    /// ITU-R BT.601 luma in Pillow's fixed point (`convert("L")`):
    /// (R·19595 + G·38470 + B·7471 + 2¹⁵) >> 16.
    @inline(__always)
    static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (UInt32(r) * 19595 + UInt32(g) * 38470 + UInt32(b) * 7471 + 0x8000) >> 16)
    }

    /// One image as a C×H×W array.
    public func tensor(_ image: RGBImage) -> [Float] {
        let count = options.channels * options.inputWidth * options.inputHeight
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            write(image, into: buffer)
            initialized = count
        }
    }

    /// Many images as N×C×H×W, in parallel across images.
    public func batch(_ images: [RGBImage]) -> ImageBatch {
        let per = options.channels * options.inputWidth * options.inputHeight
        let data = [Float](unsafeUninitializedCapacity: per * images.count) { buffer, initialized in
            let shared = SendableBuffer(buffer)
            DispatchQueue.concurrentPerform(iterations: images.count) { index in
                let slice = UnsafeMutableBufferPointer(rebasing: shared.buffer[(index * per)..<((index + 1) * per)])
                write(images[index], into: slice)
            }
            initialized = per * images.count
        }
        return ImageBatch(data: data, count: images.count, channels: options.channels,
                          height: options.inputHeight, width: options.inputWidth)
    }

    /// Training batches: each image augmented to the input size (image i seeded
    /// with `AugmentationGenerator.seed(seed, index: i)`), then normalised; in parallel.
    public func augmentedBatch(_ images: [RGBImage], augmenter: ImageAugmenter, seed: UInt64) -> ImageBatch {
        let per = options.channels * options.inputWidth * options.inputHeight
        let data = [Float](unsafeUninitializedCapacity: per * images.count) { buffer, initialized in
            let shared = SendableBuffer(buffer)
            DispatchQueue.concurrentPerform(iterations: images.count) { index in
                var generator = AugmentationGenerator(seed: AugmentationGenerator.seed(seed, index: index))
                let augmented = augmenter.augmentValidated(images[index], to: options, using: &generator)
                let slice = UnsafeMutableBufferPointer(rebasing: shared.buffer[(index * per)..<((index + 1) * per)])
                writeNormalized(augmented, into: slice)
            }
            initialized = per * images.count
        }
        return ImageBatch(data: data, count: images.count, channels: options.channels,
                          height: options.inputHeight, width: options.inputWidth)
    }

    /// Decodes (with DCT downscaling) and preprocesses encoded images in
    /// parallel. The first failure is thrown, with its index.
    public func batch(fromEncoded files: [Data], decode base: DecodeOptions = DecodeOptions())
        throws -> ImageBatch {
        let decoder = ImageDecoder(options: decodeOptions(base))
        let results = ResultSlots<RGBImage>(count: files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            results.set(index, Result { try decoder.decode(files[index]) })
        }
        var images: [RGBImage] = []
        images.reserveCapacity(files.count)
        for result in results.all() { images.append(try result.get()) }
        return batch(images)
    }
}

/// A buffer shared by concurrentPerform workers that write disjoint slices,
/// which is why the unchecked Sendable is safe.
struct SendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}

/// Results written by parallel workers, one slot each, under a lock.
final class ResultSlots<Value: Sendable>: @unchecked Sendable {
    private var slots: [Result<Value, any Error>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<Value, any Error>) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    func all() -> [Result<Value, any Error>] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0 ?? .failure(ImageError.invalidOptions("image was not processed")) }
    }
}
