// A code that names a lot, a case or a pallet, in whichever way a person or a scanner wrote it,
// read into the key under which the ledger indexes that thing.

/// A code naming one traceable thing — a lot (GTIN + lot), a serialised item such as a case
/// (GTIN + serial) or a logistic unit such as a pallet (SSCC) — and the ``TraceKey`` the ledger
/// indexes it under.
///
/// Four spellings are read:
///
/// | form | example |
/// |---|---|
/// | ``Form/digitalLink`` | `https://shop.example/dl/01/06971230000068/10/260603-1A?17=260901` (any host, `http` or `https`, a path prefix, the query ignored; short names such as `/gtin/` and GTIN-8/12/13 accepted) |
/// | ``Form/digitalLinkPath`` | `/01/06971230000068/10/260603-1A`, or the same without the leading `/` |
/// | ``Form/epcURN`` | `urn:epc:class:lgtin:697123.0000006.260603-1A`, `urn:epc:id:sgtin:…`, `urn:epc:id:sscc:…` |
/// | ``Form/elementString`` | `(01)06971230000068(10)260603-1A`, as printed under a barcode; white space anywhere is dropped (no AI value may hold a space) and data AIs such as `(17)` are checked, then ignored |
///
/// With both a lot and a serial the serial is the key (the finest level, as
/// ``CanonicalDigitalLink`` does); an element string with an `(00)` names the pallet even if it
/// also carries the contents' `(02)`/`(10)`. A bare GTIN, a GLN or any other key is refused: a
/// trace code must name a lot, an item or a pallet.
///
/// ``key`` is exactly `TraceKey(<EPC URN of the thing>)` — the key an event naming the thing by
/// its EPC URN is indexed under, and the same as for a Digital Link whose lot or serial uses only
/// the characters `'-.0-9;=A-Z_a-z`. **Limitation** (the event-hash normaliser's, see
/// ``CanonicalDigitalLink``): an event that names a lot holding another character by a *Digital
/// Link* is indexed under a key no trace code reaches — with `/`, `%`, `&`, `!`, … under that URI
/// as written; with `"`, `<` or `>` (which a URI must escape, but the normaliser takes raw) under
/// the `id.gs1.org` link with the character raw, where the EPC URN, and so the trace code, has
/// `%22`, `%3C`, `%3E` (fuzzing finding F7, Docs/FUZZING.md). The same lot named by its EPC URN
/// is found.
///
/// ```swift
/// let code = try TraceCode.parse("(01)06971230000068(10)260603-1A")
/// code.key == TraceKey("urn:epc:class:lgtin:697123.0000006.260603-1A")   // true
/// ```
public struct TraceCode: Sendable, Hashable, CustomStringConvertible {
    /// The spelling a code was given in.
    public enum Form: String, Sendable {
        /// A GS1 Digital Link URI on any host.
        case digitalLink
        /// A Digital Link path without scheme and host.
        case digitalLinkPath
        /// An EPC pure-identity or class URN (Tag Data Standard).
        case epcURN
        /// A bracketed GS1 element string, e.g. `(01)…(10)…`.
        case elementString
    }

    /// What a trace code names.
    public enum Identity: Sendable, Hashable {
        /// A batch/lot of a trade item.
        case lot(LGTIN)
        /// One serialised trade item (a case, a box).
        case item(SGTIN)
        /// A logistic unit (a pallet, a container).
        case logisticUnit(SSCC)
    }

    /// The code as given, without surrounding white space.
    public let text: String
    /// The spelling it was given in.
    public let form: Form
    /// The lot, item or logistic unit it names.
    public let identity: Identity
    /// The ledger's index key for it: `TraceKey(identity's EPC URN)`.
    public let key: TraceKey

    /// The thing named, as a GS1 element string: `(01)06971230000068(10)260603-1A`.
    public var description: String {
        switch identity {
        case let .lot(l): return l.description
        case let .item(s): return s.description
        case let .logisticUnit(s): return "(00)\(s.value)"
        }
    }

