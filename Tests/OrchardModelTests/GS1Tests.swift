import Foundation
import Testing
@testable import OrchardModel
import OrchardTesting

/// GS1 keys, check digits and EPC URNs. Check-digit vectors from
/// ../shared/conformance/digital-link/gs1-syntax-engine/check_digit_cases.json.
struct GS1Tests {
    struct CheckCase: Sendable, CustomStringConvertible {
        let data: String, valid: Bool, kind: String?
        var description: String { "\"\(data)\"" }
    }

    static let checkCases: [CheckCase] = {
        guard let d = try? Conformance.data("digital-link/gs1-syntax-engine/check_digit_cases.json"),
              let doc = try? JSONParser.parse(Array(d)) else { return [] }
        return (doc["cases"]?.arrayValue ?? []).map {
            CheckCase(data: $0["data"]?.stringValue ?? "", valid: $0["valid"]?.boolValue ?? false,
                      kind: $0["length_kind"]?.stringValue)
        }
    }()

    @Test("All 14 check-digit cases are present")
    func checkCaseCount() { #expect(Self.checkCases.count == 14) }

    @Test("The mod-10 check digit accepts and refuses as the GS1 linter does", arguments: checkCases)
    func checkDigit(c: CheckCase) {
        #expect(GS1CheckDigit.isValid(c.data) == c.valid)
    }

    @Test("GTINs of every length are accepted or refused like their check digit",
          arguments: checkCases.filter { $0.kind?.hasPrefix("GTIN") == true })
    func gtinFromCase(c: CheckCase) {
        #expect(((try? GTIN(c.data)) != nil) == c.valid)
    }

    @Test("SSCCs are accepted or refused like their check digit",
          arguments: checkCases.filter { $0.kind?.hasPrefix("SSCC") == true })
    func ssccFromCase(c: CheckCase) {
        #expect(((try? SSCC(c.data)) != nil) == c.valid)
    }

    @Test("A wrong GTIN check digit is explained in words")
    func gtinMessage() {
        do {
            _ = try GTIN("01234567890129")
            Issue.record("accepted a bad GTIN")
        } catch {
            #expect(error.description == "GTIN 01234567890129: check digit should be 8")
        }
    }

    @Test("Short GTINs are padded to GTIN-14 and compare equal")
    func gtinPadding() throws {
        #expect(try GTIN("02345673").gtin14 == "00000002345673")
        #expect(try GTIN("4012345123456") == GTIN("04012345123456"))
    }

    @Test("A GTIN of the wrong length is refused", arguments: ["", "1234567", "123456789012345", "12345678901"])
    func gtinLength(text: String) {
        #expect(throws: GS1Error.self) { try GTIN(text) }
    }

    @Test("A GLN needs 13 digits and a good check digit")
    func gln() throws {
        #expect(try GLN("4012345000054").value == "4012345000054")
        #expect(throws: GS1Error.checkDigit(kind: "GLN", value: "4012345000055", expected: "4")) { try GLN("4012345000055") }
        #expect(throws: GS1Error.self) { try GLN("401234500005") }
    }

    @Test("An SGTIN URN converts to GTIN plus serial and back")
    func sgtinRoundTrip() throws {
        let urn = "urn:epc:id:sgtin:0614141.812345.6789%2F%26"
        let s = try SGTIN(urn: urn)
        #expect(s.gtin.gtin14 == "80614141123458")
        #expect(s.serial == "6789/&")
        #expect(try s.urn(companyPrefixLength: 7) == urn)
        #expect(s.digitalLink() == "https://id.gs1.org/01/80614141123458/21/6789%2F%26")
    }

    @Test("An LGTIN class URN converts to GTIN plus lot and back")
    func lgtinRoundTrip() throws {
        let urn = "urn:epc:class:lgtin:4012345.012345.Lot987"
        let l = try LGTIN(urn: urn)
        #expect(l.gtin.gtin14 == "04012345123456")
        #expect(l.lot == "Lot987")
        #expect(try l.urn(companyPrefixLength: 7) == urn)
        #expect(l.digitalLink(domain: "https://example.com") == "https://example.com/01/04012345123456/10/Lot987")
    }

    @Test("An SGLN URN converts to GLN and extension, extension 0 meaning none")
    func sglnRoundTrip() throws {
        let a = try SGLN(urn: "urn:epc:id:sgln:4012345.00005.122")
        #expect(a.gln.value == "4012345000054" && a.extension == "122")
        #expect(a.digitalLink() == "https://id.gs1.org/414/4012345000054/254/122")
        let b = try SGLN(urn: "urn:epc:id:sgln:4012345.00005.0")
        #expect(b.extension == nil)
        #expect(try b.urn(companyPrefixLength: 7) == "urn:epc:id:sgln:4012345.00005.0")
    }

    @Test("An SSCC URN moves the extension digit to the front")
    func ssccURN() throws {
        let s = try SSCC(urn: "urn:epc:id:sscc:4012345.3111111111")
        #expect(s.value == "340123451111111111")
        #expect(try s.urn(companyPrefixLength: 7) == "urn:epc:id:sscc:4012345.3111111111")
    }

    @Test("Malformed EPC URNs are refused", arguments: [
        "urn:epc:id:sgtin:12345.0111111.1", "urn:epc:id:sgtin:4012345.011111", "urn:epc:id:sgtin:4012345.011111.",
        "urn:epc:id:sgtin:4012345.01111.1", "urn:epc:id:sgln:4012345.00005.a b", "urn:epc:id:sgtin:4012345.011111.%zz",
    ])
    func malformedURN(urn: String) {
        #expect(throws: GS1Error.self) {
            if urn.contains("sgln") { _ = try SGLN(urn: urn) } else { _ = try SGTIN(urn: urn) }
        }
    }

    @Test("A lot longer than 20 characters is refused")
    func lotTooLong() throws {
        let g = try GTIN("04012345123456")
        #expect(throws: GS1Error.self) { try LGTIN(gtin: g, lot: String(repeating: "A", count: 21)) }
    }

    @Test("The embedded AI table equals the conformance copy of the Syntax Dictionary")
    func embeddedDictionary() throws {
        let text = String(decoding: try Conformance.data("digital-link/gs1-syntax-engine/gs1-syntax-dictionary.txt"), as: UTF8.self)
        let reference = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.allSatisfy(\.isWhitespace) }
        #expect(AITable.dictionaryText.split(separator: "\n") == reference)
    }

    @Test("The AI table knows primary keys and their qualifiers")
    func aiTable() {
        #expect(AITable.entry(for: "01")?.keyQualifiers == [["22", "10", "21"], ["235"]])
        #expect(AITable.entry(for: "3103")?.isPredefinedLength == true)
        #expect(AITable.isValidPath(["01", "10", "21"]))
        #expect(!AITable.isValidPath(["01", "21", "10"]))
        #expect(AITable.entry(for: "89") == nil)
        #expect(AITable.entry(for: "89", permitUnknown: true)?.isUnknown == true)
    }
}
