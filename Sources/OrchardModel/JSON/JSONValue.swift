// A JSON value that keeps what a generic decoder loses: member order and the exact text of
// numbers. Events are stored exactly as captured, so the model must not normalise on read.

/// A JSON number: its source text and its IEEE 754 double value.
public struct JSONNumber: Hashable, Sendable, CustomStringConvertible {
    /// The number as written in the source (or as formatted when built from a value).
    public let text: String
    /// The double the text denotes.
    public let value: Double

    /// Wraps number text that the parser already validated.
    init(validatedText text: String) {
        self.text = text
        self.value = Double(text) ?? .nan
    }

    /// Number text and the double it denotes, both already known.
    init(text: String, value: Double) {
        self.text = text
        self.value = value
    }

    /// An exact decimal written as given (`672.100001`, `-3`): for figures that must not pass
    /// through a double. Nil when the text is not a JSON number.
    public init?(decimalText text: String) {
        guard (try? JSONParser.parse(Array(text.utf8))).flatMap({ if case .number = $0 { true } else { nil } }) == true else { return nil }
        self.text = text
        self.value = Double(text) ?? .nan
    }

    /// A number from a double, written in the RFC 8785 / ECMAScript shortest form.
    public init(_ value: Double) {
        self.value = value
        self.text = ECMAScriptNumber.format(value)
    }

    /// A number from an integer.
    public init(_ value: Int) {
        self.value = Double(value)
        self.text = String(value)
    }

    public var description: String { text }
    public static func == (a: Self, b: Self) -> Bool { a.value == b.value }
    public func hash(into h: inout Hasher) { h.combine(value) }
}

/// One member of a JSON object.
public struct JSONMember: Hashable, Sendable {
    public var key: String
    public var value: JSONValue
    public init(_ key: String, _ value: JSONValue) { self.key = key; self.value = value }
}

/// A JSON value with ordered object members.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The member named `key` of an object (the first, if repeated); nil otherwise.
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The string, if this is a string.
    public var stringValue: String? { if case let .string(s) = self { s } else { nil } }
    /// The number's double, if this is a number.
    public var doubleValue: Double? { if case let .number(n) = self { n.value } else { nil } }
    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? { if case let .array(a) = self { a } else { nil } }
    /// The members, if this is an object.
    public var objectMembers: [JSONMember]? { if case let .object(m) = self { m } else { nil } }
    /// The Boolean, if this is one.
    public var boolValue: Bool? { if case let .bool(b) = self { b } else { nil } }

    /// A copy of an object with `key` set to `value` (replacing it in place, or appended).
    public func setting(_ key: String, to value: JSONValue) -> JSONValue {
        guard case var .object(members) = self else { return self }
        if let i = members.firstIndex(where: { $0.key == key }) { members[i].value = value } else {
            members.append(JSONMember(key, value))
        }
        return .object(members)
    }

    /// A copy of an object without `key`.
    public func removing(_ key: String) -> JSONValue {
        guard case let .object(members) = self else { return self }
        return .object(members.filter { $0.key != key })
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral {
    public init(stringLiteral s: String) { self = .string(s) }
    public init(integerLiteral i: Int) { self = .number(JSONNumber(i)) }
    public init(floatLiteral d: Double) { self = .number(JSONNumber(d)) }
    public init(booleanLiteral b: Bool) { self = .bool(b) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral members: (String, JSONValue)...) {
        self = .object(members.map { JSONMember($0.0, $0.1) })
    }
    public init(nilLiteral: ()) { self = .null }
}
