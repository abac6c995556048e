import Foundation
import Testing
import OrchardLabel
import OrchardModel
import OrchardTesting

/// QR labels are read back by decoders nobody on the team wrote: zbarimg (ZBar) reads the PNG,
/// and the SVG after librsvg renders it. Tools/setup installs both.
struct LabelTests {
    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("orchard-label-\(UUID().uuidString)-\(name)").path
    }

    @Test("The PNG of a lot's label reads back, in ZBar, as the lot's Digital Link on the given host", arguments: QRCorrection.allCases)
    func pngReadsBack(correction: QRCorrection) throws {
        let code = try TraceCode.parse("(01)06971230000013(10)260603-1A")
        let label = try LotLabel(code: code, host: "https://duoduo.example/", correction: correction)
        #expect(label.uri == "https://duoduo.example/01/06971230000013/10/260603-1A")
        let path = Self.temporary("l.png")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(try label.png(scale: 4)).write(to: URL(fileURLWithPath: path))
        #expect(try ExternalPrograms.zbar(path) == label.uri)
    }

    @Test("The SVG label, rendered by librsvg, reads back in ZBar; its caption names the code and the URI")
    func svgReadsBack() throws {
        let label = try LotLabel(code: try TraceCode.parse("urn:epc:id:sgtin:697123.0000001.CASE-0042"), host: "https://trace.example")
        #expect(label.uri == "https://trace.example/01/06971230000013/21/CASE-0042")
        let svg = label.svg()
        #expect(svg.contains("(01)06971230000013(21)CASE-0042"))
        #expect(svg.contains(">https://trace.example/01/06971230000013/21/CASE-0042<"))
        let file = Self.temporary("l.svg"), png = Self.temporary("l.png")
        defer { try? FileManager.default.removeItem(atPath: file); try? FileManager.default.removeItem(atPath: png) }
        try Data(svg.utf8).write(to: URL(fileURLWithPath: file))
        #expect(try ExternalPrograms.output("/usr/bin/rsvg-convert", [file, "-o", png]) != nil, "rsvg-convert failed")
        #expect(try ExternalPrograms.zbar(png) == label.uri)
    }

    @Test("A pallet's label holds its SSCC link; the symbol grows with the text and the correction level")
    func palletAndVersions() throws {
        let pallet = try LotLabel(code: try TraceCode.parse("(00)069712300000000013"), host: "https://duoduo.example")
        #expect(pallet.uri == "https://duoduo.example/00/069712300000000013")
        let short = try QRCode(encoding: "https://a.example/01/06971230000013/10/1")
        let longText = "https://a-much-longer-resolver.example/trace/01/06971230000013/10/" + String(repeating: "X", count: 20)
        let long = try QRCode(encoding: longText)
        #expect(short.size == 17 + 4 * short.version)
        #expect(long.version > short.version)
        let low = try QRCode(encoding: longText, correction: .low), high = try QRCode(encoding: longText, correction: .high)
        #expect(high.version >= low.version)
        // The three finder patterns: a dark 7×7 ring with a dark 3×3 centre in three corners.
        for (ox, oy) in [(0, 0), (short.size - 7, 0), (0, short.size - 7)] {
            for i in 0..<7 { #expect(short.isDark(x: ox + i, y: oy) && short.isDark(x: ox, y: oy + i)) }
            #expect(!short.isDark(x: ox + 1, y: oy + 1) && short.isDark(x: ox + 3, y: oy + 3))
        }
    }

    @Test("Text a QR Code cannot hold is refused with the reason; a host that is not an origin too")
    func refusals() throws {
        #expect(throws: QRCodeError.unencodable(reason: "the text is empty")) { try QRCode(encoding: "") }
        #expect(throws: QRCodeError.unencodable(reason: "the text holds a NUL byte")) { try QRCode(encoding: "a\u{0}b") }
        #expect(throws: QRCodeError.tooLong(bytes: 3000, correction: .medium)) { try QRCode(encoding: String(repeating: "a", count: 3000)) }
        let code = try TraceCode.parse("(01)06971230000013(10)L1")
        for host in ["ftp://duoduo.example", "duoduo.example", "https://", "https://duoduo.example/?x=1", "https://duo duo.example"] {
            #expect(throws: LotLabelError.self, "\(host)") { try LotLabel(code: code, host: host) }
        }
        #expect(try LotLabel(code: code, host: "  https://duoduo.example/dl//  ").uri == "https://duoduo.example/dl/01/06971230000013/10/L1")
    }

    @Test("The PNG is what its header says: signature, IHDR of (modules + quiet zone) × scale pixels, 8-bit greyscale")
    func pngHeader() throws {
        let qr = try QRCode(encoding: "https://duoduo.example/01/06971230000013/10/L1")
        let png = try PNGImage.encode(qr, scale: 3, quietZone: 4)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(String(decoding: png[12..<16], as: UTF8.self) == "IHDR")
        let side = (qr.size + 8) * 3
        let w = png[16..<20].reduce(0) { $0 << 8 | Int($1) }, h = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
        #expect(w == side && h == side)
        #expect(png[24] == 8 && png[25] == 0)
    }
}
