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
        try OptionRange.require(rotationRange, "--rotation-range", "of degrees in [0, 180]") { $0 >= 0 && $0 <= 180 }
        try OptionRange.require(widthShiftRange, "--width-shift-range", "in [0, 1)") { $0 >= 0 && $0 < 1 }
        try OptionRange.require(heightShiftRange, "--height-shift-range", "in [0, 1)") { $0 >= 0 && $0 < 1 }
        try OptionRange.require(shearRange, "--shear-range", "of degrees in [0, 90)") { $0 >= 0 && $0 < 90 }
        try OptionRange.require(zoomRange, "--zoom-range", "in [0, 1)") { $0 >= 0 && $0 < 1 }
        try OptionRange.require(cval, "--cval", "in [0, 255]") { $0 >= 0 && $0 <= 255 }
        if let range = brightnessRange {
            // ImageKit draws brightness from [1 − v, 1 + v] with v at most 10.
            try check(range.count == 2 && range.allSatisfy(\.isFinite) && range[0] > 0 && range[0] <= range[1] && range[1] <= 10,
                      "--brightness-range needs two finite factors LO,HI with 0 < LO <= HI <= 10, not \(range.map { "\($0)" }.joined(separator: ","))")
        }
        if let scale = randomResizedCrop {
            try OptionRange.require(scale, "--random-resized-crop", "(a minimum area fraction) in (0, 1]") { $0 > 0 && $0 <= 1 }
        }
        if let erasing = randomErasing {
            try OptionRange.require(erasing, "--random-erasing", "(a probability) in [0, 1]") { $0 >= 0 && $0 <= 1 }
        }
        if let jitter = colorJitter {
            try check((1...3).contains(jitter.count), "--color-jitter needs BRIGHTNESS[,CONTRAST[,SATURATION]]: one to three strengths")
            try OptionRange.require(jitter, "--color-jitter", "in [0, 1)") { $0 >= 0 && $0 < 1 }
        }
    }
}
