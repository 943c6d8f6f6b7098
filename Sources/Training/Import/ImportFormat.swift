/// What kind of file an import source is, told from its first bytes (the extension
/// only breaks a tie), so that a renamed file is still read, or refused, for what it is.
enum ImportFormat: Equatable {
    case safetensors
    case onnx

    static func detect(_ bytes: [UInt8], path: String) throws(ImportFailure) -> ImportFormat {
        let lowered = path.lowercased()
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || isPickle(bytes) {
            // torch.save writes a zip of pickles (or, before PyTorch 1.6, a bare pickle).
            // Unpickling runs whatever code the file names, so it is never done here.
            throw ImportFailure(
                "this is a PyTorch pickle (.pth/.pt), which is not read because unpickling runs code; "
                + "save the state dict as safetensors on your machine: python3 -c \"import torch; "
                + "from safetensors.torch import save_file; sd = torch.load('MODEL.pth', map_location='cpu', weights_only=True); "
                + "save_file({k: v.contiguous() for k, v in sd.items()}, 'MODEL.safetensors')\"")
        }
        if bytes.starts(with: [0x89, 0x48, 0x44, 0x46]) {
            throw ImportFailure("this is a Keras HDF5 file; convert the model to ONNX first (python3 -m tf2onnx.convert --keras MODEL.h5 --output MODEL.onnx)")
        }
        if looksLikeSafetensors(bytes) { return .safetensors }
        // An ONNX ModelProto starts with field 1 (ir_version, a varint): byte 0x08.
        if lowered.hasSuffix(".onnx") || bytes.first == 0x08 { return .onnx }
        let head = bytes.prefix(8).map { String($0, radix: 16) }.joined(separator: " ")
        throw ImportFailure("not a safetensors state dict or an ONNX file (it starts with bytes \(head.isEmpty ? "none: it is empty" : head))")
    }

    /// A pickle starts with the PROTO opcode (0x80) and a protocol number from 2 to 5.
    private static func isPickle(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x80 && (2...5).contains(bytes[1])
    }

    /// An 8-byte little-endian header length, then a JSON object.
    private static func looksLikeSafetensors(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 9 else { return false }
        var length: UInt64 = 0
        for index in 0..<8 { length |= UInt64(bytes[index]) << (8 * UInt64(index)) }
        return bytes[8] == UInt8(ascii: "{") && length <= UInt64(bytes.count - 8)
    }
}
