/// The EXIF Orientation tag (0x0112): how the stored pixels must be turned to
/// be displayed upright. Raw values 1–8 as in the EXIF 2.32 specification,
/// §4.6.4 A; phones store portrait photos as landscape pixels plus 6 or 8.
public enum EXIFOrientation: Int, Sendable, CaseIterable {
    case up = 1, upMirrored, down, downMirrored, leftMirrored, right, rightMirrored, left

    /// Orientations 5–8 swap width and height.
    public var swapsDimensions: Bool { rawValue >= 5 }

    /// Reads the orientation from a JPEG's APP1 "Exif" segment. Every offset is
    /// bounds-checked; a missing, malformed or out-of-range tag gives `.up`
    /// (a broken EXIF block must never make a photo undecodable).
    public static func read(jpeg bytes: UnsafeRawBufferPointer) -> EXIFOrientation {
        var offset = 2  // after SOI
        while offset + 4 <= bytes.count {
            guard bytes[offset] == 0xFF else { return .up }
            let marker = bytes[offset + 1]
            if marker == 0xFF { offset += 1; continue }  // fill byte
            // Markers without a length: SOI, EOI, RSTn, TEM.
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { offset += 2; continue }
            if marker == 0xD9 || marker == 0xDA { return .up }  // EOI or start of scan: no EXIF before pixels
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { return .up }
            let start = offset + 4
            let end = offset + 2 + length
            if marker == 0xE1, end - start >= 6,
               bytes[start] == 0x45, bytes[start + 1] == 0x78, bytes[start + 2] == 0x69,
               bytes[start + 3] == 0x66, bytes[start + 4] == 0, bytes[start + 5] == 0 {
                let tiff = UnsafeRawBufferPointer(rebasing: bytes[(start + 6)..<end])
                if let orientation = readTIFF(tiff) { return orientation }
            }
            offset = end
        }
        return .up
    }

    /// Finds tag 0x0112 in IFD0 of a TIFF structure (TIFF 6.0 §2).
    static func readTIFF(_ tiff: UnsafeRawBufferPointer) -> EXIFOrientation? {
        guard tiff.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            let a = Int(tiff[at]), b = Int(tiff[at + 1])
            return littleEndian ? a | b << 8 : a << 8 | b
        }
        func u32(_ at: Int) -> Int? {
            guard let low = u16(littleEndian ? at : at + 2), let high = u16(littleEndian ? at + 2 : at)
            else { return nil }
            return high << 16 | low
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for entry in 0..<count {
            let at = ifd + 2 + entry * 12
            guard let tag = u16(at), let type = u16(at + 2) else { return nil }
            if tag == 0x0112 {
                // Type 3 = SHORT; the value sits left-justified in the value field.
                guard type == 3, let value = u16(at + 8) else { return nil }
                return EXIFOrientation(rawValue: value)
            }
        }
        return nil
    }
}