    /// The EPC URN of the thing named (its company prefix split after 7 digits, which the key
    /// does not depend on: the URN becomes a Digital Link by its GTIN-14 or SSCC).
    public var epcURN: String { Self.epcURN(of: identity) }

    private static func epcURN(of identity: Identity) -> String {
        // Every GTIN-14 and SSCC splits after 7 digits, so these cannot throw; `try?` keeps
        // input from ever reaching a trap.
        switch identity {
        case let .lot(l): return (try? l.urn(companyPrefixLength: 7)) ?? l.description
        case let .item(s): return (try? s.urn(companyPrefixLength: 7)) ?? s.description
        case let .logisticUnit(s): return (try? s.urn(companyPrefixLength: 7)) ?? s.description
        }
    }

    private init(text: String, form: Form, identity: Identity) {
        self.text = text
        self.form = form
        self.identity = identity
        self.key = TraceKey(Self.epcURN(of: identity))
    }

    /// Reads a trace code in any of the four forms.
    ///
    /// - Throws: ``GS1Error`` naming the part that is wrong: `GTIN 06971230000069: check digit
    ///   should be 8`, `SSCC …: check digit should be …`, `AI (10) value "…": too long (at most
    ///   20 characters)`, `lot A~B: character "~" is not allowed`, or
    ///   ``GS1Error/notATraceCode(_:reason:)`` for a code in no known form or one that names no
    ///   lot, item or pallet.
    public static func parse(_ text: String) throws(GS1Error) -> TraceCode {
        let trimmed = text.trimmingASCIIWhitespace()
        let bytes = trimmed.utf8
        guard let first = bytes.first else {
            throw .notATraceCode(trimmed, reason: "is empty")
        }
        // Every form is ASCII; name a stray character here, before byte-wise parsers split it.
        if let bad = trimmed.first(where: { !$0.isASCII }) {
            throw .invalidCharacter(kind: "trace code", value: trimmed, character: bad)
        }
        let lower = trimmed.prefix(8).lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            return try fromDigitalLink(trimmed, uri: trimmed, form: .digitalLink)
        }
        if lower.hasPrefix("urn:") {
            return try fromURN(trimmed)
        }
        if first == UInt8(ascii: "(") {
            return try fromElementString(trimmed)
        }
        if first == UInt8(ascii: "/") {
            return try fromDigitalLink(trimmed, uri: DigitalLinkURI.canonicalStem + trimmed, form: .digitalLinkPath)
        }
        if (0x30...0x39).contains(first), bytes.contains(UInt8(ascii: "/")) {
            return try fromDigitalLink(trimmed, uri: DigitalLinkURI.canonicalStem + "/" + trimmed, form: .digitalLinkPath)
        }
        if trimmed.isAllASCIIDigits {
            throw .notATraceCode(trimmed, reason: "bare digits are no lot, item or pallet; " + mustName
                + ", e.g. (01)<GTIN>(10)<lot>, (01)<GTIN>(21)<serial> or (00)<SSCC>")
        }
        throw .notATraceCode(trimmed, reason: "not a GS1 Digital Link, EPC URN or element string")
    }

    // MARK: - The four forms

    private static func fromDigitalLink(_ text: String, uri: String, form: Form) throws(GS1Error) -> TraceCode {
        // The query (data attributes) and fragment say nothing about which thing is named.
        let pathOnly = String(uri.prefix { $0 != "?" && $0 != "#" })
        let dl: DigitalLinkURI
        do {
            dl = try DigitalLinkURI.parse(pathOnly, options: .lenient)
        } catch {
            throw refined(error, text: text, form: form)
        }
        let identity = try identity(of: dl.pathElements, text: text, form: form)
        return TraceCode(text: text, form: form, identity: identity)
    }

    private static func fromURN(_ text: String) throws(GS1Error) -> TraceCode {
        let identity: Identity
        do throws(GS1Error) {
            if text.hasPrefix("urn:epc:class:lgtin:") {
                identity = .lot(try LGTIN(urn: text))
            } else if text.hasPrefix("urn:epc:id:sgtin:") {
                identity = .item(try SGTIN(urn: text))
            } else if text.hasPrefix("urn:epc:id:sscc:") {
                identity = .logisticUnit(try SSCC(urn: text))
            } else if text.hasPrefix("urn:epc:idpat:sgtin:") {
                throw GS1Error.notATraceCode(text, reason: "a GTIN pattern names a product, not one lot; " + mustName)
            } else if text.hasPrefix("urn:epc:") {
                throw GS1Error.notATraceCode(text, reason: "this kind of EPC URN names no lot, item or pallet; "
                    + mustName + " (urn:epc:class:lgtin:, urn:epc:id:sgtin: or urn:epc:id:sscc:)")
            } else {
                throw GS1Error.notATraceCode(text, reason: "not a GS1 Digital Link, EPC URN or element string")
            }
        } catch {
            throw refined(error, text: text, form: .epcURN)
        }
        return TraceCode(text: text, form: .epcURN, identity: identity)
    }

    private static func fromElementString(_ text: String) throws(GS1Error) -> TraceCode {
        // CSET 82 has no space, so white space between or inside elements is layout, not data.
        let compact = String(text.filter { !$0.isWhitespace })
        let elements: [AIElement]
        do {
            elements = try AIElement.parseBracketed(compact)
            for e in elements { try e.validated() }
            try AIElement.validateAssociations(elements)
        } catch {
            throw refined(error, text: text, form: .elementString)
        }
        let identity = try identity(of: elements, text: text, form: .elementString)
        return TraceCode(text: text, form: .elementString, identity: identity)
    }

    // MARK: - What the elements name

    private static let mustName = "a trace code must name a lot (01+10), an item (01+21) or a pallet (00)"

    /// The thing named by checked elements: the SSCC if there is one, else GTIN + serial, else
    /// GTIN + lot.
    private static func identity(of elements: [AIElement], text: String, form: Form) throws(GS1Error) -> Identity {
        func value(_ ai: String) -> String? { elements.first { $0.ai == ai }?.value }
        do throws(GS1Error) {
            if let sscc = value("00") { return .logisticUnit(try SSCC(sscc)) }
            if let g = value("01") {
                let gtin = try GTIN(g)
                if let serial = value("21") { return .item(try SGTIN(gtin: gtin, serial: serial)) }
                if let lot = value("10") { return .lot(try LGTIN(gtin: gtin, lot: lot)) }
                throw GS1Error.notATraceCode(text, reason: "GTIN \(gtin.gtin14) alone names a product, not a lot; " + mustName)
            }
        } catch {
            throw refined(error, text: text, form: form)
        }
        let key = elements.first.map { "(\($0.ai))" } ?? "nothing"
        throw .notATraceCode(text, reason: "\(key) names no lot, item or pallet; " + mustName)
    }

    /// The most precise statement of `error`: a GTIN or SSCC value refused by the AI table is
    /// re-read as a key (so a bad check digit says which digit it should be), a lot or serial
    /// problem names its AI, and a Digital Link problem quotes the code as given.
    private static func refined(_ error: GS1Error, text: String, form: Form) -> GS1Error {
        switch error {
        case .invalidAIValue(ai: "01", value: let value, reason: _):
            if value.isAllASCIIDigits && value.utf8.count != 14 {
                return .length(kind: "GTIN", value: value, allowed: form == .elementString ? "14" : "8, 12, 13 or 14")
            }
            do { _ = try GTIN(value) } catch let asKey { return asKey }
            return error
        case .invalidAIValue(ai: "00", value: let value, reason: _):
            do { _ = try SSCC(value) } catch let asKey { return asKey }
            return error
        case let .invalidAIValue(ai: kind, value, _) where kind == "lot" || kind == "serial":
            let ai = kind == "lot" ? "10" : "21"
            let reason = value.isEmpty ? "the \(kind) is empty (it needs 1 to 20 characters)"
                : "the \(kind) has \(value.utf8.count) characters (at most 20)"
            return .invalidAIValue(ai: ai, value: value, reason: reason)
        case let .malformedDigitalLink(_, reason):
            return .malformedDigitalLink(text, reason: reason)
        default:
            return error
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    func trimmingASCIIWhitespace() -> String {
        func isSpace(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }),
              let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
