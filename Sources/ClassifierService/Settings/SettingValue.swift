/// One raw setting value before it is checked: a scalar from a JSON/YAML file,
/// or the text of an environment variable or a flag.
public enum SettingValue: Sendable, Equatable {
    case text(String)
    case number(Double)
    case bool(Bool)
    case list([String])

    /// Converts what Yams produced (it reads JSON too); nil for nested objects.
    init?(fileValue: Any) {
        switch fileValue {
        case let value as Bool: self = .bool(value)
        case let value as Int: self = .number(Double(value))
        case let value as Double: self = .number(value)
        case let value as String: self = .text(value)
        case let values as [Any]:
            var strings: [String] = []
            for element in values {
                switch element {
                case let string as String: strings.append(string)
                case let int as Int: strings.append(String(int))
                default: return nil
                }
            }
            self = .list(strings)
        default:
            return nil
        }
    }

    var display: String {
        switch self {
        case .text(let string): return "\"\(string)\""
        case .number(let number):
            return number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .bool(let bool): return String(bool)
        case .list(let list): return "[" + list.joined(separator: ", ") + "]"
        }
    }

    func asInt() -> Int? {
        switch self {
        case .number(let number):
            guard number == number.rounded(), abs(number) < 1e15 else { return nil }
            return Int(number)
        case .text(let text): return Int(text.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    func asDouble() -> Double? {
        switch self {
        case .number(let number): return number.isFinite ? number : nil
        case .text(let text):
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else { return nil }
            return value
        default: return nil
        }
    }

    func asBool() -> Bool? {
        switch self {
        case .bool(let bool): return bool
        case .text(let text):
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: return nil
            }
        default: return nil
        }
    }

    func asString() -> String? {
        if case .text(let text) = self { return text }
        return nil
    }

    /// Lists come from files as arrays, and from the environment or flags as
    /// comma-separated text (an empty string is an empty list).
    func asList() -> [String]? {
        switch self {
        case .list(let list): return list
        case .text(let text):
            return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        default: return nil
        }
    }
}

import Foundation
