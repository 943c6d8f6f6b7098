import Foundation

/// A 2-D affine map in (row, column) pixel coordinates, as Keras and
/// scipy.ndimage write them: it takes an *output* pixel to the *input*
/// position sampled for it (inverse mapping, so there are no holes).
public struct AffineTransform: Sendable, Equatable {
    /// [[a, b, c], [d, e, f]]: row' = a·row + b·col + c, col' = d·row + e·col + f.
    public var a, b, c, d, e, f: Double

    public init(a: Double, b: Double, c: Double, d: Double, e: Double, f: Double) {
        (self.a, self.b, self.c, self.d, self.e, self.f) = (a, b, c, d, e, f)
    }

    public static let identity = AffineTransform(a: 1, b: 0, c: 0, d: 0, e: 1, f: 0)

    /// self ∘ other: apply `other` first, then `self`.
    public func concatenating(_ other: AffineTransform) -> AffineTransform {
        AffineTransform(a: a * other.a + b * other.d, b: a * other.b + b * other.e,
                        c: a * other.c + b * other.f + c,
                        d: d * other.a + e * other.d, e: d * other.b + e * other.e,
                        f: d * other.c + e * other.f + f)
    }

    public func apply(row: Double, col: Double) -> (row: Double, col: Double) {
        (a * row + b * col + c, d * row + e * col + f)
    }

    public static func translation(rows: Double, cols: Double) -> AffineTransform {
        AffineTransform(a: 1, b: 0, c: rows, d: 0, e: 1, f: cols)
    }

    public static func scale(rows: Double, cols: Double) -> AffineTransform {
        AffineTransform(a: rows, b: 0, c: 0, d: 0, e: cols, f: 0)
    }

    /// Keras `rotation_matrix` for an angle in degrees.
    public static func rotation(degrees: Double) -> AffineTransform {
        let t = degrees * .pi / 180
        return AffineTransform(a: cos(t), b: -sin(t), c: 0, d: sin(t), e: cos(t), f: 0)
    }

    /// Keras `shear_matrix` for an angle in degrees.
    public static func shear(degrees: Double) -> AffineTransform {
        let s = degrees * .pi / 180
        return AffineTransform(a: 1, b: -sin(s), c: 0, d: 0, e: cos(s), f: 0)
    }

    /// Conjugates with a move of the origin to the centre of a rows × cols
    /// picture, so rotation, shear and zoom pivot about the middle. (Keras
    /// uses size/2 + 0.5, half a pixel off; we use the true centre.)
    public func centered(rows: Int, cols: Int) -> AffineTransform {
        let cr = Double(rows - 1) / 2, cc = Double(cols - 1) / 2
        return AffineTransform.translation(rows: cr, cols: cc)
            .concatenating(self).concatenating(.translation(rows: -cr, cols: -cc))
    }

    /// Input pixels per output pixel along rows and along columns.
    var rowScale: Double { (a * a + b * b).squareRoot() }
    var colScale: Double { (d * d + e * e).squareRoot() }
}
