import Foundation
import Testing
import OrchardModel
import OrchardTesting

/// Trace codes: every spelling of a lot, a case or a pallet reads to the ledger's key, and a bad
/// code says which part is wrong.
///
/// The sample GTIN's check digit by hand: 0697123000006 read from the right with weights
/// 3,1,3,…: 6·3 + 0 + 0 + 0 + 0 + 0 + 3·3 + 2·1 + 1·3 + 7·1 + 9·3 + 6·1 + 0·3 = 72, so the
/// check digit is 10 − 2 = 8 (GTIN 06971230000068). The sample SSCC 0 697123 0000000001: 1·3 +
/// 3·3 + 2·1 + 1·3 + 7·1 + 9·3 + 6·1 = 57, check digit 3 (SSCC 069712300000000013).
struct TraceCodeTests {
    // The ledger's keys, from the identifiers as an event writes them.
    static let lotKey = TraceKey("urn:epc:class:lgtin:697123.0000006.260603-1A")
    static let caseKey = TraceKey("urn:epc:id:sgtin:697123.0000006.C-0042")
    static let palletKey = TraceKey("urn:epc:id:sscc:697123.00000000001")

    static let lotSpellings: [String] = [
        "https://id.gs1.org/01/06971230000068/10/260603-1A",
        "http://shop.example/01/06971230000068/10/260603-1A",
        "https://shop.example/dl/01/06971230000068/10/260603-1A?17=260901&utm=x",
        "https://shop.example/01/6971230000068/10/260603-1A",          // GTIN-13
        "https://shop.example/gtin/06971230000068/lot/260603-1A",       // short names
        "https://shop.example/01/06971230000068/10/260603%2D1A",        // an escape in the lot
        "/01/06971230000068/10/260603-1A",
        "01/06971230000068/10/260603-1A",
        "urn:epc:class:lgtin:697123.0000006.260603-1A",
        "urn:epc:class:lgtin:6971230.000006.260603-1A",                 // another prefix split
        "(01)06971230000068(10)260603-1A",
        "  (01)06971230000068(10)260603-1A\n",
        "(01) 06971230000068 (10) 260603-1A",
        "(01)06971230000068(17)260901(10)260603-1A",                    // a date AI besides
    ]

