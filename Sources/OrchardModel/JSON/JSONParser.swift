// A strict RFC 8259 JSON parser over UTF-8 bytes, producing ordered `JSONValue`s.

/// Why JSON text was refused, with the byte offset, line and column.
public struct JSONSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    public let offset: Int
    public let line: Int
    public let column: Int
    public var description: String { "invalid JSON at line \(line), column \(column): \(reason)" }
}

/// A parsed document and what the parser learnt of its text on the way.
public struct JSONDocument: Sendable {
    public let value: JSONValue
    /// Whether the text is exactly the RFC 8785 canonical form of `value`: no whitespace, members
    /// in order, numbers and escapes in canonical form. Canonical text can be signed or hashed as
    /// it is, without writing it again. (False is conservative: some canonical texts with rare
    /// escapes or non-ASCII member names are reported as not canonical.)
    public let isCanonical: Bool
    /// When `value` is an object: where each member's value sits in the text, in member order.
    public let memberValueRanges: [Range<Int>]
    /// When `value` is an object: whether each member's value text is canonical by itself
    /// (true even when the members around it are out of order or spaced).
    public let memberValueIsCanonical: [Bool]
}

/// Parses JSON text (RFC 8259, UTF-8) into a ``JSONValue``.
public struct JSONParser {
    private let bytes: [UInt8]
    private var i = 0
    private var depth = 0
    private static let maxDepth = 256
    /// Whether the text read so far is in RFC 8785 canonical form.
    private var canonical = true
    /// Value ranges of the top-level object's members, and whether each is canonical text.
    private var topLevelRanges = [Range<Int>]()
    private var topLevelCanonical = [Bool]()
    /// The members and elements of the objects and arrays being read (nested ones above their
    /// parents'): each is moved into an array of its exact size when it closes, instead of
    /// growing one array per object step by step.
    private var memberStack = [JSONMember]()
    private var itemStack = [JSONValue]()

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Parses exactly one JSON value (surrounding whitespace allowed).
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        try parseDocument(bytes).value
    }

    /// Parses exactly one JSON value, noting whether its text is canonical and, for an object,
    /// where its members' values are.
    public static func parseDocument(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONDocument {
        var p = JSONParser(bytes)
        p.skipWhitespace()
        let v = try p.value()
        p.skipWhitespace()
        guard p.i == p.bytes.count else { throw p.error("unexpected text after the value") }
        return JSONDocument(value: v, isCanonical: p.canonical, memberValueRanges: p.topLevelRanges,
                            memberValueIsCanonical: p.topLevelCanonical)
    }

    /// The value of `bytes[start...]` when that text is one JSON value in RFC 8785 canonical
    /// form, as the parser judges it (``JSONDocument/isCanonical``), read as if nested `depth`
    /// levels deep in a larger document (so the nesting limit is the larger document's). Nil
    /// when it is not valid JSON or not canonical: the caller then reads it the long way, which
    /// says why.
    public static func parseCanonical(_ bytes: [UInt8], from start: Int, depth: Int) -> JSONValue? {
        var p = JSONParser(bytes)
        p.i = start
        p.depth = depth
        guard let v = try? p.value(), p.canonical, p.i == p.bytes.count else { return nil }
        return v
    }

    /// Parses a string of JSON text.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// Parses JSON Lines: one value per non-blank line. Errors name the line.
    public static func parseLines(_ bytes: [UInt8]) throws(JSONSyntaxError) -> [JSONValue] {
        var out = [JSONValue]()
        var start = 0
        var lineNo = 1
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            let line = bytes[start..<end]
            if line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) {
                do { out.append(try parse(Array(line))) } catch {
                    throw JSONSyntaxError(reason: error.reason, offset: start + error.offset, line: lineNo, column: error.column)
                }
            }
            start = end + 1
            lineNo += 1
        }
        return out
    }

    private func error(_ reason: String) -> JSONSyntaxError {
        var line = 1, col = 1
        for b in bytes[0..<min(i, bytes.count)] {
            if b == 0x0A { line += 1; col = 1 } else if b & 0xC0 != 0x80 { col += 1 }
        }
        return JSONSyntaxError(reason: reason, offset: i, line: line, column: col)
    }

    private mutating func skipWhitespace() {
        let start = i
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        if i != start { canonical = false }
    }

    private mutating func value() throws(JSONSyntaxError) -> JSONValue {
        guard i < bytes.count else { throw error("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default:
            // A byte from 0x80 up cannot start a JSON value; say which byte rather than print it
            // as a Latin-1 character.
            if bytes[i] >= 0x80 { throw error("unexpected byte 0x\(String(bytes[i], radix: 16, uppercase: true)) (not JSON: a value starts with {, [, \", a digit, -, true, false or null)") }
            throw error("unexpected character '\(Character(Unicode.Scalar(bytes[i])))'")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard i + w.count <= bytes.count, bytes[i..<i + w.count].elementsEqual(w) else {
            throw error("invalid literal")
        }
        i += w.count
    }

    private mutating func object() throws(JSONSyntaxError) -> JSONValue {
        depth += 1
        guard depth <= Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
        defer { depth -= 1 }
        i += 1
        let mark = memberStack.count
        defer { memberStack.removeSubrange(mark...) }
        let topLevel = depth == 1
        var previousKey: Range<Int>? = nil
        // Names in strictly increasing order (as canonical text has them) cannot repeat; only
        // objects out of order are searched for a repeated name.
        var ordered = true
        var previousRaw: Range<Int>? = nil
        skipWhitespace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object([]) }
        while true {
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let keyStart = i + 1
            let nameAt = i
            let key = try string()
            let raw = keyStart..<(i - 1)
            if ordered {
                if raw.count != key.utf8.count { ordered = false }
                else if let previousRaw, !Self.precedes(bytes, previousRaw, raw) { ordered = false }
                previousRaw = raw
            }
            // I-JSON (RFC 7493 §2.3), which RFC 8785 assumes: a repeated name would be read as
            // its first value by some readers and its last by others.
            if !ordered, memberStack[mark...].contains(where: { $0.key == key }) {
                i = nameAt
                throw error("duplicate member name \"\(key)\" (names in an object must be unique: RFC 7493)")
            }
            if canonical {
                // The raw name (between the quotes) is the name itself when it has no escapes.
                let raw = keyStart..<(i - 1)
                if raw.count != key.utf8.count { canonical = false } else {
                    if let previousKey, !Self.precedes(bytes, previousKey, raw) { canonical = false }
                    previousKey = raw
                }
            }
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':'") }
            i += 1
            skipWhitespace()
            let valueStart = i
            if topLevel {
                // Judge this member's value by itself, then fold the verdict into the whole.
                let before = canonical
                canonical = true
                let v = try value()
                memberStack.append(JSONMember(key, v))
                topLevelRanges.append(valueStart..<i)
                topLevelCanonical.append(canonical)
                canonical = before && canonical
            } else {
                let v = try value()
                memberStack.append(JSONMember(key, v))
            }
            skipWhitespace()
            guard i < bytes.count else { throw error("unterminated object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(Array(memberStack[mark...])) }
            throw error("expected ',' or '}'")
        }
    }

    /// RFC 8785 member order of two unescaped names in the text: UTF-8 byte order, which agrees
    /// with UTF-16 order unless a name holds a character from U+E000 up (then: not canonical here).
    private static func precedes(_ bytes: [UInt8], _ a: Range<Int>, _ b: Range<Int>) -> Bool {
        bytes.withUnsafeBufferPointer { precedes($0, a, b) }
    }

    static func precedes(_ p: UnsafeBufferPointer<UInt8>, _ a: Range<Int>, _ b: Range<Int>) -> Bool {
        var x = a.lowerBound, y = b.lowerBound
        while x < a.upperBound, y < b.upperBound {
            let (u, v) = (p[x], p[y])
            if u >= 0xEE || v >= 0xEE { return false }
            if u != v { return u < v }
            x += 1; y += 1
        }
        return x == a.upperBound && y < b.upperBound
    }

    private mutating func array() throws(JSONSyntaxError) -> JSONValue {
        depth += 1
        guard depth <= Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
        defer { depth -= 1 }
        i += 1
        let mark = itemStack.count
        defer { itemStack.removeSubrange(mark...) }
        skipWhitespace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array([]) }
        while true {
            skipWhitespace()
            let v = try value()
            itemStack.append(v)
            skipWhitespace()
            guard i < bytes.count else { throw error("unterminated array") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(Array(itemStack[mark...])) }
            throw error("expected ',' or ']'")
        }
    }

    private mutating func number() throws(JSONSyntaxError) -> JSONNumber {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count else { throw error("incomplete number") }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[i]) {
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        } else { throw error("invalid number") }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard i < bytes.count, isDigit(bytes[i]) else { throw error("digit expected after '.'") }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, isDigit(bytes[i]) else { throw error("digit expected in exponent") }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        let end = i
        let text = bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) }
        let n = Self.exactDecimal(bytes, start..<i).map { JSONNumber(text: text, value: $0) } ?? JSONNumber(validatedText: text)
        guard n.value.isFinite else {
            i = start
            throw error("number \(text.prefix(40)) is beyond the range of a double (about ±1.8e308); I-JSON (RFC 7493) numbers stay within it")
        }
        if canonical && !ECMAScriptNumber.isCanonical(n.text) { canonical = false }
        return n
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    private static let powersOfTen: [Double] = (0...22).map { pow10 in (0..<pow10).reduce(1.0) { a, _ in a * 10 } }

    /// The value of plain decimal text (no exponent) with at most 15 significant digits, computed
    /// exactly: an integer below 2^53 divided by a power of ten up to 10^22 is one correctly
    /// rounded IEEE operation (Clinger's fast path). Nil for anything else (then `Double(text)`).
    private static func exactDecimal(_ b: [UInt8], _ r: Range<Int>) -> Double? {
        b.withUnsafeBufferPointer { exactDecimal($0, r) }
    }

    static func exactDecimal(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Double? {
        var k = r.lowerBound
        let negative = b[k] == UInt8(ascii: "-")
        if negative { k += 1 }
        var mantissa: UInt64 = 0, digits = 0, fraction = 0, inFraction = false
        while k < r.upperBound {
            let c = b[k]
            if c == UInt8(ascii: ".") { inFraction = true } else if c >= 0x30 && c <= 0x39 {
                mantissa = mantissa &* 10 &+ UInt64(c - 0x30)
                if mantissa != 0 { digits += 1 }
                if inFraction { fraction += 1 }
            } else {
                return nil  // an exponent
            }
            k += 1
        }
        guard digits <= 15, fraction <= 22 else { return nil }
        let v = Double(mantissa) / powersOfTen[fraction]
        return negative ? -v : v
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        i += 1
        let start = i
        var ascii = true
        // Fast path: no escapes, scanned through a buffer pointer (no bounds checks per byte).
        let (end, stop) = bytes.withUnsafeBufferPointer { p -> (Int, UInt8) in
            var k = start
            while k < p.count {
                let b = p[k]
                if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 { return (k, b) }
                if b >= 0x80 { ascii = false }
                k += 1
            }
            return (k, 0)
        }
        i = end
        if end < bytes.count, stop == UInt8(ascii: "\"") {
            i += 1
            // ASCII needs no UTF-8 validation (the generic validator is a measurable cost).
            if ascii { return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) } }
            guard let str = String(validating: bytes[start..<end], as: UTF8.self) else { i = start; throw error("invalid UTF-8 in string") }
            return str
        }
        if end < bytes.count, stop < 0x20 { throw error("control character in string") }
        var out = Array(bytes[start..<i])
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                guard let str = String(validating: out, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
                return str
            }
            if b < 0x20 { throw error("control character in string") }
            if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
            i += 1
            guard i < bytes.count else { break }
            let e = bytes[i]
            i += 1
            // RFC 8785 writes only these escapes; `\/` or a `\u` escape means another writer.
            if e == UInt8(ascii: "/") || e == UInt8(ascii: "u") { canonical = false }
            if let byte = Self.escaped(e) { out.append(byte); continue }
            switch e {
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw error("lone surrogate in \\u escape")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw error("lone surrogate in \\u escape")
                }
                guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                out += Array(String(Character(u)).utf8)
            default: throw error("invalid escape")
            }
        }
        throw error("unterminated string")
    }

    /// The byte a one-character escape `\e` stands for (`"`, `\`, `/`, `b`, `f`, `n`, `r`, `t`);
    /// nil for `u` and anything else.
    static func escaped(_ e: UInt8) -> UInt8? {
        switch e {
        case UInt8(ascii: "\""): 0x22
        case UInt8(ascii: "\\"): 0x5C
        case UInt8(ascii: "/"): 0x2F
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw error("incomplete \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }
}
