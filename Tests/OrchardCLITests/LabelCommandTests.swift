import Foundation
import Testing
import OrchardModel
import OrchardTesting

/// `orchard label` as a packhouse uses it: the real binary writes the files, ZBar reads them back.
struct LabelCommandTests {
    @Test("label writes an SVG and a PNG of the lot's Digital Link on the configured host, and prints the URI")
    func writesLabels() throws {
        let h = try CLIHarness()
        let r = try h.run(["label", "urn:epc:class:lgtin:697123.0000001.LC260914A", "--svg", h.path("l.svg"), "--png", h.path("l.png"),
                           "--host", "https://duoduo.example"])
        #expect(r.status == 0, "\(r.stderr)")
        let uri = "https://duoduo.example/01/06971230000013/10/LC260914A"
        #expect(r.stdout == uri + "\n")
        #expect(try ExternalPrograms.zbar(h.path("l.png")) == uri)
        let svg = try String(contentsOfFile: h.path("l.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("(01)06971230000013(10)LC260914A"))
        let json = try h.run(["label", "(01)06971230000013(10)LC260914A", "--png", h.path("m.png"), "--json", "--correction", "H"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(try json.json()["uri"]?.stringValue == "https://id.gs1.org/01/06971230000013/10/LC260914A")
        #expect(try json.json()["correction"]?.stringValue == "H")
        #expect(try ExternalPrograms.zbar(h.path("m.png")) == "https://id.gs1.org/01/06971230000013/10/LC260914A")
    }

    @Test("A malformed code or host is a usage error naming the part; an unwritable file exit 4; nothing half-written")
    func refusals() throws {
        let h = try CLIHarness()
        let badCheck = try h.run(["label", "(01)06971230000012(10)L1", "--png", h.path("x.png")])
        #expect(badCheck.status == 64, "\(badCheck.stderr)")
        #expect(badCheck.stderr.contains("check digit"), "\(badCheck.stderr)")
        let badHost = try h.run(["label", "(01)06971230000013(10)L1", "--png", h.path("x.png"), "--host", "duoduo.example"])
        #expect(badHost.status == 64)
        #expect(badHost.stderr.contains("--host"), "\(badHost.stderr)")
        let noFile = try h.run(["label", "(01)06971230000013(10)L1"])
        #expect(noFile.status == 64)
        let unwritable = try h.run(["label", "(01)06971230000013(10)L1", "--png", h.path("no/such/dir/x.png")])
        #expect(unwritable.status == 4, "\(unwritable.stderr)")
        #expect(!FileManager.default.fileExists(atPath: h.path("x.png")))
    }
}
