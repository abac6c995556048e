// Character sets of GS1 AI values and the escaping rules of EPC URNs and Digital Link URIs.

/// GS1 character sets and the two escaping schemes (EPC URN and Digital Link URI) used for
/// alphanumeric AI values such as lot (AI 10) and serial (AI 21).
public enum GS1Charset {
    /// Whether `byte` is in GS1 AI encodable character set 82 (the set of AI 10, 21, …).
    public static func isCSET82(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x21, 0x22, 0x25...0x3F, 0x41...0x5A, 0x5F, 0x61...0x7A: return true
        default: return false
        }
    }

    /// Whether `byte` is in GS1 character set 39 (`#`, `-`, `/`, digits, upper-case letters).
    public static func isCSET39(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x23, 0x2D, 0x2F, 0x30...0x39, 0x41...0x5A: return true
        default: return false
        }
    }

    /// Whether `byte` is in the base64url set used by AI 8030 (plus `=` padding).
    public static func isCSET64(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x2D, 0x30...0x39, 0x41...0x5A, 0x5F, 0x61...0x7A, 0x3D: return true
        default: return false
        }
    }

    /// URI "unreserved" characters (RFC 3986), which Digital Link never escapes.
    static func isUnreserved(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
            || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Escapes an AI value for a Digital Link path element (or, with `query`, a query value:
    /// space becomes `+`). Everything but unreserved characters is percent-encoded.
    public static func digitalLinkEscape(_ value: String, query: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count + 8)
        for b in value.utf8 {
            if isUnreserved(b) {
                out.append(b)
            } else if query && b == 0x20 {
                out.append(0x2B)
            } else {
                out.append(0x25); out.append(hexDigits[Int(b >> 4)]); out.append(hexDigits[Int(b & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Escapes a CSET 82 value for an EPC URN (Tag Data Standard): `"`, `%`, `&`, `/`, `<`,
    /// `>` and `?` become `%XX`; everything else stays literal.
    public static func urnEscape(_ value: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count + 8)
        for b in value.utf8 {
            switch b {
            case 0x22, 0x25, 0x26, 0x2F, 0x3C, 0x3E, 0x3F:
                out.append(0x25); out.append(hexDigits[Int(b >> 4)]); out.append(hexDigits[Int(b & 15)])
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes. Returns `nil` for a bad escape or a decoded NUL. With `plusIsSpace`
    /// (URI query values) `+` decodes to a space. A `%` not followed by two hex digits is kept,
    /// as the GS1 Syntax Engine does.
    public static func percentDecode(_ text: Substring, plusIsSpace: Bool = false, lenient: Bool = true) -> String? {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x25, i + 2 < bytes.count,
               let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) {
                let v = hi << 4 | lo
                if v == 0 { return nil }
                out.append(v)
                i += 3
                continue
            }
            if b == 0x25 && !lenient { return nil }
            out.append(plusIsSpace && b == 0x2B ? 0x20 : b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x37
        case 0x61...0x66: return b - 0x57
        default: return nil
        }
    }

    /// Checks that `value` is 1…`maxLength` CSET 82 characters.
    ///
    /// - Throws: ``GS1Error`` naming the first bad character or the length problem.
    static func checkAlphanumeric(_ value: String, kind: String, maxLength: Int) throws(GS1Error) {
        guard !value.isEmpty, value.utf8.count <= maxLength else {
            throw .invalidAIValue(ai: kind, value: value, reason: "must be 1 to \(maxLength) characters")
        }
        if let bad = value.unicodeScalars.first(where: { !$0.isASCII || !isCSET82(UInt8($0.value)) }) {
            throw .invalidCharacter(kind: kind, value: value, character: Character(bad))
        }
    }
}
