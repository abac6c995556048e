// The "constrained canonical" GS1 Digital Link used by the CBV 2.0 event hash.

/// Turns any GS1 identifier form into the constrained canonical Digital Link URI used by the
/// CBV 2.0 event hash: host `https://id.gs1.org`, no query string, only the finest-grained key
/// and qualifier (GTIN+serial beats GTIN+lot; CPV dropped), GTIN padded to 14 digits, SGLN
/// extension `0` dropped.
///
/// Accepted inputs: EPC URNs (`urn:epc:id:…`), EPC class URNs (`urn:epc:class:lgtin:…`), EPC
/// pattern URNs (`urn:epc:idpat:…:*`) and Digital Link URIs on any domain (including the
/// deprecated short names such as `/gtin/`, `/ser/`).
///
/// The rules match the reference implementation of the hash (RalphTro/epcis-event-hash-generator
/// `dl_normaliser.py` @ 5d2f1c3) so that hashes agree, including its limits: check digits inside
/// DL URIs are not verified, DL qualifier values may only use the characters
/// `"'-.0-9;<=>?A-Z_a-z` (no `%` escapes), and a CPV is only dropped when at most 20 characters
/// follow `/22/`.
public enum CanonicalDigitalLink {
    /// The constrained canonical DL URI for `identifier`, or `nil` when it is not a GS1
    /// identifier this normalisation knows (plain URLs, `geo:` URIs, free text, …).
    public static func normalise(_ identifier: String) -> String? {
        // Every identifier form the reference accepts contains a dot; this is also a cheap filter.
        guard identifier.containsByte(0x2E) else { return nil }
        // Plain lot, item and pallet URNs are read faster than remembered (and a pallet, named by
        // one event, would only push out what repeats).
        if let plain = PlainEPCURN.canonicalDigitalLink(identifier) { return plain }
        // Lots and locations repeat across a batch's events; each thread remembers its answers.
        return NormalisationMemo.current.value(for: identifier) { computeNormalised(identifier) }
    }

    static func computeNormalised(_ identifier: String) -> String? {
        if identifier.hasPrefix("urn:epc:") {
            return EPCURNSchemes.digitalLinkPath(identifier).map { "https://id.gs1.org" + $0 }
        }
        if identifier.hasPrefix("https://") || identifier.hasPrefix("http://") {
            return fromDigitalLink(identifier)
        }
        return nil
    }

    static let aliases: [Substring: Substring] = [
        "gtin": "01", "itip": "8006", "cpid": "8010", "gln": "414", "party": "417", "gsrnp": "8017",
        "gsrn": "8018", "gcn": "255", "sscc": "00", "gdti": "253", "ginc": "401", "gsin": "402",
        "grai": "8003", "giai": "8004", "cpv": "22", "lot": "10", "ser": "21",
    ]
    /// Primary keys in the order the reference searches for them.
    static let keyPriority: [Substring] = ["00", "01", "253", "255", "401", "402", "414", "417",
                                          "8003", "8004", "8006", "8010", "8017", "8018"]

    /// Characters the reference allows in alphanumeric DL values.
    static func isValueChar(_ b: UInt8) -> Bool {
        b == 0x22 || b == 0x27 || b == 0x2D || b == 0x2E || (0x30...0x39).contains(b) || (0x3B...0x3F).contains(b)
            || (0x41...0x5A).contains(b) || b == 0x5F || (0x61...0x7A).contains(b)
    }

