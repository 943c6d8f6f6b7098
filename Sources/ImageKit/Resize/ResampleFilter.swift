/// Reconstruction filters for antialiased resizing, as in Pillow's Resample.c.
/// When shrinking, the filter is stretched by the scale factor, so every
/// source pixel contributes (no aliasing, unlike point-sampled bilinear).
public enum ResampleFilter: String, Sendable, Codable, CaseIterable {
    /// Area average (Pillow `BOX`).
    case box
    /// Triangle (Pillow `BILINEAR`, torchvision's antialiased bilinear).
    case triangle
    /// Keys cubic with a = −0.5 (Pillow `BICUBIC`).
    case bicubic

    var support: Double {
        switch self {
        case .box: return 0.5
        case .triangle: return 1
        case .bicubic: return 2
        }
    }

    func weight(_ x: Double) -> Double {
        switch self {
        case .box:
            return x > -0.5 && x <= 0.5 ? 1 : 0
        case .triangle:
            let ax = abs(x)
            return ax < 1 ? 1 - ax : 0
        case .bicubic:
            let a = -0.5
            let ax = abs(x)
            if ax < 1 { return ((a + 2) * ax - (a + 3)) * ax * ax + 1 }
            if ax < 2 { return (((ax - 5) * ax + 8) * ax - 4) * a }
            return 0
        }
    }
}
