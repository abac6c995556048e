// Parsing GS1 Digital Link URIs into AI elements, following the GS1 Syntax Engine's rules.

/// Switches that relax GS1 Digital Link parsing. ``strict`` (all off, unknown AIs never data
/// attributes) is the GS1 Syntax Engine default.
public struct DigitalLinkOptions: Sendable, Hashable {
    /// Accept the deprecated short names (`/gtin/`, `/ser/`, `/sscc/`, …) for AIs.
    public var permitConvenienceAlphas = false
    /// Accept GTIN-8/12/13 in AI 01 and pad them to GTIN-14.
    public var permitZeroSuppressedGTIN = false
    /// Accept AIs that are not in the table (when they cannot clash with known AIs).
    public var permitUnknownAIs = false
    /// Refuse unknown AIs as query data attributes even when unknown AIs are permitted.
    public var unknownAIsAreNotDataAttributes = true

    /// The strict default.
    public static let strict = DigitalLinkOptions()
    /// Everything a sensible reader of real-world URIs accepts: short names and short GTINs.
    public static let lenient = DigitalLinkOptions(permitConvenienceAlphas: true, permitZeroSuppressedGTIN: true)

    /// Creates options; every switch defaults to the strict behaviour.
    public init(permitConvenienceAlphas: Bool = false, permitZeroSuppressedGTIN: Bool = false,
                permitUnknownAIs: Bool = false, unknownAIsAreNotDataAttributes: Bool = true) {
        self.permitConvenienceAlphas = permitConvenienceAlphas
        self.permitZeroSuppressedGTIN = permitZeroSuppressedGTIN
        self.permitUnknownAIs = permitUnknownAIs
        self.unknownAIsAreNotDataAttributes = unknownAIsAreNotDataAttributes
    }
}

/// A parsed GS1 Digital Link URI: `<stem>/<key AI>/<value>[/<qualifier AI>/<value>…][?<attributes>]`.
public struct DigitalLinkURI: Sendable, Hashable {
    /// Scheme, domain and any path prefix before the primary key, e.g. `https://example.com/shop`.
    public let stem: String
    /// The primary key followed by its qualifiers, in path order.
    public let pathElements: [AIElement]
    /// AI data attributes from the query string, in URI order.
    public let attributes: [AIElement]
    /// Query parameters that are not AIs (kept, undecoded, as the engine does).
    public let otherQueryParameters: [String]

    /// All elements: path first, then attributes, in URI order.
    public var elements: [AIElement] { pathElements + attributes }
    /// The primary key (first path element).
    public var primaryKey: AIElement { pathElements[0] }

    /// The element string in the GS1 Syntax Engine's unbracketed notation (`^` = FNC1), in URI
    /// order, e.g. `^0109520123456788^10ABC`.
    public var elementString: String {
        var s = "^"
        let all = elements
        for (i, e) in all.enumerated() {
            s += e.ai + e.value
            let fnc1 = AITable.entry(for: e.ai, permitUnknown: true)?.requiresFNC1 ?? true
            if fnc1 && i < all.count - 1 { s += "^" }
        }
        return s
    }

    /// The deprecated short names of AIs (GS1 Digital Link 1.1 "convenience alphas").
    static let convenienceAlphas: [String: String] = [
        "cpid": "8010", "cpsn": "8011", "cpv": "22", "gcn": "255", "gdti": "253", "giai": "8004",
        "ginc": "401", "gln": "414", "glnx": "254", "gmn": "8013", "grai": "8003", "gsin": "402",
        "gsrn": "8018", "gsrnp": "8017", "gtin": "01", "itip": "8006", "lot": "10", "party": "417",
        "refno": "8020", "ser": "21", "srin": "8019", "sscc": "00",
    ]

    /// Characters allowed anywhere in a URI (RFC 3986 reserved + unreserved + `%`).
    private static func isURIChar(_ b: UInt8) -> Bool {
        GS1Charset.isUnreserved(b) || "!#$&'()*+,/:;=?@[]%".utf8.contains(b)
    }

    private static func isBadDomainChar(_ b: UInt8) -> Bool { "_~?#@!$&'()*+,;=%".utf8.contains(b) }

