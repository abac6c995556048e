// A printable label for a lot, a case or a pallet: its GS1 Digital Link as a QR Code, on the
// programme's resolver host, with the code in words beneath for people and hand entry.
import OrchardModel

/// What a label carries: the Digital Link URI a phone camera opens, and the lines printed under it.
public struct LotLabel: Sendable, Hashable {
    /// The trace code the label is for.
    public let code: TraceCode
    /// The URI the QR Code holds: `<host>/01/<GTIN>/10/<lot>` (or `/21/<serial>`, `/00/<SSCC>`).
    public let uri: String
    public let qr: QRCode

    /// The label of `code` on the resolver at `host` (`https://…`, no trailing slash needed).
    /// - Throws: ``LotLabelError`` for a host that is not an http(s) origin, ``QRCodeError``
    ///   when the URI does not fit a symbol.
    public init(code: TraceCode, host: String, correction: QRCorrection = .medium) throws {
        let origin = try Self.origin(host)
        self.code = code
        uri = switch code.identity {
        case let .lot(l): l.digitalLink(domain: origin)
        case let .item(s): s.digitalLink(domain: origin)
        case let .logisticUnit(s): s.digitalLink(domain: origin)
        }
        qr = try QRCode(encoding: uri, correction: correction)
    }

    /// `https://host[:port][/path]` without a trailing slash; anything else is refused.
    public static func origin(_ host: String) throws(LotLabelError) -> String {
        var h = String(host.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" }).reversed())
        while h.hasSuffix("/") { h.removeLast() }
        let lower = h.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            throw LotLabelError(reason: "the resolver host must start with https:// (or http://), got \"\(host)\"")
        }
        let rest = h.drop(while: { $0 != ":" }).dropFirst(3)
        guard !rest.isEmpty, !rest.hasPrefix("/"), h.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "?" && $0 != "#" }) else {
            throw LotLabelError(reason: "the resolver host must be an origin such as https://trace.example (no query or fragment), got \"\(host)\"")
        }
        return h
    }

    /// The lines printed under the symbol: the element string, and where the code leads.
    public var captionLines: [String] { [code.description, uri] }

    /// The label as an SVG document: the symbol with its quiet zone, `module` user units a module,
    /// and the caption beneath in a monospaced font (no external resources).
    public func svg(module: Int = 8, quietZone: Int = 4) -> String {
        let symbol = (qr.size + 2 * quietZone) * module
        let lineHeight = max(12, module * 2)
        let width = max(symbol, captionLines.map(\.count).max()! * lineHeight * 6 / 10 + 2 * module)
        let height = symbol + lineHeight * captionLines.count + module
        var path = ""
        // One subpath per horizontal run of dark modules.
        for y in 0..<qr.size {
            var x = 0
            while x < qr.size {
                guard qr.isDark(x: x, y: y) else { x += 1; continue }
                var run = 1
                while qr.isDark(x: x + run, y: y) { run += 1 }
                path += "M\((x + quietZone) * module + (width - symbol) / 2) \((y + quietZone) * module)h\(run * module)v\(module)h-\(run * module)z"
                x += run
            }
        }
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" role="img" aria-label="\(escape(uri))">
        <title>\(escape(captionLines.joined(separator: " — ")))</title>
        <rect width="\(width)" height="\(height)" fill="#fff"/>
        <path fill="#000" shape-rendering="crispEdges" d="\(path)"/>

        """
        for (i, line) in captionLines.enumerated() {
            svg += "<text x=\"\(width / 2)\" y=\(quote(symbol + lineHeight * (i + 1) - lineHeight / 4)) font-family=\"monospace\" font-size=\"\(lineHeight * 8 / 10)\" text-anchor=\"middle\">\(escape(line))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// The symbol alone as a PNG, `scale` pixels a module.
    public func png(scale: Int = 8, quietZone: Int = 4) throws(PNGImageError) -> [UInt8] {
        try PNGImage.encode(qr, scale: scale, quietZone: quietZone)
    }

    private func quote(_ n: Int) -> String { "\"\(n)\"" }

    private func escape(_ s: String) -> String { XMLText.escape(s) }
}

/// A label that cannot be made as asked.
public struct LotLabelError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}
