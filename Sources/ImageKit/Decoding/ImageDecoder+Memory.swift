extension ImageDecoder {
    /// The most memory decoding `bytes` with these options can take at once, in
    /// bytes, from the header alone: the decoder's output and the copies made on
    /// the way to an upright RGB image. The service admits decodes against a
    /// shared budget with it, so a handful of small zlib bombs cannot add up to
    /// gigabytes. Data whose header cannot be read costs about its own size
    /// (decoding it fails at the same point).
    ///
    /// - JPEG: RGB at the DCT scale, the same again when EXIF turns it, and for
    ///   a progressive or multi-scan file the whole-image coefficient buffer
    ///   libjpeg keeps (2 bytes per component per stored pixel).
    /// - PNG: the RGBA buffer and the RGB image composited from it.
    public func estimatedPeakBytes(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { raw in
            let fallback = raw.count
            guard let format = ImageFormat.detect(raw) else { return fallback }
            switch format {
            case .jpeg:
                guard let header = try? JPEGDecoder.readHeader(raw) else { return fallback }
                let stored = header.width.multipliedReportingOverflow(by: header.height)
                guard !stored.overflow else { return .max }
                let orientation = options.appliesEXIFOrientation ? EXIFOrientation.read(jpeg: raw) : .up
                let output = JPEGDecoder.outputSize(header, options: options, orientation: orientation)
                let rgb = output.width * output.height * 3
                let turned = orientation == .up ? 0 : rgb
                let coefficients = header.progressive ? stored.partialValue * header.components * 2 : 0
                return rgb + turned + coefficients
            case .png:
                guard let header = try? PNGDecoder.readHeader(raw) else { return fallback }
                let pixels = header.width.multipliedReportingOverflow(by: header.height)
                guard !pixels.overflow else { return .max }
                return pixels.partialValue * (4 + 3)
            default:
                return fallback
            }
        }
    }
}
