import Foundation
import ONNXFormat

/// A node's attributes by name, with ONNX's defaults where an attribute is absent.
struct ONNXNodeAttributes {
    private let byName: [String: Onnx_AttributeProto]
    /// The node as messages name it.
    let what: String

    init(_ node: Onnx_NodeProto, what: String) {
        var byName: [String: Onnx_AttributeProto] = [:]
        for attribute in node.attribute { byName[attribute.name] = attribute }
        self.byName = byName
        self.what = what
    }

    func has(_ name: String) -> Bool { byName[name] != nil }

    func int(_ name: String, default value: Int) -> Int {
        byName[name].map { Int(truncatingIfNeeded: $0.i) } ?? value
    }

    func float(_ name: String, default value: Float) -> Float {
        byName[name]?.f ?? value
    }

    func optionalFloat(_ name: String) -> Float? {
        byName[name]?.f
    }

    func ints(_ name: String) -> [Int]? {
        byName[name].map { $0.ints.map { Int(truncatingIfNeeded: $0) } }
    }

    func string(_ name: String) -> String? {
        byName[name].map { String(decoding: $0.s, as: UTF8.self) }
    }

    /// The square window of a Conv or pool: one size, one stride, one padding on every
    /// side, no dilation, no auto_pad; `kernel` is the weight's size where the node omits it.
    func squareWindow(kernel fallback: [Int]? = nil) throws -> (kernel: Int, stride: Int, padding: Int) {
        let kernel = ints("kernel_shape") ?? fallback ?? []
        guard kernel.count == 2, kernel[0] == kernel[1], kernel[0] >= 1 else {
            throw ONNXImportError("\(what) has kernel shape \(kernel.map(String.init).joined(separator: "×")); only square 2-D windows can be imported")
        }
        let strides = ints("strides") ?? [1, 1]
        guard strides.count == 2, strides[0] == strides[1], strides[0] >= 1 else {
            throw ONNXImportError("\(what) has strides \(strides); only equal strides can be imported")
        }
        let pads = ints("pads") ?? [0, 0, 0, 0]
        guard pads.count == 4, Set(pads).count == 1, pads[0] >= 0, pads[0] <= kernel[0] / 2 else {
            throw ONNXImportError("\(what) has pads \(pads); only the same padding on every side, at most half the kernel, can be imported")
        }
        if let dilations = ints("dilations"), dilations.contains(where: { $0 != 1 }) {
            throw ONNXImportError("\(what) has dilations \(dilations); only 1 can be imported")
        }
        if let autoPad = string("auto_pad"), !autoPad.isEmpty, autoPad != "NOTSET" {
            throw ONNXImportError("\(what) has auto_pad \(autoPad); only explicit pads can be imported")
        }
        return (kernel[0], strides[0], pads[0])
    }
}
