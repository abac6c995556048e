// The EPC URN schemes (Tag Data Standard) and their GS1 Digital Link equivalents, as used by
// the CBV 2.0 event hash normalisation.

/// Reads the fields of an EPC URN body `cp.ref.rest…` with TDS length rules.
struct EPCURNReader {
    let fields: [Substring]

    init?(_ body: Substring, fieldCount: Int) {
        let f = body.split(separator: ".", maxSplits: fieldCount - 1, omittingEmptySubsequences: false)
        guard f.count == fieldCount else { return nil }
        fields = f
    }

    /// A company prefix (6–12 digits) followed by a reference of digits so that both make `total`.
    /// The reference may be empty only when `total` is reached by the prefix alone.
    func prefixAndReference(total: Int) -> (cp: Substring, ref: Substring)? {
        let cp = fields[0], ref = fields[1]
        guard cp.isAllASCIIDigits, (6...12).contains(cp.utf8.count),
              ref.isEmpty || ref.isAllASCIIDigits, cp.utf8.count + ref.utf8.count == total else { return nil }
        return (cp, ref)
    }

    /// The GTIN-14 from `cp.indicatorItemRef` (13 digits together, check digit added).
    func gtin14() -> String? {
        guard let (cp, ir) = prefixAndReference(total: 13), !ir.isEmpty else { return nil }
        return withCheckDigit(String(ir.prefix(1)) + cp + ir.dropFirst())
    }
}

func withCheckDigit(_ body: String) -> String? {
    GS1CheckDigit.compute(body).map { body + String($0) }
}

/// Counts the characters of an EPC URN component (a `%XX` escape counts once) and checks they
/// are from the TDS URN character set. Returns `nil` when a character is not allowed.
func epcComponentLength(_ s: Substring, cpiStyle: Bool = false) -> Int? {
    let b = Array(s.utf8)
    var i = 0, n = 0
    while i < b.count {
        if b[i] == 0x25 {
            guard i + 2 < b.count, let hi = GS1Charset.hexValue(b[i + 1]), let lo = GS1Charset.hexValue(b[i + 2]) else { return nil }
            let v = hi << 4 | lo
            let ok: Bool
            if cpiStyle { ok = v == 0x23 || v == 0x2D || v == 0x2F || (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) }
            else { ok = GS1Charset.isCSET82(v) }
            guard ok else { return nil }
            i += 3
        } else {
            let c = b[i]
            let ok: Bool
            if cpiStyle { ok = c == 0x2D || (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) }
            else { ok = GS1Charset.isUnreserved(c) && c != 0x7E || "!'()*+,:;=".utf8.contains(c) }
            guard ok else { return nil }
            i += 1
        }
        n += 1
    }
    return n
}

/// Percent-encodes the characters a DL path element must not carry literally but an EPC URN may
/// (`!`, `(`, `)`, `*`, `+`, `,`, `:`); existing `%XX` escapes are kept.
func dlEncodeURNComponent(_ s: Substring) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count + 6)
    for ch in s {
        switch ch {
        case "!": out += "%21"
        case "(": out += "%28"
        case ")": out += "%29"
        case "*": out += "%2A"
        case "+": out += "%2B"
        case ",": out += "%2C"
        case ":": out += "%3A"
        default: out.append(ch)
        }
    }
    return out
}

