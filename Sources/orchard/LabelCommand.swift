// `orchard label CODE --svg FILE --png FILE`: a printable QR label of a lot's Digital Link.
// The symbol is libqrencode's (OrchardLabel); this file parses arguments and writes files.
import ArgumentParser
import Foundation
import OrchardLabel
import OrchardModel

struct Label: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a printable QR label of a lot's GS1 Digital Link (SVG, PNG).",
        discussion: """
        CODE is any trace code (a Digital Link, `(01)…(10)…`, an EPC URN) naming a lot, a case \
        or a pallet. The label's QR Code holds its Digital Link on the programme's resolver: \
        --host, else $ORCHARD_PUBLIC_HOST, else https://id.gs1.org. A phone camera opens it; the \
        resolver answers with the lot's journey. The SVG has the code and the URI printed beneath \
        the symbol; the PNG is the symbol alone (8 pixels a module by default), both with the \
        4-module quiet zone ISO/IEC 18004 asks for. The symbol is made by libqrencode, at error \
        correction M (15 % of it may be damaged) unless --correction says otherwise.

        Prints the URI. Exit 0 written; 64 a malformed code or host (the message names the part); \
        4 a file that cannot be written.

        EXAMPLES
          orchard label '(01)06971230000013(10)260603-1A' --svg label.svg --host https://duoduo.example
          orchard label urn:epc:class:lgtin:697123.0000001.LC260914A --png label.png --scale 12
        """)

    @Argument(help: ArgumentHelp("The lot, case or pallet (any trace code form).", valueName: "CODE")) var code: String
    @Option(help: ArgumentHelp("Write the label as SVG here.", valueName: "FILE")) var svg: String?
    @Option(help: ArgumentHelp("Write the symbol as PNG here.", valueName: "FILE")) var png: String?
    @Option(help: ArgumentHelp("The resolver's origin (default: $ORCHARD_PUBLIC_HOST, then https://id.gs1.org).", valueName: "URL"))
    var host: String?
    @Option(help: ArgumentHelp("Error correction: L, M, Q or H.", valueName: "LEVEL")) var correction: String = "M"
    @Option(help: ArgumentHelp("PNG pixels (SVG units) a module.", valueName: "N"), transform: wholeNumber()) var scale: UInt64 = 8
    @Flag(help: "Print machine-readable JSON instead of text.") var json = false

    func validate() throws {
        guard svg != nil || png != nil else { throw ValidationError("give --svg FILE, --png FILE or both") }
        guard QRCorrection(rawValue: correction.uppercased()) != nil else { throw ValidationError("--correction: one of L, M, Q, H") }
        guard (1...64).contains(scale) else { throw ValidationError("--scale: 1 to 64") }
    }

    func run() throws {
        try runCommand(json: json) {
            let parsed: TraceCode
            do { parsed = try TraceCode.parse(code) } catch {
                let text = "\(error)"
                throw UsageFailure(description: text.hasPrefix("trace code") ? text : "trace code: " + text)
            }
            let origin = host ?? ProcessInfo.processInfo.environment["ORCHARD_PUBLIC_HOST"] ?? "https://id.gs1.org"
            let label: LotLabel
            do {
                label = try LotLabel(code: parsed, host: origin, correction: QRCorrection(rawValue: correction.uppercased())!)
            } catch let e as LotLabelError {
                throw UsageFailure(description: "--host: \(e.reason)")
            } catch let e as QRCodeError {
                throw UsageFailure(description: "\(e)")
            }
            if let svg { try Data(label.svg(module: Int(scale)).utf8).write(to: URL(fileURLWithPath: svg), options: .atomic) }
            if let png { try Data(label.png(scale: Int(scale))).write(to: URL(fileURLWithPath: png), options: .atomic) }
            if json {
                var m = [JSONMember("uri", .string(label.uri)), JSONMember("code", .string(parsed.description)),
                         JSONMember("version", .number(JSONNumber(label.qr.version))), JSONMember("modules", .number(JSONNumber(label.qr.size))),
                         JSONMember("correction", .string(label.qr.correction.rawValue))]
                if let svg { m.append(JSONMember("svg", .string(svg))) }
                if let png { m.append(JSONMember("png", .string(png))) }
                outJSON(.object(m))
            } else {
                out(label.uri)
            }
        }
    }
}
