import Foundation
import ImageKit
import NeuralEngine

/// Brings any source image to the working form the cache holds: the model's
/// input size (by the resize policy), its channel count (BT.601 luma for gray)
/// and, for decoded photos, the optional inversion. Every step is ImageKit's, the
/// same code the server runs on uploads, so training and serving see the same pixels.
public struct WorkingImageLoader: Sendable {
    public let preprocessing: Preprocessing
    let decoder: ImageDecoder
    /// ImageKit's preprocessor set to emit raw 0…255 intensities: mean 0 and
    /// std 1/255 make its (v/255 − mean)/std the identity, so its resize, luma
    /// and inversion are reused exactly and only normalisation is left for later.
    let rawPhotos: ImagePreprocessor
    /// The same without inversion, for arrays already in the model's domain (IDX).
    let rawArrays: ImagePreprocessor

    public init(preprocessing: Preprocessing) throws {
        self.preprocessing = preprocessing
        func options(invert: Bool) -> PreprocessingOptions {
            PreprocessingOptions(
                inputWidth: preprocessing.inputWidth, inputHeight: preprocessing.inputHeight,
                channels: preprocessing.channels, mean: [0], std: [1.0 / 255],
                resize: PreprocessingOptions.ResizePolicy(rawValue: preprocessing.resize.rawValue) ?? .squash,
                cropFraction: preprocessing.cropFraction, invert: invert)
        }
        do {
            rawPhotos = try ImagePreprocessor(options: options(invert: preprocessing.invert))
            rawArrays = try ImagePreprocessor(options: options(invert: false))
        } catch {
            throw TrainingError.invalidConfiguration("preprocessing: \(error)")
        }
        decoder = ImageDecoder(options: rawPhotos.decodeOptions())
    }

    /// ImageKit's options for the model's real preprocessing (what the server uses).
    public static func imageKitOptions(_ p: Preprocessing) -> PreprocessingOptions {
        PreprocessingOptions(inputWidth: p.inputWidth, inputHeight: p.inputHeight, channels: p.channels,
                             mean: p.mean, std: p.std,
                             resize: PreprocessingOptions.ResizePolicy(rawValue: p.resize.rawValue) ?? .squash,
                             cropFraction: p.cropFraction, invert: p.invert)
    }

    /// Decodes a JPEG or PNG file (EXIF-oriented, DCT-downscaled when large).
    public func load(path: String) throws -> WorkingImage {
        let data = try FileAccess.contents(of: path)
        let image: RGBImage
        do {
            image = try decoder.decode(data)
        } catch {
            throw TrainingError.unreadableFile(path: path, reason: "\(error)")
        }
        return working(image, using: rawPhotos)
    }

    /// An array image (IDX): resized and channel-converted only when it differs
    /// from the working form; never inverted.
    public func adapt(_ image: WorkingImage) throws -> WorkingImage {
        if image.width == preprocessing.inputWidth && image.height == preprocessing.inputHeight
            && image.channels == preprocessing.channels {
            return image
        }
        let rgb: RGBImage
        do {
            rgb = image.channels == 1
                ? try RGBImage(width: image.width, height: image.height, grayPixels: image.pixels)
                : try RGBImage(width: image.width, height: image.height, pixels: image.pixels)
        } catch {
            throw TrainingError.invalidConfiguration("cannot adapt a \(image.width)×\(image.height) image: \(error)")
        }
        return working(rgb, using: rawArrays)
    }

    private func working(_ image: RGBImage, using preprocessor: ImagePreprocessor) -> WorkingImage {
        let width = preprocessing.inputWidth, height = preprocessing.inputHeight
        let channels = preprocessing.channels
        let planar = preprocessor.tensor(image)  // C×H×W, values 0…255
        var pixels = [UInt8](repeating: 0, count: planar.count)
        let plane = width * height
        for c in 0..<channels {
            for i in 0..<plane {
                pixels[i * channels + c] = UInt8(max(0, min(255, planar[c * plane + i].rounded())))
            }
        }
        return WorkingImage(width: width, height: height, channels: channels, pixels: pixels)
    }
}