    @Test("Every spelling of a lot reads to the ledger's key for the lot", arguments: lotSpellings)
    func lotSpelling(text: String) throws {
        let code = try TraceCode.parse(text)
        #expect(code.key == Self.lotKey)
        #expect(code.key.kind == .lot)
        #expect(code.text == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("Every spelling of a case reads to the ledger's key for the case", arguments: [
        "https://shop.example/01/06971230000068/21/C-0042",
        "https://shop.example/01/06971230000068/10/260603-1A/21/C-0042",  // the serial is finer
        "/01/06971230000068/21/C-0042",
        "urn:epc:id:sgtin:697123.0000006.C-0042",
        "(01)06971230000068(21)C-0042",
        "(01)06971230000068(10)260603-1A(21)C-0042",
    ])
    func caseSpelling(text: String) throws {
        let code = try TraceCode.parse(text)
        #expect(code.key == Self.caseKey)
        #expect(code.key.kind == .item)
    }

    @Test("Every spelling of a pallet reads to the ledger's key for the pallet", arguments: [
        "https://shop.example/00/069712300000000013",
        "https://id.gs1.org/sscc/069712300000000013",
        "/00/069712300000000013",
        "urn:epc:id:sscc:697123.00000000001",
        "(00)069712300000000013",
        "(00)069712300000000013(02)06971230000068(37)40(10)260603-1A",   // a pallet label
    ])
    func palletSpelling(text: String) throws {
        let code = try TraceCode.parse(text)
        #expect(code.key == Self.palletKey)
        #expect(code.key.kind == .logisticUnit)
    }

    @Test("Each form is recognised as what it is")
    func forms() throws {
        #expect(try TraceCode.parse("https://a.example/01/06971230000068/10/L1").form == .digitalLink)
        #expect(try TraceCode.parse("/01/06971230000068/10/L1").form == .digitalLinkPath)
        #expect(try TraceCode.parse("urn:epc:class:lgtin:697123.0000006.L1").form == .epcURN)
        #expect(try TraceCode.parse("(01)06971230000068(10)L1").form == .elementString)
    }

    @Test("A lot with characters a Digital Link must escape reads alike in every form")
    func escapedLot() throws {
        // "A/B&C" in the URN's escapes (TDS) and the Digital Link's (RFC 3986).
        let key = TraceKey("urn:epc:class:lgtin:697123.0000006.A%2FB%26C")
        for text in ["urn:epc:class:lgtin:697123.0000006.A%2FB%26C", "(01)06971230000068(10)A/B&C",
                     "https://shop.example/01/06971230000068/10/A%2FB%26C"] {
            #expect(try TraceCode.parse(text).key == key, "\(text)")
        }
    }

    /// Fuzzing finding F6 (Docs/FUZZING.md; Tools/fuzz/crashes/TraceCode/): the element string of
    /// a lot or serial holding `(` (allowed in CSET 82) did not read back.
    @Test("A bracket in a lot or serial is written \\( in the element string, which reads back", arguments: [
        "urn:epc:class:lgtin:697123.0000006.A%28B", "urn:epc:id:sgtin:697123.0000006.(C)-1", "(01)06971230000068(10)A\\(B",
    ])
    func bracketInElementString(text: String) throws {
        let code = try TraceCode.parse(text)
        #expect(code.description.contains("\\("), "\(code.description)")
        let again = try TraceCode.parse(code.description)
        #expect(again.identity == code.identity)
        #expect(again.key == code.key)
    }

    /// Fuzzing finding F7 (Docs/FUZZING.md): the characters for which a Digital Link and the
    /// trace code agree on the key, as TraceCode documents them, and the documented exceptions.
    @Test("A lot's Digital Link has the trace code's key for ' ; = and not for a raw \" < >")
    func digitalLinkCharacters() throws {
        for lot in ["O'B", "A;B", "X=1", "a-Z_0.9"] {
            let code = try TraceCode.parse("(01)06971230000068(10)\(lot)")
            #expect(TraceKey("https://id.gs1.org/01/06971230000068/10/\(lot)") == code.key, "\(lot)")
        }
        for (lot, escaped) in [("\"A", "%22A"), ("A<B", "A%3CB"), ("A>B", "A%3EB")] {
            let code = try TraceCode.parse("(01)06971230000068(10)\(lot)")
            #expect(code.key == TraceKey("urn:epc:class:lgtin:697123.0000006.\(escaped)"))
            #expect(code.key.rawValue == "https://id.gs1.org/01/06971230000068/10/\(escaped)")
            #expect(TraceKey("https://id.gs1.org/01/06971230000068/10/\(lot)") != code.key, "\(lot)")
        }
    }

    @Test("The element string of a lot with a bracket is exact")
    func bracketedLotText() throws {
        #expect(try TraceCode.parse("urn:epc:class:lgtin:697123.0000006.A%28B").description == "(01)06971230000068(10)A\\(B")
        #expect(try AIElement.parseBracketed("(01)06971230000068(10)A\\(B") == [AIElement(ai: "01", value: "06971230000068"),
                                                                              AIElement(ai: "10", value: "A(B")])
    }

    // MARK: - Vectors

    struct NormalisationCase: Sendable, CustomStringConvertible {
        let input: String, expected: String
        var description: String { input }
    }

    /// The reference normaliser's cases whose answer is a lot, an item or a pallet.
    static let normalisationCases: [NormalisationCase] = {
        guard let d = try? Conformance.data("event-hash/dl_normalisation_cases.json"),
              let doc = try? JSONParser.parse(Array(d)) else { return [] }
        return (doc["cases"]?.arrayValue ?? []).compactMap { c in
            guard let i = c["input"]?.stringValue, let e = c["expected"]?.stringValue,
                  [.lot, .item, .logisticUnit].contains(TraceKey(canonical: e).kind) else { return nil }
            return NormalisationCase(input: i, expected: e)
        }
    }()

    @Test("The reference normaliser's 17 lots, items and pallets are present")
    func normalisationCount() { #expect(Self.normalisationCases.count == 17) }

    /// The reference does not verify check digits in Digital Links; a trace code does.
    @Test("A code reads to the reference normaliser's key, or is refused for its check digit",
          arguments: normalisationCases)
    func normalisation(c: NormalisationCase) {
        do {
            #expect(try TraceCode.parse(c.input).key.rawValue == c.expected)
        } catch let error {
            guard case .checkDigit = error else {
                Issue.record("refused: \(error)")
                return
            }
        }
    }

    struct EngineCase: Sendable, CustomStringConvertible {
        let uri: String, elementString: String
        var description: String { uri }
    }

    /// The GS1 Syntax Engine's valid Digital Links (no short names), with the element string of
    /// their AI values in bracketed form.
    static let engineCases: [EngineCase] = {
        guard let d = try? Conformance.data("digital-link/gs1-syntax-engine/dl_uri_parse_cases.json"),
              let doc = try? JSONParser.parse(Array(d)) else { return [] }
        return (doc["cases"]?.arrayValue ?? []).compactMap { c in
            guard c["valid"]?.boolValue == true, c["options"]?["permitConvenienceAlphas"]?.boolValue != true,
                  let uri = c["uri"]?.stringValue, let pairs = c["ai_values_in_uri_order"]?.arrayValue else { return nil }
            let s = pairs.map { p in
                "(\(p["ai"]?.stringValue ?? ""))" + (p["value"]?.stringValue ?? "").replacingOccurrences(of: "(", with: "\\(")
            }.joined()
            return EngineCase(uri: uri, elementString: s)
        }
    }()

    @Test("A GS1 Syntax Engine Digital Link that names a lot, item or pallet reads like its element string",
          arguments: engineCases)
    func engineCase(c: EngineCase) throws {
        let dl: TraceCode
        do { dl = try TraceCode.parse(c.uri) } catch let error {
            // Only a code that names no lot, item or pallet may be refused.
            guard case .notATraceCode = error else { Issue.record("refused: \(error)"); return }
            return
        }
        #expect(try TraceCode.parse(c.elementString).key == dl.key)
    }

    // MARK: - Refusals

    static func message(_ text: String) -> String {
        do {
            let code = try TraceCode.parse(text)
            return "accepted as \(code)"
        } catch {
            return error.description
        }
    }

    @Test("A bad GTIN check digit names the digit it should be, in every form", arguments: [
        "https://shop.example/01/06971230000069/10/260603-1A",
        "/01/06971230000069/10/260603-1A",
        "(01)06971230000069(10)260603-1A",
        "(01)06971230000069(21)C-0042",
    ])
    func gtinCheckDigit(text: String) {
        #expect(Self.message(text) == "GTIN 06971230000069: check digit should be 8")
    }

    @Test("A bad SSCC check digit names the digit it should be", arguments: [
        "https://shop.example/00/069712300000000014", "/00/069712300000000014", "(00)069712300000000014",
    ])
    func ssccCheckDigit(text: String) {
        #expect(Self.message(text) == "SSCC 069712300000000014: check digit should be 3")
    }

    @Test("A GTIN-13 with a bad check digit is named as it was written")
    func gtin13CheckDigit() {
        #expect(Self.message("https://shop.example/01/6971230000069/10/L1").contains("check digit should be 8"))
    }

    @Test("A GTIN of the wrong length says how many digits it needs")
    func gtinLength() {
        #expect(Self.message("(01)0697123000006(10)L1") == "GTIN 0697123000006: must have 14 digits, not 13")
        #expect(Self.message("https://shop.example/01/06971230000/10/L1")
            == "GTIN 06971230000: must have 8, 12, 13 or 14 digits, not 11")
    }

    @Test("An EPC URN's GTIN fields of the wrong length are named")
    func urnLength() {
        #expect(Self.message("urn:epc:class:lgtin:697123.000006.L1").contains("13 digits together"))
    }

    @Test("A lot longer than 20 characters is refused in every form", arguments: [
        "https://shop.example/01/06971230000068/10/ABCDEFGHIJKLMNOPQRSTU",
        "(01)06971230000068(10)ABCDEFGHIJKLMNOPQRSTU",
        "urn:epc:class:lgtin:697123.0000006.ABCDEFGHIJKLMNOPQRSTU",
    ])
    func longLot(text: String) {
        let m = Self.message(text)
        #expect(m.contains("(10)") && m.contains("ABCDEFGHIJKLMNOPQRSTU") && m.contains("20"), "\(m)")
    }

    @Test("An empty lot is refused in every form", arguments: [
        "https://shop.example/01/06971230000068/10/", "(01)06971230000068(10)",
        "urn:epc:class:lgtin:697123.0000006.",
    ])
    func emptyLot(text: String) {
        let m = Self.message(text)
        #expect(m.contains("(10)") && m.contains("empty"), "\(m)")
    }

    @Test("A lot character outside GS1 set 82 is named", arguments: [
        ("https://shop.example/01/06971230000068/10/A~B", "~"),
        ("(01)06971230000068(10)A~B", "~"),
        ("urn:epc:class:lgtin:697123.0000006.A~B", "~"),
        ("(01)06971230000068(10)Ä1", "Ä"),
    ])
    func lotCharacter(text: String, bad: String) {
        let m = Self.message(text)
        #expect(m.contains("\"\(bad)\"") && m.contains("not allowed"), "\(m)")
    }

    @Test("A GTIN alone, a GLN or another key is refused: a trace code names a lot, an item or a pallet",
          arguments: [
              "https://shop.example/01/06971230000068", "(01)06971230000068", "/01/06971230000068",
              "urn:epc:idpat:sgtin:697123.0000006.*", "urn:epc:id:sgln:697123.000001.0",
              "https://id.gs1.org/414/4226350800008", "(414)4226350800008", "06971230000068",
          ])
    func notALot(text: String) {
        #expect(Self.message(text).contains("a trace code must name a lot"), "\(Self.message(text))")
    }

    @Test("Text in no known form is refused as such", arguments: [
        "lot 260603-1A", "ftp://shop.example/01/06971230000068/10/L1", "urn:isbn:0451450523",
    ])
    func unknownForm(text: String) {
        #expect(Self.message(text).contains("not a GS1 Digital Link, EPC URN or element string"))
    }

    @Test("An empty code is refused")
    func emptyCode() {
        #expect(Self.message("  \n") == "trace code (empty): is empty")
    }

    @Test("A broken element string or Digital Link path says where")
    func brokenSyntax() {
        #expect(Self.message("(01)06971230000068(10").contains("(AI)value"))
        #expect(Self.message("(99x)06971230000068").contains("99x"))
        #expect(Self.message("/01/06971230000068/99/L1").hasPrefix("GS1 Digital Link /01/06971230000068/99/L1:"))
    }
}
