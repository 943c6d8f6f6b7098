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
/// settings file cannot mean, and with a bound on the values an alias can
/// multiply a small file into.
public enum ConfigurationDocument {
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    /// Far more values than any settings file holds; a document whose
    /// aliases expand past it ("billion laughs") is refused.
    public static let maximumValueCount = 100_000

    /// The document's top-level value; nil for an empty document.
    public static func parse(_ text: String) throws(Error) -> Any? {
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
        return try value(of: node, budget: &budget)
    }

    private static func value(of node: Node, budget: inout Int) throws(Error) -> Any {
        budget -= 1
        guard budget >= 0 else {
            throw Error(description: "more than \(maximumValueCount) values (aliases expanding?)")
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
            for element in sequence { values.append(try value(of: element, budget: &budget)) }
            return values
        case .mapping(let mapping):
            var values: [String: Any] = [:]
            for (key, element) in mapping {
                guard case .scalar(let name) = key else {
                    throw Error(description: "\(position(of: key))a key must be a name, not a list or a mapping")
                }
                values[name.string] = try value(of: element, budget: &budget)
            }
            return values
        }
    }

    private static func position(of node: Node) -> String {
        node.mark.map { "line \($0.line), column \($0.column): " } ?? ""
    }
}
