import Foundation
import Yams

/// A JSON or YAML configuration file's text as plain values: `[String: Any]`,
/// `[Any]`, `String`, `Int`, `Double`, `Bool` and `NSNull`. The server's and
/// the trainer's settings files are both read here.
///
/// Not `Yams.load(yaml:)`: it builds dictionaries with a force-unwrapped
/// string for every key, so a file holding `[a]: 1` or `{}:` trapped the
/// process (found by the `training-config` fuzz target). Here the document is
/// composed into nodes and converted with a clear error for anything a
/// settings file cannot mean, with a bound on the values an alias can
/// multiply a small file into, and with a bound on nesting checked before
/// Yams sees the text: its parser recurses once per level, so 20,000 `[`
/// overflowed the stack (found by the same fuzzer).
public enum ConfigurationDocument {
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    /// Far more values than any settings file holds; a document whose
    /// aliases expand past it ("billion laughs") is refused.
    public static let maximumValueCount = 100_000

    /// Far deeper than any settings file nests.
    public static let maximumNesting = 100

    /// The document's top-level value; nil for an empty document.
    public static func parse(_ text: String) throws(Error) -> Any? {
        guard nestingBound(of: text) <= maximumNesting else {
            throw Error(description: "nested more than \(maximumNesting) levels deep")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            let oneLine = "\(error)".split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .joined(separator: " ")
            throw Error(description: "not valid JSON or YAML: \(oneLine)")
        }
        guard let node else { return nil }
        var budget = maximumValueCount
        return try value(of: node, depth: 0, budget: &budget)
    }

    /// An upper bound on how deeply `text` nests, from one pass over its bytes
    /// with no recursion: at each byte, the open flow collections (`[`, `{`)
    /// plus the line's indentation plus the block indicators (`- `, `? `,
    /// `: `) before it on the line. Brackets inside quotes and comments do not
    /// count; one inside a plain scalar does, which can only overestimate.
    static func nestingBound(of text: String) -> Int {
        var maximum = 0, flow = 0
        var indentation = 0, indicators = 0, atLineStart = true, inComment = false
        var quote: UInt8?, escaped = false, previous: UInt8 = 0x20
        for byte in text.utf8 {
            defer { previous = byte }
            if byte == 0x0A {
                (indentation, indicators, atLineStart, inComment) = (0, 0, true, false)
                continue
            }
            if inComment { continue }
            if let open = quote {
                if escaped {
                    escaped = false
                } else if open == 0x22 && byte == 0x5C {
                    escaped = true
                } else if byte == open {
                    quote = nil
                }
                continue
            }
            if atLineStart && byte == 0x20 {
                indentation += 1
                continue
            }
            atLineStart = false
            switch byte {
            case 0x23 where previous == 0x20 || previous == 0x09 || previous == 0x0A: inComment = true
            case 0x22, 0x27: quote = byte
            case 0x5B, 0x7B: flow += 1
            case 0x5D, 0x7D: flow = max(0, flow - 1)
            case 0x20 where previous == 0x2D || previous == 0x3F || previous == 0x3A: indicators += 1
            default: break
            }
            maximum = max(maximum, flow + indentation + indicators)
        }
        return maximum
    }

    private static func value(of node: Node, depth: Int, budget: inout Int) throws(Error) -> Any {
        budget -= 1
        guard budget >= 0 else {
            throw Error(description: "more than \(maximumValueCount) values (aliases expanding?)")
        }
        // The text's nesting was bounded before parsing; this is the same
        // bound on the tree, so the recursion here can never run deep.
        guard depth <= maximumNesting else {
            throw Error(description: "nested more than \(maximumNesting) levels deep")
        }
        switch node {
        case .scalar(let scalar):
            // Numbers, booleans and null as YAML's core schema resolves them;
            // timestamps and binary stay the text they were written as.
            switch Constructor.default.any(from: node) {
            case let value as Bool: return value
            case let value as Int: return value
            case let value as Double: return value
            case let value as NSNull: return value
            default: return scalar.string
            }
        case .sequence(let sequence):
            var values: [Any] = []
            for element in sequence { values.append(try value(of: element, depth: depth + 1, budget: &budget)) }
            return values
        case .mapping(let mapping):
            var values: [String: Any] = [:]
            for (key, element) in mapping {
                guard case .scalar(let name) = key else {
                    throw Error(description: "\(position(of: key))a key must be a name, not a list or a mapping")
                }
                values[name.string] = try value(of: element, depth: depth + 1, budget: &budget)
            }
            return values
        }
    }

    private static func position(of node: Node) -> String {
        node.mark.map { "line \($0.line), column \($0.column): " } ?? ""
    }
}
