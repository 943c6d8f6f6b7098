/// An 8-bit sRGB colour, used for the background behind transparent pixels,
/// padding (letterbox) and the constant fill mode of augmentation.
public struct RGBColor: Sendable, Equatable, Hashable, Codable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public init(gray: UInt8) { self.init(red: gray, green: gray, blue: gray) }

    public static let white = RGBColor(gray: 255)
    public static let black = RGBColor(gray: 0)
}