    static func fromDigitalLink(_ uri: String) -> String? {
        var text = Substring(uri)
        if let q = text.firstIndex(of: "?") { text = text[..<q] }
        let afterScheme = text.drop(while: { $0 != "/" }).dropFirst(2)
        guard let slash = afterScheme.firstIndex(of: "/") else { return nil }
        let host = afterScheme[..<slash]
        var segs = afterScheme[afterScheme.index(after: slash)...]
            .split(separator: "/", omittingEmptySubsequences: false).map { aliases[$0] ?? $0 }
        // A trailing "/" is tolerated.
        if segs.count > 1, segs.last == "" { segs.removeLast() }
        // The key is the first path element on id.gs1.org (https) or else the first element
        // matching a key in priority order; it must be followed by a value of 4+ digits and more.
        var keyIndex: Int?
        if uri.hasPrefix("https://"), host == "id.gs1.org", let f = segs.first, keyPriority.contains(f) {
            keyIndex = 0
        } else {
            outer: for key in keyPriority {
                for i in 0..<max(0, segs.count - 1) where segs[i] == key { keyIndex = i; break outer }
            }
        }
        guard let k = keyIndex, k + 1 < segs.count else { return nil }
        let key = segs[k]
        var value = segs[k + 1]
        guard value.utf8.count >= 5, value.utf8.prefix(4).allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if key == "01" {
            let digits = value.utf8.prefix(while: { $0 >= 0x30 && $0 <= 0x39 }).count
            if digits == 13 { value = "0" + value } else if digits == 12 { value = "00" + value }
            else if (8...11).contains(digits) { value = "000000" + value }
        }
        var rest = Array(segs[(k + 2)...])
        // Drop the CPV (22) of a GTIN/ITIP when what follows "/22/" is short enough (reference quirk).
        if key == "01" || key == "8006", let c = rest.firstIndex(of: "22"), c % 2 == 0 {
            let tail = rest[(c + 1)...].joined(separator: "/")
            if tail.utf8.count <= 20, tail.utf8.allSatisfy({ isValueChar($0) || $0 == 0x2F }) {
                rest.removeSubrange(c...min(c + 1, rest.count - 1))
            }
        }
        // Keep only the finest level: with lot and serial, drop the lot.
        if key == "01" || key == "8006", rest.count == 4, rest[0] == "10", rest[2] == "21" {
            rest.removeFirst(2)
        }
        func digits(_ s: Substring, _ n: ClosedRange<Int>) -> Bool {
            n.contains(s.utf8.count) && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
        func chars(_ s: Substring, _ n: Int) -> Bool { s.utf8.count <= n && s.utf8.allSatisfy(isValueChar) }
        func split(_ s: Substring, _ n: Int) -> (Substring, Substring) {
            (s.prefix(n), s.dropFirst(n))
        }
        let ok: Bool
        switch key {
        case "00", "8017", "8018": ok = rest.isEmpty && digits(value, 18...18)
        case "01", "8006":
            let n = key == "01" ? 14 : 18
            if !digits(value, n...n) { ok = false }
            else if rest.isEmpty { ok = true }
            else if rest.count == 2 && (rest[0] == "21" || rest[0] == "10") { ok = chars(rest[1], 20) }
            else if rest.count == 2 && rest[0] == "235" && key == "01" { ok = chars(rest[1], 28) }
            else { ok = false }
        case "253": let (d, s) = split(value, 13); ok = rest.isEmpty && digits(d, 13...13) && chars(s, 17)
        case "255": ok = rest.isEmpty && digits(value, 13...25)
        case "401", "8004": ok = rest.isEmpty && chars(value, 30)
        case "402": ok = rest.isEmpty && digits(value, 17...17)
        case "414":
            ok = digits(value, 13...13) && (rest.isEmpty || (rest.count == 2 && rest[0] == "254" && chars(rest[1], 20)))
        case "417": ok = rest.isEmpty && digits(value, 13...13)
        case "8003": let (d, s) = split(value, 14); ok = rest.isEmpty && digits(d, 14...14) && chars(s, 16)
        case "8010":
            let cpid = value.utf8.count <= 30 && value.utf8.allSatisfy { GS1Charset.isCSET39($0) }
            ok = cpid && (rest.isEmpty || (rest.count == 2 && rest[0] == "8011" && (rest[1].isEmpty || digits(rest[1], 1...12))))
        default: ok = false
        }
        guard ok else { return nil }
        return "https://id.gs1.org/" + key + "/" + value + rest.map { "/" + $0 }.joined()
    }
}
