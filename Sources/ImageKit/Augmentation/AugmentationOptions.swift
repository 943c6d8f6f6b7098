/// Random training-time transforms. Geometric ones follow Keras
/// `ImageDataGenerator` (rotation in degrees, shifts as fractions of the size
/// when below 1 and pixels otherwise, shear in degrees, zoom [1 − z, 1 + z]
/// where above 1 zooms out), plus torchvision's `RandomResizedCrop` and
/// `ColorJitter`. All zero/false: the identity.
public struct AugmentationOptions: Sendable, Equatable, Codable {
    /// How samples outside the picture are filled (scipy.ndimage modes, as Keras uses).
    public enum FillMode: String, Sendable, Codable, CaseIterable {
        /// Repeat the edge pixel.
        case nearest
        /// Mirror about the edge (d c b a | a b c d | d c b a).
        case reflect
        /// Tile the picture.
        case wrap
        /// `fillColor`.
        case constant
    }

    /// torchvision `RandomResizedCrop`: a crop of random area fraction and
    /// aspect ratio, resized to the output size.
    public struct ResizedCrop: Sendable, Equatable, Codable {
        public var scale: ClosedRange<Double>
        public var ratio: ClosedRange<Double>
        public init(scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3)) {
            self.scale = scale
            self.ratio = ratio
        }
    }

    /// torchvision `RandomErasing` / Zhong et al.: with `probability`, a rectangle of area
    /// fraction in `scale` and aspect ratio in `ratio` is filled with random values.
    public struct Erasing: Sendable, Equatable, Codable {
        public var probability: Double
        public var scale: ClosedRange<Double>
        public var ratio: ClosedRange<Double>
        public init(probability: Double, scale: ClosedRange<Double> = 0.02...0.33,
                    ratio: ClosedRange<Double> = 0.3...3.3) {
            self.probability = probability
            self.scale = scale
            self.ratio = ratio
        }
    }

    public var horizontalFlip: Bool
    public var verticalFlip: Bool
    /// Degrees; the angle is uniform in ±rotation.
    public var rotation: Double
    public var widthShift: Double
    public var heightShift: Double
    /// Degrees, as in Keras (so Keras's `shear_range=0.2` is a very small shear).
    public var shear: Double
    /// Zoom factors drawn independently for x and y from this range.
    public var zoom: ClosedRange<Double>
    public var resizedCrop: ResizedCrop?
    /// Jitter strengths as torchvision `ColorJitter`: factor uniform in [max(0, 1 − v), 1 + v].
    public var brightness: Double
    public var contrast: Double
    public var saturation: Double
    public var fillMode: FillMode
    public var fillColor: RGBColor
    /// Applied last, after the geometry and colour jitter; nil = off.
    public var erasing: Erasing?

    public init(horizontalFlip: Bool = false, verticalFlip: Bool = false, rotation: Double = 0,
                widthShift: Double = 0, heightShift: Double = 0, shear: Double = 0,
                zoom: ClosedRange<Double> = 1...1, resizedCrop: ResizedCrop? = nil,
                brightness: Double = 0, contrast: Double = 0, saturation: Double = 0,
                fillMode: FillMode = .nearest, fillColor: RGBColor = .black, erasing: Erasing? = nil) {
        self.horizontalFlip = horizontalFlip
        self.verticalFlip = verticalFlip
        self.rotation = rotation
        self.widthShift = widthShift
        self.heightShift = heightShift
        self.shear = shear
        self.zoom = zoom
        self.resizedCrop = resizedCrop
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self.fillMode = fillMode
        self.fillColor = fillColor
        self.erasing = erasing
    }

    /// The Keras spelling: `zoom_range=z` means [1 − z, 1 + z].
    public static func keras(rotation: Double = 0, widthShift: Double = 0, heightShift: Double = 0,
                             shear: Double = 0, zoom: Double = 0, horizontalFlip: Bool = false,
                             fillMode: FillMode = .nearest) -> AugmentationOptions {
        AugmentationOptions(horizontalFlip: horizontalFlip, rotation: rotation, widthShift: widthShift,
                            heightShift: heightShift, shear: shear, zoom: (1 - zoom)...(1 + zoom),
                            fillMode: fillMode)
    }

    public func validate() throws {
        let values = [rotation, widthShift, heightShift, shear, brightness, contrast, saturation]
        guard values.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw ImageError.invalidOptions("augmentation ranges must be finite and non-negative")
        }
        guard rotation <= 360, shear <= 90, widthShift <= 10_000, heightShift <= 10_000,
              brightness <= 10, contrast <= 10, saturation <= 10 else {
            throw ImageError.invalidOptions(
                "augmentation ranges beyond rotation 360, shear 90, shifts 10000, jitter 10")
        }
        guard zoom.lowerBound > 0, zoom.upperBound <= 100 else {
            throw ImageError.invalidOptions("zoom range \(zoom) must lie in (0, 100]")
        }
        if let crop = resizedCrop {
            guard crop.scale.lowerBound > 0, crop.scale.upperBound <= 1, crop.ratio.lowerBound > 0,
                  crop.ratio.upperBound.isFinite
            else { throw ImageError.invalidOptions("resized crop scale must be in (0, 1], ratio positive") }
        }
        if let erasing {
            guard erasing.probability >= 0, erasing.probability <= 1, erasing.scale.lowerBound > 0,
                  erasing.scale.upperBound < 1, erasing.ratio.lowerBound > 0, erasing.ratio.upperBound.isFinite
            else {
                throw ImageError.invalidOptions(
                    "random erasing needs a probability in [0, 1], an area scale in (0, 1) and a positive ratio")
            }
        }
    }
}
