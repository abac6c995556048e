// Read access to a parsed JSON document node by node, so that one reader of events (the EPCIS
// model, the CBV pre-hash) serves both the `JSONValue` tree and a `JSONTape` of canonical text.

/// What a JSON value is.
public enum JSONKind: UInt8, Sendable {
    case null, bool, number, string, array, object
}

/// A parsed JSON document read node by node: ``JSONValue`` (its nodes are the values) or
/// ``JSONTape`` (its nodes are positions on the tape). Readers written against this protocol are
/// specialised for each within this module.
protocol JSONReader {
    associatedtype Node
    func kind(_ n: Node) -> JSONKind
    /// The string, if `n` is one.
    func string(_ n: Node) -> String?
    /// `body` with the UTF-8 bytes of the string `n`; nil if `n` is not a string.
    func withUTF8<R, E: Error>(_ n: Node, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R?
    /// The number, if `n` is one.
    func number(_ n: Node) -> JSONNumber?
    /// The Boolean, if `n` is one.
    func bool(_ n: Node) -> Bool?
    /// The value of the first member named `key` of the object `n`; nil if there is none or `n`
    /// is not an object.
    func member(_ n: Node, _ key: String) -> Node?
    /// The number of members of an object or items of an array (0 for anything else).
    func count(_ n: Node) -> Int
    /// `body` with each member of the object `n` in order: the name's UTF-8 bytes and the value.
    func forEachMember<E: Error>(_ n: Node, _ body: (UnsafeBufferPointer<UInt8>, Node) throws(E) -> Void) throws(E)
    /// `body` with each item of the array `n` in order.
    func forEachItem<E: Error>(_ n: Node, _ body: (Node) throws(E) -> Void) throws(E)
    /// The string, if `n` is one, for a string events repeat (a step, a location ID): with its
    /// entry in this thread's ``RepeatedStrings`` when the reader keeps one (a tape does).
    func repeatedString(_ n: Node) -> (string: String, handle: RepeatedStrings.Handle?)?
}

extension JSONReader {
    /// The string value of the member `key` of `n`, if it is a string.
    func stringMember(_ n: Node, _ key: String) -> String? { member(n, key).flatMap(string) }

    func repeatedString(_ n: Node) -> (string: String, handle: RepeatedStrings.Handle?)? { string(n).map { ($0, nil) } }
}

/// The ``JSONValue`` tree as a ``JSONReader``: its nodes are the values themselves.
struct JSONValueReader: JSONReader {
    typealias Node = JSONValue

    @inline(__always) func kind(_ n: JSONValue) -> JSONKind {
        switch n {
        case .null: .null
        case .bool: .bool
        case .number: .number
        case .string: .string
        case .array: .array
        case .object: .object
        }
    }

    @inline(__always) func string(_ n: JSONValue) -> String? { n.stringValue }

    func withUTF8<R, E: Error>(_ n: JSONValue, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R? {
        guard case var .string(s) = n else { return nil }
        return try s.withUTF8 { b in Result { () throws(E) in try body(b) } }.get()
    }

    @inline(__always) func number(_ n: JSONValue) -> JSONNumber? { if case let .number(x) = n { x } else { nil } }
    @inline(__always) func bool(_ n: JSONValue) -> Bool? { n.boolValue }
    @inline(__always) func member(_ n: JSONValue, _ key: String) -> JSONValue? { n[key] }

    func count(_ n: JSONValue) -> Int {
        switch n {
        case let .object(m): m.count
        case let .array(a): a.count
        default: 0
        }
    }

    func forEachMember<E: Error>(_ n: JSONValue, _ body: (UnsafeBufferPointer<UInt8>, JSONValue) throws(E) -> Void) throws(E) {
        guard case let .object(members) = n else { return }
        for m in members {
            var key = m.key
            try key.withUTF8 { k in Result { () throws(E) in try body(k, m.value) } }.get()
        }
    }

    func forEachItem<E: Error>(_ n: JSONValue, _ body: (JSONValue) throws(E) -> Void) throws(E) {
        guard case let .array(items) = n else { return }
        for item in items { try body(item) }
    }
}
