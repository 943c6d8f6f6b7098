/// How a picture becomes a model input. Mirrors NeuralEngine's `Preprocessing`
/// field for field (ImageKit does not depend on the engine), so the service
/// and the trainer map one to the other 1:1, plus the choices the model file
/// leaves to the reader (filter, background).
public struct PreprocessingOptions: Sendable, Equatable, Codable {
    public enum ResizePolicy: String, Sendable, Codable, CaseIterable {
        /// Stretch to W×H, ignoring aspect ratio (Keras `flow_from_directory`).
        case squash
        /// Scale so the image covers W×H / cropFraction, then centre-crop W×H
        /// (torchvision `Resize(256)` + `CenterCrop(224)` for 224 and 0.875).
        case shorterSide = "shorter-side"
        /// Fit inside W×H keeping the aspect ratio; the rest is `background` (letterbox).
        case pad
    }

    public var inputWidth: Int
    public var inputHeight: Int
    /// 1: ITU-R BT.601 luma; 3: RGB.
    public var channels: Int
    /// Per-channel mean and standard deviation for pixels scaled to [0, 1]
    /// (one value, or one per channel).
    public var mean: [Float]
    public var std: [Float]
    public var resize: ResizePolicy
    /// For `shorter-side`: the fraction of the resized image kept by the crop.
    public var cropFraction: Float
    /// Invert intensities (255 − v) before normalising (light-on-dark datasets).
    public var invert: Bool
    /// Padding colour for `pad`.
    public var background: RGBColor
    /// Antialiasing filter used when resizing.
    public var filter: ResampleFilter

    public init(inputWidth: Int, inputHeight: Int, channels: Int = 3,
                mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225],
                resize: ResizePolicy = .squash, cropFraction: Float = 0.875, invert: Bool = false,
                background: RGBColor = .white, filter: ResampleFilter = .triangle) {
        self.inputWidth = inputWidth
        self.inputHeight = inputHeight
        self.channels = channels
        self.mean = mean
        self.std = std
        self.resize = resize
        self.cropFraction = cropFraction
        self.invert = invert
        self.background = background
        self.filter = filter
    }

    /// Throws `invalidOptions` for anything that cannot be carried out.
    public func validate() throws {
        guard inputWidth > 0, inputHeight > 0, inputWidth <= 16_384, inputHeight <= 16_384 else {
            throw ImageError.invalidOptions("input size \(inputWidth)x\(inputHeight)")
        }
        guard channels == 1 || channels == 3 else {
            throw ImageError.invalidOptions("channels must be 1 or 3, not \(channels)")
        }
        for (name, values) in [("mean", mean), ("std", std)]
        where values.count != 1 && values.count != channels {
            throw ImageError.invalidOptions("\(name) has \(values.count) values for \(channels) channels")
        }
        guard std.allSatisfy({ $0 != 0 && $0.isFinite }), mean.allSatisfy(\.isFinite) else {
            throw ImageError.invalidOptions("std must be finite and non-zero, mean finite")
        }
        guard cropFraction > 0, cropFraction <= 1 else {
            throw ImageError.invalidOptions("cropFraction \(cropFraction) must be in (0, 1]")
        }
    }

    /// Size the whole source is resized to before cropping or padding; also
    /// what the JPEG decoder must at least deliver.
    public func resizedSize(sourceWidth: Int, sourceHeight: Int) -> (width: Int, height: Int) {
        let sw = Double(max(sourceWidth, 1)), sh = Double(max(sourceHeight, 1))
        let w = Double(inputWidth), h = Double(inputHeight)
        switch resize {
        case .squash:
            return (inputWidth, inputHeight)
        case .shorterSide:
            let scale = max(w / sw, h / sh) / Double(cropFraction)
            // torchvision: the shorter side is rounded, the longer truncated.
            var rw: Int, rh: Int
            if sw <= sh {
                rw = Int((sw * scale).rounded())
                rh = Int(Double(rw) * sh / sw)
            } else {
                rh = Int((sh * scale).rounded())
                rw = Int(Double(rh) * sw / sh)
            }
            return (max(rw, inputWidth), max(rh, inputHeight))
        case .pad:
            let scale = min(w / sw, h / sh)
            return (min(max(Int((sw * scale).rounded()), 1), inputWidth),
                    min(max(Int((sh * scale).rounded()), 1), inputHeight))
        }
    }
}
