/// Training-time augmentation, named and meant as Keras' `ImageDataGenerator`
/// arguments (`rotation_range=40, width_shift_range=0.2, …`), plus torchvision's
/// random-resized-crop and colour jitter. All off by default.
public struct AugmentationOptions: Codable, Sendable, Equatable {
    public enum FillMode: String, Codable, Sendable, CaseIterable {
        case nearest, reflect, constant, wrap
    }

    /// Degrees; a rotation is drawn uniformly from [-r, r].
    public var rotationRange: Double = 0
    /// Fraction of the width; a shift is drawn from [-w, w] × width.
    public var widthShiftRange: Double = 0
    public var heightShiftRange: Double = 0
    /// Degrees (Keras: "shear angle in counter-clockwise direction in degrees").
    public var shearRange: Double = 0
    /// A zoom factor is drawn from [1 - z, 1 + z].
    public var zoomRange: Double = 0
    public var horizontalFlip = false
    public var verticalFlip = false
    public var fillMode: FillMode = .nearest
    /// Fill value for `constant`, in pixel units 0…255.
    public var cval: Double = 0
    /// Multiplies intensities by a factor drawn from [lo, hi] (Keras `brightness_range`).
    public var brightnessRange: [Double]?
    /// torchvision `RandomResizedCrop(scale=(s, 1), ratio=(3/4, 4/3))`; nil = off.
    public var randomResizedCrop: Double?
    /// torchvision `ColorJitter(brightness, contrast, saturation)` strengths.
    public var colorJitter: [Double]?
    /// torchvision `RandomErasing(p, scale=(0.02, 0.33), ratio=(0.3, 3.3))` with random
    /// values (Zhong et al.): the probability that an image gets a rectangle erased; nil = off.
    public var randomErasing: Double?

    public init() {}

    public var isIdentity: Bool {
        rotationRange == 0 && widthShiftRange == 0 && heightShiftRange == 0 && shearRange == 0
            && zoomRange == 0 && !horizontalFlip && !verticalFlip && brightnessRange == nil
            && randomResizedCrop == nil && colorJitter == nil && (randomErasing ?? 0) == 0
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case rotationRange = "rotation-range"
        case widthShiftRange = "width-shift-range"
        case heightShiftRange = "height-shift-range"
        case shearRange = "shear-range"
        case zoomRange = "zoom-range"
        case horizontalFlip = "horizontal-flip"
        case verticalFlip = "vertical-flip"
        case fillMode = "fill-mode"
        case cval
        case brightnessRange = "brightness-range"
        case randomResizedCrop = "random-resized-crop"
        case colorJitter = "color-jitter"
        case randomErasing = "random-erasing"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rotationRange = try c.decodeIfPresent(Double.self, forKey: .rotationRange) ?? 0
        widthShiftRange = try c.decodeIfPresent(Double.self, forKey: .widthShiftRange) ?? 0
        heightShiftRange = try c.decodeIfPresent(Double.self, forKey: .heightShiftRange) ?? 0
        shearRange = try c.decodeIfPresent(Double.self, forKey: .shearRange) ?? 0
        zoomRange = try c.decodeIfPresent(Double.self, forKey: .zoomRange) ?? 0
        horizontalFlip = try c.decodeIfPresent(Bool.self, forKey: .horizontalFlip) ?? false
        verticalFlip = try c.decodeIfPresent(Bool.self, forKey: .verticalFlip) ?? false
        fillMode = try c.decodeIfPresent(FillMode.self, forKey: .fillMode) ?? .nearest
        cval = try c.decodeIfPresent(Double.self, forKey: .cval) ?? 0
        brightnessRange = try c.decodeIfPresent([Double].self, forKey: .brightnessRange)
        randomResizedCrop = try c.decodeIfPresent(Double.self, forKey: .randomResizedCrop)
        colorJitter = try c.decodeIfPresent([Double].self, forKey: .colorJitter)
        randomErasing = try c.decodeIfPresent(Double.self, forKey: .randomErasing)
    }

    /// Range checks; the message names the flag.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw TrainingError.invalidConfiguration(message) }
        }
        try check(rotationRange >= 0 && rotationRange <= 180, "--rotation-range must be in 0…180 degrees")
        try check(widthShiftRange >= 0 && widthShiftRange < 1, "--width-shift-range must be in [0, 1)")
        try check(heightShiftRange >= 0 && heightShiftRange < 1, "--height-shift-range must be in [0, 1)")
        try check(shearRange >= 0 && shearRange < 90, "--shear-range must be in [0, 90) degrees")
        try check(zoomRange >= 0 && zoomRange < 1, "--zoom-range must be in [0, 1)")
        try check(cval >= 0 && cval <= 255, "--cval must be in 0…255")
        if let range = brightnessRange {
            try check(range.count == 2 && range[0] > 0 && range[0] <= range[1],
                      "--brightness-range needs two factors LO,HI with 0 < LO <= HI")
        }
        if let scale = randomResizedCrop {
            try check(scale > 0 && scale <= 1, "--random-resized-crop needs a minimum area fraction in (0, 1]")
        }
        if let erasing = randomErasing {
            try check(erasing >= 0 && erasing <= 1, "--random-erasing needs a probability in [0, 1]")
        }
        if let jitter = colorJitter {
            try check((1...3).contains(jitter.count) && jitter.allSatisfy { $0 >= 0 && $0 < 1 },
                      "--color-jitter needs BRIGHTNESS[,CONTRAST[,SATURATION]] strengths in [0, 1)")
        }
    }
}
