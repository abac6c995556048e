// Serialises `JSONValue`s: compact (member order and number text kept) and RFC 8785 canonical.

/// Writes JSON text.
public enum JSONWriter {
    /// Compact JSON in the value's own member order, numbers as written in their source.
    public static func compact(_ value: JSONValue) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(512)
        write(value, into: &out, canonical: false)
        return out
    }

    /// Compact JSON as a string.
    public static func compactString(_ value: JSONValue) -> String {
        String(decoding: compact(value), as: UTF8.self)
    }

    /// Indented JSON for people, member order kept.
    public static func pretty(_ value: JSONValue, indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1)
        let end = String(repeating: "  ", count: indent)
        switch value {
        case let .array(items) where !items.isEmpty:
            return "[\n" + items.map { pad + pretty($0, indent: indent + 1) }.joined(separator: ",\n") + "\n\(end)]"
        case let .object(members) where !members.isEmpty:
            return "{\n" + members.map { m in
                var k = [UInt8](); writeString(m.key, into: &k)
                return pad + String(decoding: k, as: UTF8.self) + ": " + pretty(m.value, indent: indent + 1)
            }.joined(separator: ",\n") + "\n\(end)}"
        default:
            return compactString(value)
        }
    }

    /// RFC 8785 (JCS) canonical bytes: members sorted by UTF-16 code units, numbers in the
    /// ECMAScript shortest form, minimal string escaping, no whitespace.
    public static func canonical(_ value: JSONValue) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(512)
        write(value, into: &out, canonical: true)
        return out
    }

    static func write(_ value: JSONValue, into out: inout [UInt8], canonical: Bool) {
        switch value {
        case .null: out += [0x6E, 0x75, 0x6C, 0x6C]
        case .bool(true): out += [0x74, 0x72, 0x75, 0x65]
        case .bool(false): out += [0x66, 0x61, 0x6C, 0x73, 0x65]
        case let .number(n):
            if canonical && !ECMAScriptNumber.isCanonical(n.text) {
                out.append(contentsOf: ECMAScriptNumber.format(n.value).utf8)
            } else {
                out.append(contentsOf: n.text.utf8)
            }
        case let .string(s): writeString(s, into: &out)
        case let .array(items):
            out.append(UInt8(ascii: "["))
            for (k, item) in items.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out, canonical: canonical)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(members):
            out.append(UInt8(ascii: "{"))
            // Input that is already canonical is already in order: check before sorting.
            var inOrder = true
            if canonical {
                for k in members.indices.dropFirst() where !utf16Precedes(members[k - 1].key, members[k].key) { inOrder = false; break }
            }
            let ordered = inOrder ? members : members.sorted { utf16Precedes($0.key, $1.key) }
            for (k, m) in ordered.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                writeString(m.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(m.value, into: &out, canonical: canonical)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// RFC 8785 orders members by UTF-16 code units. UTF-8 byte order agrees with it unless a key
    /// holds a character from U+E000 up (lead byte 0xEE or above), so the slower UTF-16 comparison
    /// is only made for those keys.
    static func utf16Precedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        let fast: Bool? = a.withUTF8 { x in
            b.withUTF8 { y in
                if x.contains(where: { $0 >= 0xEE }) || y.contains(where: { $0 >= 0xEE }) { return nil }
                return x.lexicographicallyPrecedes(y)
            }
        }
        return fast ?? a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { bytes in
            // Copy runs of bytes that need no escape in one go.
            var runStart = 0
            for (i, b) in bytes.enumerated() where b < 0x20 || b == 0x22 || b == 0x5C {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                runStart = i + 1
                switch b {
                case 0x22: out += [0x5C, 0x22]
                case 0x5C: out += [0x5C, 0x5C]
                case 0x08: out += [0x5C, UInt8(ascii: "b")]
                case 0x0C: out += [0x5C, UInt8(ascii: "f")]
                case 0x0A: out += [0x5C, UInt8(ascii: "n")]
                case 0x0D: out += [0x5C, UInt8(ascii: "r")]
                case 0x09: out += [0x5C, UInt8(ascii: "t")]
                default: out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(b >> 4)], hexDigits[Int(b & 15)]]
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        out.append(0x22)
    }
}

/// ECMAScript `Number.prototype.toString` for doubles (ECMA-262 §7.1.12.1), as RFC 8785 requires.
public enum ECMAScriptNumber {
    /// True when JSON number text is already what ``format(_:)`` would write, so the common case
    /// (integers, short decimals) skips the conversion: at most 15 significant digits (they round-
    /// trip exactly), no exponent, no superfluous zeros or sign, magnitude at least 1e-6.
    public static func isCanonical(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isCanonical($0) }
    }

    /// ``isCanonical(_:)`` of number text given as UTF-8 bytes.
    static func isCanonical(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        if i < b.count, b[i] == 0x2D { i += 1 }
        guard i < b.count else { return false }
        let intStart = i
        while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
        let intDigits = i - intStart
        guard intDigits > 0, intDigits <= 15 else { return false }
        if intDigits > 1 && b[intStart] == 0x30 { return false }
        if i == b.count {
            // An integer; "-0" is written "0".
            return !(b[0] == 0x2D && intDigits == 1 && b[intStart] == 0x30)
        }
        guard b[i] == 0x2E else { return false }  // an exponent: leave it to format()
        i += 1
        let fracStart = i
        while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
        let fracDigits = i - fracStart
        guard i == b.count, fracDigits > 0, b[b.count - 1] != 0x30 else { return false }
        if b[intStart] == 0x30 {
            // 0.000001 is the smallest plain form; count significant digits after the zeros.
            var z = fracStart
            while z < b.count, b[z] == 0x30 { z += 1 }
            return z - fracStart <= 5 && b.count - z <= 15
        }
        return intDigits + fracDigits <= 15

    }

    /// Formats a finite double; NaN and infinities (not JSON) format as `null`.
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == 0 { return "0" }
        // Swift's description gives the shortest round-tripping digits; re-lay them out per ECMA-262.
        var text = Substring(value.magnitude.description)
        var exp10 = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exp10 = Int(text[text.index(after: e)...]) ?? 0
            text = text[..<e]
        }
        var digits = [Character]()
        var pointAt: Int? = nil
        for c in text {
            if c == "." { pointAt = digits.count } else { digits.append(c) }
        }
        var n = (pointAt ?? digits.count) + exp10
        while let f = digits.first, f == "0", digits.count > 1 { digits.removeFirst(); n -= 1 }
        while let l = digits.last, l == "0", digits.count > 1 { digits.removeLast() }
        let k = digits.count
        let ds = String(digits)
        let sign = value < 0 ? "-" : ""
        if k <= n && n <= 21 { return sign + ds + String(repeating: "0", count: n - k) }
        if 0 < n && n <= 21 { return sign + String(digits[0..<n]) + "." + String(digits[n...]) }
        if -6 < n && n <= 0 { return sign + "0." + String(repeating: "0", count: -n) + ds }
        let e = n - 1
        let expText = e < 0 ? "e-\(-e)" : "e+\(e)"
        if k == 1 { return sign + ds + expText }
        return sign + String(digits[0]) + "." + String(digits[1...]) + expText
    }
}
