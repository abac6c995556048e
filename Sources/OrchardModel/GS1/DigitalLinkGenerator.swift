// Building GS1 Digital Link URIs from AI elements, and a small helper for trade items.

extension DigitalLinkURI {
    /// The canonical stem `https://id.gs1.org`.
    public static let canonicalStem = "https://id.gs1.org"

    /// Builds a Digital Link URI from a set of elements, the way the GS1 Syntax Engine does.
    ///
    /// The first element that is a primary key becomes the path root; the longest qualifier
    /// sequence allowed for that key whose AIs are all present fills the path. The other
    /// elements become query attributes: pre-defined-length AIs first, then the rest, each group
    /// in the given order; repeated AIs are written once.
    ///
    /// - Parameters:
    ///   - elements: The AI elements (validated here, including association rules).
    ///   - stem: Scheme, domain and optional path prefix; `nil` means `https://id.gs1.org`.
    ///     A trailing `/` is dropped.
    /// - Throws: ``GS1Error`` when a value is invalid, no primary key is present or an element
    ///   cannot be a data attribute.
    public static func generate(from elements: [AIElement], stem: String? = nil,
                                options: DigitalLinkOptions = .strict) throws(GS1Error) -> String {
        var entries: [AIEntry] = []
        for e in elements { entries.append(try e.validated(permitUnknownAIs: options.permitUnknownAIs)) }
        try AIElement.validateAssociations(elements, permitUnknownAIs: options.permitUnknownAIs)

        guard let key = entries.first(where: { $0.isPrimaryKey }) else {
            throw .cannotGenerate("no primary key AI (such as 01, 00, 414) among \(elements.map(\.description).joined())")
        }
        let present = Set(elements.map(\.ai))
        var best = [key.ai]
        for path in AITable.paths(forKey: key.ai) where path.count > best.count {
            if path.dropFirst().allSatisfy(present.contains) { best = path }
        }

        var out = stem ?? canonicalStem
        if out.hasSuffix("/") { out.removeLast() }
        var emitted = Set<String>()
        for ai in best {
            guard let e = elements.first(where: { $0.ai == ai }) else { continue }
            out += "/" + ai + "/" + GS1Charset.digitalLinkEscape(e.value)
            emitted.insert(ai)
        }
        var query: [String] = []
        for fixedPass in [true, false] {
            for (e, entry) in zip(elements, entries) where entry.isPredefinedLength == fixedPass {
                if emitted.contains(e.ai) { continue }
                if !entry.isDataAttribute && !(entry.isUnknown && !options.unknownAIsAreNotDataAttributes) {
                    throw .cannotGenerate("AI (\(e.ai)) is not allowed as a data attribute")
                }
                query.append(e.ai + "=" + GS1Charset.digitalLinkEscape(e.value, query: true))
                emitted.insert(e.ai)
            }
        }
        if !query.isEmpty { out += "?" + query.joined(separator: "&") }
        return out
    }
}

/// A trade item's Digital Link: GTIN with an optional lot and serial.
///
/// ```swift
/// let dl = DigitalLink(gtin: try GTIN("09520123456788"), lot: "ABC1", serial: "12345")
/// dl.path                                  // "/01/09520123456788/10/ABC1/21/12345"
/// dl.uri(domain: "https://example.com")    // "https://example.com/01/…"
/// ```
public struct DigitalLink: Sendable, Hashable, CustomStringConvertible {
    /// The trade item.
    public let gtin: GTIN
    /// The batch/lot (AI 10), if any.
    public let lot: String?
    /// The serial number (AI 21), if any.
    public let serial: String?

    /// Creates the link. Lot and serial are taken as given; use ``LGTIN`` / ``SGTIN`` when they
    /// must be checked against the GS1 character set.
    public init(gtin: GTIN, lot: String? = nil, serial: String? = nil) {
        self.gtin = gtin
        self.lot = lot
        self.serial = serial
    }

    /// The path part: `/01/<gtin14>[/10/<lot>][/21/<serial>]`, values percent-escaped.
    public var path: String {
        var s = "/01/" + gtin.gtin14
        if let lot { s += "/10/" + GS1Charset.digitalLinkEscape(lot) }
        if let serial { s += "/21/" + GS1Charset.digitalLinkEscape(serial) }
        return s
    }

    /// The full URI on `domain` (scheme and host, optionally a path prefix; default
    /// `https://id.gs1.org`).
    public func uri(domain: String = DigitalLinkURI.canonicalStem) -> String {
        (domain.hasSuffix("/") ? String(domain.dropLast()) : domain) + path
    }

    public var description: String { uri() }

    /// Reads a trade-item Digital Link (`/01/…` with optional `/10/` and `/21/`) on any domain.
    ///
    /// - Throws: ``GS1Error`` when the URI is not a valid Digital Link or its key is not a GTIN.
    public init(uri: String, options: DigitalLinkOptions = .lenient) throws(GS1Error) {
        let parsed = try DigitalLinkURI.parse(uri, options: options)
        guard parsed.primaryKey.ai == "01" else {
            throw .malformedDigitalLink(uri, reason: "primary key is (\(parsed.primaryKey.ai)), not a GTIN (01)")
        }
        gtin = try GTIN(parsed.primaryKey.value)
        lot = parsed.pathElements.first { $0.ai == "10" }?.value
        serial = parsed.pathElements.first { $0.ai == "21" }?.value
    }
}
