// Text put into XML and HTML documents (SVG charts and labels, the consumer page): the markup
// specials escaped and what XML 1.0 cannot carry replaced, so no input breaks a document.

/// Escaping for XML and HTML text and attribute values.
public enum XMLText {
    /// `s` with the five XML specials escaped, characters XML 1.0 cannot carry replaced by U+FFFD,
    /// and tabs and line breaks as spaces — or, with `keepingLineBreaks`, line feeds kept (for
    /// preformatted text).
    public static func escape(_ s: String, keepingLineBreaks: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n" where keepingLineBreaks: out += "\n"
            case "\t", "\n", "\r": out += " "
            default:
                let v = u.value
                if v < 0x20 || (0x7F...0x9F).contains(v) || v == 0xFFFE || v == 0xFFFF {
                    out.unicodeScalars.append("\u{FFFD}")
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }
}