enum EPCURNSchemes {
    /// Converts an EPC URN (`urn:epc:id:`, `urn:epc:class:lgtin:`, `urn:epc:idpat:`) to the
    /// constrained canonical Digital Link path (`/01/…/21/…`), or `nil`.
    static func digitalLinkPath(_ urn: String) -> String? {
        let parts = urn.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "urn", parts[1] == "epc" else { return nil }
        let kind = parts[2], scheme = parts[3], body = parts[4]
        switch (kind, scheme) {
        case ("id", "sgtin"), ("id", "upui"), ("class", "lgtin"):
            guard let r = EPCURNReader(body, fieldCount: 3), let gtin = r.gtin14(),
                  let n = epcComponentLength(r.fields[2]) else { return nil }
            let (qualifier, maxLen) = scheme == "sgtin" ? ("21", 20) : scheme == "upui" ? ("235", 28) : ("10", 20)
            guard (1...maxLen).contains(n) else { return nil }
            return "/01/" + gtin + "/" + qualifier + "/" + dlEncodeURNComponent(r.fields[2])
        case ("id", "sscc"):
            guard let r = EPCURNReader(body, fieldCount: 2), let (cp, ref) = r.prefixAndReference(total: 17),
                  !ref.isEmpty, let sscc = withCheckDigit(String(ref.prefix(1)) + cp + ref.dropFirst()) else { return nil }
            return "/00/" + sscc
        case ("id", "sgln"):
            guard let r = EPCURNReader(body, fieldCount: 3), let (cp, ref) = r.prefixAndReference(total: 12),
                  let gln = withCheckDigit(String(cp + ref)), let n = epcComponentLength(r.fields[2]), (1...20).contains(n) else { return nil }
            return "/414/" + gln + (r.fields[2] == "0" ? "" : "/254/" + dlEncodeURNComponent(r.fields[2]))
        case ("id", "pgln"):
            guard let r = EPCURNReader(body, fieldCount: 2), let (cp, ref) = r.prefixAndReference(total: 12),
                  let gln = withCheckDigit(String(cp + ref)) else { return nil }
            return "/417/" + gln
        case ("id", "grai"), ("id", "gdti"):
            guard let r = EPCURNReader(body, fieldCount: 3), let (cp, ref) = r.prefixAndReference(total: 12),
                  let n = epcComponentLength(r.fields[2]) else { return nil }
            let grai = scheme == "grai"
            guard (1...(grai ? 16 : 20)).contains(n), let key = withCheckDigit((grai ? "0" : "") + cp + ref) else { return nil }
            return (grai ? "/8003/" : "/253/") + key + dlEncodeURNComponent(r.fields[2])
        case ("id", "giai"), ("id", "ginc"):
            guard let r = EPCURNReader(body, fieldCount: 2), r.fields[0].isAllASCIIDigits,
                  (6...12).contains(r.fields[0].utf8.count), let n = epcComponentLength(r.fields[1]),
                  (1...(30 - r.fields[0].utf8.count)).contains(n) else { return nil }
            return (scheme == "giai" ? "/8004/" : "/401/") + r.fields[0] + dlEncodeURNComponent(r.fields[1])
        case ("id", "gsrn"), ("id", "gsrnp"), ("id", "gsin"):
            let total = scheme == "gsin" ? 16 : 17
            guard let r = EPCURNReader(body, fieldCount: 2), let (cp, ref) = r.prefixAndReference(total: total),
                  !ref.isEmpty, let key = withCheckDigit(String(cp + ref)) else { return nil }
            return (scheme == "gsrn" ? "/8018/" : scheme == "gsrnp" ? "/8017/" : "/402/") + key
        case ("id", "cpi"):
            guard let r = EPCURNReader(body, fieldCount: 3), r.fields[0].isAllASCIIDigits,
                  (6...12).contains(r.fields[0].utf8.count), let n = epcComponentLength(r.fields[1], cpiStyle: true),
                  (1...(30 - r.fields[0].utf8.count)).contains(n),
                  r.fields[2].isAllASCIIDigits, r.fields[2].utf8.count <= 12 else { return nil }
            return "/8010/" + dlEncodeURNComponent(r.fields[0] + r.fields[1]) + "/8011/" + r.fields[2]
        case ("id", "sgcn"):
            guard let r = EPCURNReader(body, fieldCount: 3), let (cp, ref) = r.prefixAndReference(total: 12),
                  r.fields[2].isAllASCIIDigits, r.fields[2].utf8.count <= 12,
                  let key = withCheckDigit(String(cp + ref)) else { return nil }
            return "/255/" + key + r.fields[2]
        case ("id", "itip"):
            guard let r = EPCURNReader(body, fieldCount: 5), let gtin = r.gtin14(),
                  r.fields[2].utf8.count == 2, r.fields[2].isAllASCIIDigits,
                  r.fields[3].utf8.count == 2, r.fields[3].isAllASCIIDigits,
                  let n = epcComponentLength(r.fields[4]), (1...20).contains(n) else { return nil }
            return "/8006/" + gtin + r.fields[2] + r.fields[3] + "/21/" + dlEncodeURNComponent(r.fields[4])
        case ("idpat", "sgtin"), ("idpat", "upui"):
            guard let r = EPCURNReader(body, fieldCount: 3), r.fields[2] == "*", let gtin = r.gtin14() else { return nil }
            return "/01/" + gtin
        case ("idpat", "grai"), ("idpat", "gdti"), ("idpat", "sgcn"):
            guard let r = EPCURNReader(body, fieldCount: 3), r.fields[2] == "*",
                  let (cp, ref) = r.prefixAndReference(total: 12) else { return nil }
            let prefix = scheme == "grai" ? "0" : ""
            guard let key = withCheckDigit(prefix + cp + ref) else { return nil }
            return (scheme == "grai" ? "/8003/" : scheme == "gdti" ? "/253/" : "/255/") + key
        case ("idpat", "cpi"):
            guard let r = EPCURNReader(body, fieldCount: 3), r.fields[2] == "*", r.fields[0].isAllASCIIDigits,
                  (6...12).contains(r.fields[0].utf8.count), let n = epcComponentLength(r.fields[1], cpiStyle: true),
                  (1...(30 - r.fields[0].utf8.count)).contains(n) else { return nil }
            return "/8010/" + dlEncodeURNComponent(r.fields[0] + r.fields[1])
        case ("idpat", "itip"):
            guard let r = EPCURNReader(body, fieldCount: 5), r.fields[4] == "*", let gtin = r.gtin14(),
                  r.fields[2].utf8.count == 2, r.fields[2].isAllASCIIDigits,
                  r.fields[3].utf8.count == 2, r.fields[3].isAllASCIIDigits else { return nil }
            return "/8006/" + gtin + r.fields[2] + r.fields[3]
        default:
            return nil
        }
    }
}
