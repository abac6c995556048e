// The GS1 Application Identifier table, read once from the embedded Syntax Dictionary.

/// One component of an AI value's format, e.g. `N14,csum` or `[X..17]`.
public struct AIComponent: Sendable, Hashable {
    /// `N` numeric, `X` CSET 82, `Y` CSET 39, `Z` base64url.
    public let charset: Character
    /// Fewest characters (equal to `maxLength` for fixed-length components).
    public let minLength: Int
    /// Most characters.
    public let maxLength: Int
    /// Whether the component may be left out (written `[…]` in the dictionary).
    public let isOptional: Bool
    /// Names of the dictionary's linters for this component (`csum`, `yymmdd`, …).
    public let linters: [String]
}

/// One GS1 Application Identifier and its rules, as given by the GS1 Barcode Syntax Dictionary.
public struct AIEntry: Sendable, Hashable {
    /// The AI digits, e.g. `"01"` or `"3103"`.
    public let ai: String
    /// The short title, e.g. `"GTIN"`.
    public let title: String
    /// True for AIs of pre-defined length that need no FNC1 separator (`*` flag).
    public let isPredefinedLength: Bool
    /// True when the AI may appear as a Digital Link query data attribute (`?` flag).
    public let isDataAttribute: Bool
    /// The value's format.
    public let components: [AIComponent]
    /// `req=` rules: every rule needs one of its alternatives present; an alternative is a
    /// list of AI patterns (`31nn`) that must all be present.
    public let requisites: [[[String]]]
    /// `ex=` rules: AI patterns that must not appear with this AI.
    public let exclusions: [String]
    /// For Digital Link primary keys, the allowed ordered qualifier lists (`dlpkey=22,10,21|235`
    /// gives `[["22","10","21"],["235"]]`; plain `dlpkey` gives `[[]]`); `nil` otherwise.
    public let keyQualifiers: [[String]]?
    /// True for an AI not in the table that was accepted because unknown AIs were permitted.
    public let isUnknown: Bool

    /// Whether the AI needs an FNC1 separator after its value (variable length).
    public var requiresFNC1: Bool { !isPredefinedLength }
    /// The shortest valid value length.
    public var minLength: Int { components.reduce(0) { $0 + ($1.isOptional ? 0 : $1.minLength) } }
    /// The longest valid value length.
    public var maxLength: Int { components.reduce(0) { $0 + $1.maxLength } }
    /// Whether the AI is a GS1 Digital Link primary key.
    public var isPrimaryKey: Bool { keyQualifiers != nil }
}

/// Look-up of GS1 Application Identifiers and Digital Link key-qualifier rules.
public enum AITable {
    struct Table: Sendable {
        var entries: [String: AIEntry] = [:]
        var knownAIs: [String] = []
        /// AI length for each two-digit prefix (0: unused prefix).
        var lengthByPrefix = [Int](repeating: 0, count: 100)
        /// Every valid DL path sequence, e.g. `"01 22 10"`, sorted by byte order.
        var sequences: [String] = []
        var sequenceSet: Set<String> = []
    }

    static let table: Table = load()

    /// All AIs in the table, in dictionary order.
    public static var allAIs: [String] { table.knownAIs }

    /// The table entry for `ai`.
    ///
    /// With `permitUnknown`, an AI that is not in the table but does not clash with a known AI
    /// (or with the AI length fixed by its first two digits) gets a placeholder entry
    /// (`isUnknown`, X..90), as the GS1 Syntax Engine's "permit unknown AIs" option does.
    public static func entry(for ai: some StringProtocol, permitUnknown: Bool = false) -> AIEntry? {
        let n = ai.utf8.count
        guard (2...4).contains(n), ai.isAllASCIIDigits else { return nil }
        if let e = table.entries[String(ai)] { return e }
        for k in 2..<n where table.entries[String(ai.prefix(k))] != nil { return nil }
        guard permitUnknown else { return nil }
        let d = Array(ai.utf8)
        let prefix = Int(d[0] - 0x30) * 10 + Int(d[1] - 0x30)
        let pl = table.lengthByPrefix[prefix]
        if pl != 0 && pl != n { return nil }
        // Pre-defined value lengths of unused prefixes (GS1 General Specifications Fig. 5.10.1-1).
        var comp = AIComponent(charset: "X", minLength: 1, maxLength: 90, isOptional: false, linters: [])
        var fixed = false
        if n == 3 && prefix == 41 { comp = .init(charset: "X", minLength: 13, maxLength: 13, isOptional: false, linters: []); fixed = true }
        if n == 4 && (31...36).contains(prefix) { comp = .init(charset: "X", minLength: 6, maxLength: 6, isOptional: false, linters: []); fixed = true }
        return AIEntry(ai: String(ai), title: "UNKNOWN", isPredefinedLength: fixed, isDataAttribute: false,
                       components: [comp], requisites: [], exclusions: [], keyQualifiers: nil, isUnknown: true)
    }

