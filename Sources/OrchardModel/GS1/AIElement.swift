// An (AI, value) pair and the checks GS1 applies to single values and to sets of them.

/// One GS1 element: an Application Identifier and its (unescaped) value.
public struct AIElement: Sendable, Hashable, CustomStringConvertible {
    /// The AI digits, e.g. `"01"`.
    public let ai: String
    /// The value, e.g. `"09520123456788"`.
    public let value: String

    /// Pairs an AI and a value without checking them (see ``AIElement/validated(permitUnknownAIs:)``).
    public init(ai: String, value: String) { self.ai = ai; self.value = value }

    /// The element as a bracketed element string, `(ai)value`, with a bracket in the value
    /// written `\(` so that ``parseBracketed(_:)`` reads it back (CSET 82 allows `(` in a value,
    /// and has no backslash).
    public var description: String { "(\(ai))\(Self.bracketedValue(value))" }

    /// A value as it stands in a bracketed element string: `(` written `\(`.
    static func bracketedValue(_ value: String) -> String {
        guard value.utf8.contains(UInt8(ascii: "(")) else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 2)
        for ch in value {
            if ch == "(" { out += "\\(" } else { out.append(ch) }
        }
        return out
    }

    /// Checks the value against the AI's format: length, character set, check digit, dates.
    ///
    /// Linters checked: `csum`, `yymmdd`, `yymmd0`, `yyyymmdd`, `hhmi`, `hh`, `mi`, `ss`, `zero`,
    /// `nonzero`, `yesno`. Others (ISO country/currency codes, IBAN, GCP position,
    /// `csumalpha`, …) are not checked.
    ///
    /// - Throws: ``GS1Error/unknownAI(_:)`` or ``GS1Error/invalidAIValue(ai:value:reason:)``.
    /// - Returns: The AI's table entry.
    @discardableResult
    public func validated(permitUnknownAIs: Bool = false) throws(GS1Error) -> AIEntry {
        guard let entry = AITable.entry(for: ai, permitUnknown: permitUnknownAIs) else { throw .unknownAI(ai) }
        try AIElement.check(value: value, entry: entry)
        return entry
    }

    static func check(value: String, entry: AIEntry) throws(GS1Error) {
        let bytes = Array(value.utf8)
        func fail(_ reason: String) -> GS1Error { .invalidAIValue(ai: entry.ai, value: value, reason: reason) }
        if bytes.count < entry.minLength { throw fail("too short (at least \(entry.minLength) characters)") }
        if bytes.count > entry.maxLength { throw fail("too long (at most \(entry.maxLength) characters)") }
        if bytes.contains(0x5E) { throw fail("\"^\" is not allowed") }
        var pos = 0
        for comp in entry.components {
            if comp.isOptional && pos == bytes.count { break }
            let remaining = bytes.count - pos
            let len = comp.minLength == comp.maxLength ? comp.maxLength : min(comp.maxLength, remaining)
            if remaining < len || len < comp.minLength { throw fail("too short") }
            let part = bytes[pos..<(pos + len)]
            for b in part {
                let ok: Bool
                switch comp.charset {
                case "N": ok = b >= 0x30 && b <= 0x39
                case "Y": ok = GS1Charset.isCSET39(b)
                case "Z": ok = GS1Charset.isCSET64(b)
                default: ok = GS1Charset.isCSET82(b)
                }
                if !ok {
                    let what = comp.charset == "N" ? "digits" : "GS1 characters of set \(comp.charset == "X" ? "82" : comp.charset == "Y" ? "39" : "64")"
                    throw fail("must hold only \(what); \"\(Character(Unicode.Scalar(b)))\" is not allowed")
                }
            }
            for linter in comp.linters {
                if let problem = lint(linter, Array(part)) { throw fail(problem) }
            }
            pos += len
        }
        if pos < bytes.count { throw fail("too long") }
    }

    /// Returns a description of the problem, or `nil` if the linter passes (or is not implemented).
    static func lint(_ name: String, _ d: [UInt8]) -> String? {
        func num(_ r: Range<Int>) -> Int { d[r].reduce(0) { $0 * 10 + Int($1) - 0x30 } }
        func date(_ y: Int, _ m: Int, _ day: Int, zeroDay: Bool) -> String? {
            guard (1...12).contains(m) else { return "month \(m) is not 01–12" }
            if zeroDay && day == 0 { return nil }
            let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
            let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
            return (1...days).contains(day) ? nil : "day \(day) is not valid for month \(m)"
        }
        switch name {
        case "csum":
            guard let last = d.last else { return nil }
            let body = String(decoding: d.dropLast(), as: UTF8.self)
            guard let c = GS1CheckDigit.compute(body) else { return nil }
            return Character(Unicode.Scalar(last)) == c ? nil : "check digit should be \(c)"
        case "yymmdd", "yymmd0":
            guard d.count == 6 else { return nil }
            return date(2000 + num(0..<2), num(2..<4), num(4..<6), zeroDay: name == "yymmd0")
        case "yyyymmdd":
            guard d.count == 8 else { return nil }
            return date(num(0..<4), num(4..<6), num(6..<8), zeroDay: false)
        case "hhmi":
            guard d.count == 4 else { return nil }
            return num(0..<2) < 24 && num(2..<4) < 60 ? nil : "not a valid time of day"
        case "hh": return d.count == 2 && num(0..<2) < 24 ? nil : "hour must be 00–23"
        case "mi", "ss": return d.count == 2 && num(0..<2) < 60 ? nil : "must be 00–59"
        case "zero": return d.allSatisfy { $0 == 0x30 } ? nil : "must be zero"
        case "nonzero": return d.allSatisfy { $0 == 0x30 } ? "must not be zero" : nil
        case "yesno": return d == [0x30] || d == [0x31] ? nil : "must be 0 or 1"
        default: return nil
        }
    }

    /// Checks the rules between AIs of one set: no AI repeated with different values, every
    /// `req=` rule met, no `ex=` pair present.
    ///
    /// - Throws: ``GS1Error/invalidAICombination(_:)`` explaining the broken rule.
    public static func validateAssociations(_ elements: [AIElement], permitUnknownAIs: Bool = false) throws(GS1Error) {
        var seen: [String: String] = [:]
        for e in elements {
            if let v = seen[e.ai], v != e.value {
                throw .invalidAICombination("AI (\(e.ai)) appears twice with different values")
            }
            seen[e.ai] = e.value
        }
        let ais = Array(seen.keys)
        for e in elements {
            guard let entry = AITable.entry(for: e.ai, permitUnknown: permitUnknownAIs) else { throw .unknownAI(e.ai) }
            for pattern in entry.exclusions {
                if let other = ais.first(where: { $0 != e.ai && AITable.matches($0, pattern: pattern) }) {
                    throw .invalidAICombination("AI (\(e.ai)) must not be used together with (\(other))")
                }
            }
            for rule in entry.requisites {
                let met = rule.contains { alt in alt.allSatisfy { p in ais.contains { AITable.matches($0, pattern: p) } } }
                if !met {
                    let wanted = rule.map { $0.map { "(\($0))" }.joined(separator: "+") }.joined(separator: " or ")
                    throw .invalidAICombination("AI (\(e.ai)) needs \(wanted) as well")
                }
            }
        }
    }

    /// Reads a bracketed element string such as `(01)09520123456788(10)ABC` (`\(` is a literal
    /// bracket in a value).
    ///
    /// - Throws: ``GS1Error/invalidAICombination(_:)`` when the syntax is broken.
    public static func parseBracketed(_ text: String) throws(GS1Error) -> [AIElement] {
        var out: [AIElement] = []
        let c = Array(text)
        var i = 0
        while i < c.count {
            guard c[i] == "(", let close = c[(i + 1)...].firstIndex(of: ")") else {
                throw .invalidAICombination("element string \(text) is not in (AI)value form")
            }
            let ai = String(c[(i + 1)..<close])
            var value = ""
            var j = close + 1
            while j < c.count && c[j] != "(" {
                if c[j] == "\\" && j + 1 < c.count && c[j + 1] == "(" { value.append("("); j += 2; continue }
                value.append(c[j]); j += 1
            }
            if value.isEmpty { throw .invalidAIValue(ai: ai, value: "", reason: "value is empty") }
            out.append(AIElement(ai: ai, value: value))
            i = j
        }
        return out
    }
}