    /// Parses and validates a Digital Link URI on any domain.
    ///
    /// Checks: scheme `http(s)` (all lower or all upper case), domain characters, the rightmost
    /// primary key in the path and its qualifier order (`dlpkey` rules), each value's format,
    /// that query attributes are AIs allowed as data attributes and do not belong in the path,
    /// no repeated AIs, and the AI association rules (`req`/`ex`).
    ///
    /// - Throws: ``GS1Error`` saying what is wrong.
    public static func parse(_ uri: String, options: DigitalLinkOptions = .strict) throws(GS1Error) -> DigitalLinkURI {
        func bad(_ reason: String) -> GS1Error { .malformedDigitalLink(uri, reason: reason) }
        let bytes = Array(uri.utf8)
        if let b = bytes.first(where: { !isURIChar($0) }) {
            throw bad("character \"\(Character(Unicode.Scalar(b)))\" is not allowed in a URI")
        }
        var p: Int
        if uri.hasPrefix("https://") || uri.hasPrefix("HTTPS://") { p = 8 }
        else if uri.hasPrefix("http://") || uri.hasPrefix("HTTP://") { p = 7 }
        else { throw bad("must start with http:// or https://") }
        let domainStart = p
        while p < bytes.count && bytes[p] != 0x2F {
            if isBadDomainChar(bytes[p]) { throw bad("character \"\(Character(Unicode.Scalar(bytes[p])))\" is not allowed in the domain") }
            p += 1
        }
        guard p < bytes.count, p > domainStart else { throw bad("needs a domain and a path") }
        var end = bytes.count
        if let f = bytes[p...].firstIndex(of: 0x23) { end = f }
        var queryStart: Int? = nil
        if let q = bytes[p..<end].firstIndex(of: 0x3F) { queryStart = q + 1 }
        let pathEnd = queryStart.map { $0 - 1 } ?? end
        // Segments after the leading "/" of the path.
        let segments = bytes[(p + 1)..<pathEnd].split(separator: 0x2F, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }

        func resolve(_ seg: String) -> AIEntry? {
            if options.permitConvenienceAlphas, (3...5).contains(seg.utf8.count),
               let f = seg.utf8.first, !(f >= 0x30 && f <= 0x39), let ai = convenienceAlphas[seg] {
                return AITable.entry(for: ai)
            }
            return AITable.entry(for: seg, permitUnknown: options.permitUnknownAIs)
        }

        // Walk (AI, value) pairs back from the end until the rightmost primary key.
        var root: Int? = nil
        var i = segments.count - 2
        while i >= 0 {
            guard let entry = resolve(segments[i]) else { break }
            if entry.isPrimaryKey { root = i; break }
            i -= 2
        }
        guard let root else { throw bad("no GS1 primary key (such as /01/ or /00/) found in the path") }

        func decodeValue(_ raw: Substring, entry: AIEntry, query: Bool) throws(GS1Error) -> String {
            if raw.isEmpty { throw bad("AI (\(entry.ai)) has an empty value") }
            guard var v = GS1Charset.percentDecode(raw, plusIsSpace: query) else {
                throw bad("AI (\(entry.ai)) value contains an encoded NUL")
            }
            if options.permitZeroSuppressedGTIN, entry.ai == "01", [8, 12, 13].contains(v.utf8.count) {
                v = String(repeating: "0", count: 14 - v.utf8.count) + v
            }
            return v
        }

        var path: [AIElement] = []
        var pathEntries: [AIEntry] = []
        var k = root
        while k < segments.count {
            guard let entry = resolve(segments[k]) else { throw bad("(\(segments[k])) is not a known AI") }
            let value = try decodeValue(Substring(segments[k + 1]), entry: entry, query: false)
            try checkLengthAndContent(value, entry: entry, uri: uri)
            path.append(AIElement(ai: entry.isUnknown ? segments[k] : entry.ai, value: value))
            pathEntries.append(entry)
            k += 2
        }

        var attributes: [AIElement] = []
        var attributeEntries: [AIEntry] = []
        var others: [String] = []
        if let qs = queryStart, qs < end {
            for param in bytes[qs..<end].split(separator: 0x26) {
                let text = String(decoding: param, as: UTF8.self)
                guard let eq = param.firstIndex(of: 0x3D) else { others.append(text); continue }
                let key = String(decoding: param[param.startIndex..<eq], as: UTF8.self)
                guard key.isAllASCIIDigits else { others.append(text); continue }
                guard let entry = AITable.entry(for: key, permitUnknown: options.permitUnknownAIs) else {
                    throw bad("query parameter \(key) is numeric but not a known AI")
                }
                let raw = String(decoding: param[(eq + 1)...], as: UTF8.self)
                let value = try decodeValue(Substring(raw), entry: entry, query: true)
                try checkLengthAndContent(value, entry: entry, uri: uri)
                attributes.append(AIElement(ai: key, value: value))
                attributeEntries.append(entry)
            }
        }

        let pathAIs = pathEntries.map(\.ai)
        guard AITable.isValidPath(pathAIs) else {
            throw bad("the path " + pathAIs.map { "/\($0)/" }.joined() + " is not a valid key and qualifier order")
        }
        var seen = Set<String>()
        for e in path + attributes {
            if !seen.insert(e.ai).inserted { throw bad("AI (\(e.ai)) appears more than once") }
        }
        for (e, entry) in zip(attributes, attributeEntries) {
            if !entry.isDataAttribute && !(entry.isUnknown && !options.unknownAIsAreNotDataAttributes) {
                throw bad("AI (\(e.ai)) is not allowed as a data attribute")
            }
            for j in 1...pathAIs.count {
                var trial = pathAIs
                trial.insert(entry.ai, at: j)
                if AITable.isValidPath(trial) { throw bad("AI (\(e.ai)) is a key qualifier and belongs in the path") }
            }
        }
        for (e, entry) in zip(path + attributes, pathEntries + attributeEntries) {
            try AIElement.check(value: e.value, entry: entry)
        }
        try AIElement.validateAssociations(path + attributes, permitUnknownAIs: options.permitUnknownAIs)
        let stem = String(decoding: bytes[0..<p], as: UTF8.self)
            + segments[0..<root].map { "/" + $0 }.joined()
        return DigitalLinkURI(stem: stem, pathElements: path, attributes: attributes, otherQueryParameters: others)
    }

    private static func checkLengthAndContent(_ v: String, entry: AIEntry, uri: String) throws(GS1Error) {
        let n = v.utf8.count
        if n < entry.minLength { throw .invalidAIValue(ai: entry.ai, value: v, reason: "too short (at least \(entry.minLength) characters)") }
        if n > entry.maxLength { throw .invalidAIValue(ai: entry.ai, value: v, reason: "too long (at most \(entry.maxLength) characters)") }
        if v.utf8.contains(0x5E) { throw .invalidAIValue(ai: entry.ai, value: v, reason: "\"^\" is not allowed") }
    }
}