    /// Whether `ais` (primary key first) is an allowed Digital Link path, e.g. `["01","10","21"]`.
    public static func isValidPath(_ ais: [String]) -> Bool {
        table.sequenceSet.contains(ais.joined(separator: " "))
    }

    /// All allowed paths starting with primary key `key`, in byte order of their AI lists.
    static func paths(forKey key: String) -> [[String]] {
        table.sequences.lazy.map { $0.split(separator: " ").map(String.init) }.filter { $0.first == key }
    }

    /// Whether an AI matches a dictionary pattern such as `31nn` (`n` = any digit).
    static func matches(_ ai: String, pattern: String) -> Bool {
        guard ai.utf8.count == pattern.utf8.count else { return false }
        for (a, p) in zip(ai.utf8, pattern.utf8) where p != UInt8(ascii: "n") && a != p { return false }
        return true
    }

    // MARK: - Loading

    private static func load() -> Table {
        var t = Table()
        for line in dictionaryText.split(separator: "\n") {
            guard let parsed = parseLine(line) else { continue }
            for e in parsed {
                t.entries[e.ai] = e
                t.knownAIs.append(e.ai)
                let d = Array(e.ai.utf8)
                t.lengthByPrefix[Int(d[0] - 0x30) * 10 + Int(d[1] - 0x30)] = e.ai.utf8.count
                for qualifiers in e.keyQualifiers ?? [] {
                    // Every order-preserving subset of the qualifier list is a valid path.
                    let count = qualifiers.count
                    for mask in 0..<(1 << count) {
                        var seq = [e.ai]
                        for i in 0..<count where mask & (1 << i) != 0 { seq.append(qualifiers[i]) }
                        t.sequenceSet.insert(seq.joined(separator: " "))
                    }
                }
            }
        }
        t.sequences = t.sequenceSet.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        return t
    }

    /// Parses one dictionary line into one entry per AI of its range.
    static func parseLine(_ line: Substring) -> [AIEntry]? {
        var body = line
        var title = ""
        if let hash = line.firstIndex(of: "#") {
            body = line[..<hash]
            title = line[line.index(after: hash)...].trimmingSpaces()
        }
        var tokens = body.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !tokens.isEmpty else { return nil }
        let aiToken = tokens.removeFirst()
        var flags = ""
        if let f = tokens.first, f.allSatisfy({ "*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~".contains($0) }) {
            flags = f; tokens.removeFirst()
        }
        var components: [AIComponent] = []
        var req: [[[String]]] = []
        var ex: [String] = []
        var keyQualifiers: [[String]]?
        for tok in tokens {
            if tok == "dlpkey" {
                keyQualifiers = [[]]
            } else if tok.hasPrefix("dlpkey=") {
                keyQualifiers = tok.dropFirst(7).split(separator: "|").map { $0.split(separator: ",").map(String.init) }
            } else if tok.hasPrefix("req=") {
                req.append(tok.dropFirst(4).split(separator: ",").map { $0.split(separator: "+").map(String.init) })
            } else if tok.hasPrefix("ex=") {
                ex += tok.dropFirst(3).split(separator: ",").map(String.init)
            } else if let c = parseComponent(tok) {
                components.append(c)
            }
        }
        let range = aiToken.split(separator: "-")
        var ais: [String] = [aiToken]
        if range.count == 2, let lo = Int(range[0]), let hi = Int(range[1]) {
            let width = range[0].count
            ais = (lo...hi).map { v in let s = String(v); return String(repeating: "0", count: width - s.count) + s }
        }
        return ais.map {
            AIEntry(ai: $0, title: title, isPredefinedLength: flags.contains("*"), isDataAttribute: flags.contains("?"),
                    components: components, requisites: req, exclusions: ex, keyQualifiers: keyQualifiers, isUnknown: false)
        }
    }

    /// Parses `N14,csum`, `X..20`, `[N6],yymmdd`.
    static func parseComponent(_ tok: String) -> AIComponent? {
        var parts = tok.split(separator: ",").map(String.init)
        guard var spec = parts.first else { return nil }
        parts.removeFirst()
        var optional = false
        if spec.hasPrefix("[") && spec.hasSuffix("]") { optional = true; spec = String(spec.dropFirst().dropLast()) }
        guard let cs = spec.first, "NXYZ".contains(cs) else { return nil }
        let len = spec.dropFirst()
        if len.hasPrefix("..") {
            guard let max = Int(len.dropFirst(2)) else { return nil }
            return AIComponent(charset: cs, minLength: 1, maxLength: max, isOptional: optional, linters: parts)
        }
        guard let n = Int(len) else { return nil }
        return AIComponent(charset: cs, minLength: n, maxLength: n, isOptional: optional, linters: parts)
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
