import Foundation
import Testing
import OrchardModel
import OrchardTesting

/// GS1 Digital Link parse/generate vectors from ../shared/conformance/digital-link/gs1-syntax-engine
/// (captured from the GS1 Syntax Engine's own unit tests). Every case is run; none is skipped.
struct DigitalLinkTests {
    struct Case: Sendable, CustomStringConvertible {
        let input: String
        let stem: String?
        let valid: Bool
        let expected: String?
        let pairs: [AIElement]
        let ignored: [String]?
        let options: DigitalLinkOptions
        var description: String { input.isEmpty ? "(empty)" : input }
    }

    static func load(_ file: String, inputKey: String, outputKey: String) -> [Case] {
        guard let data = try? Conformance.data("digital-link/gs1-syntax-engine/\(file)"),
              let doc = try? JSONParser.parse(Array(data)) else { return [] }
        return (doc["cases"]?.arrayValue ?? []).map { c in
            let o = c["options"]
            let options = DigitalLinkOptions(
                permitConvenienceAlphas: o?["permitConvenienceAlphas"]?.boolValue ?? false,
                permitZeroSuppressedGTIN: o?["permitZeroSuppressedGTINinDLuris"]?.boolValue ?? false,
                permitUnknownAIs: o?["permitUnknownAIs"]?.boolValue ?? false,
                unknownAIsAreNotDataAttributes: o?["validation_UNKNOWN_AI_NOT_DL_ATTR"]?.boolValue ?? true)
            let pairs = (c["ai_values_in_uri_order"]?.arrayValue ?? []).compactMap { p -> AIElement? in
                guard let ai = p["ai"]?.stringValue, let v = p["value"]?.stringValue else { return nil }
                return AIElement(ai: ai, value: v)
            }
            return Case(input: c[inputKey]?.stringValue ?? "", stem: c["stem"]?.stringValue,
                        valid: c["valid"]?.boolValue ?? false, expected: c[outputKey]?.stringValue, pairs: pairs,
                        ignored: c["ignored_query_params"]?.arrayValue?.compactMap(\.stringValue), options: options)
        }
    }

    static let parseCases = load("dl_uri_parse_cases.json", inputKey: "uri", outputKey: "element_string")
    static let generateCases = load("dl_uri_generate_cases.json", inputKey: "element_string_hri", outputKey: "uri")

    @Test("All 118 parse and 22 generate cases are present")
    func counts() {
        #expect(Self.parseCases.count == 118)
        #expect(Self.generateCases.count == 22)
    }

    @Test("Valid Digital Link URIs parse to the expected element string", arguments: parseCases.filter(\.valid))
    func parsesValid(c: Case) throws {
        let dl = try DigitalLinkURI.parse(c.input, options: c.options)
        #expect(dl.elementString == c.expected)
    }

    /// With convenience alphas the capture recorded the alpha's length of the element string
    /// as the AI (e.g. "0112" for /gtin/), so those pairs are compared via the element string only.
    @Test("Valid URIs give the expected AI pairs in URI order",
          arguments: parseCases.filter { $0.valid && !$0.options.permitConvenienceAlphas })
    func pairsInOrder(c: Case) throws {
        #expect(try DigitalLinkURI.parse(c.input, options: c.options).elements == c.pairs)
    }

    /// The capture lists `""` for the empty parameters of `?&&&99=…&&&`; empty ones are not kept.
    @Test("Query parameters that are not AIs are kept aside", arguments: parseCases.filter { $0.ignored != nil })
    func otherParameters(c: Case) throws {
        let dl = try DigitalLinkURI.parse(c.input, options: c.options)
        #expect(dl.otherQueryParameters == (c.ignored ?? []).filter { !$0.isEmpty })
    }

    @Test("Invalid Digital Link URIs are refused", arguments: parseCases.filter { !$0.valid })
    func refusesInvalid(c: Case) {
        #expect(throws: GS1Error.self) { try DigitalLinkURI.parse(c.input, options: c.options) }
    }

    @Test("Element strings generate the expected Digital Link URI", arguments: generateCases.filter(\.valid))
    func generates(c: Case) throws {
        let elements = try AIElement.parseBracketed(c.input)
        #expect(try DigitalLinkURI.generate(from: elements, stem: c.stem, options: c.options) == c.expected)
    }

    @Test("Element strings that cannot form a Digital Link are refused", arguments: generateCases.filter { !$0.valid })
    func refusesToGenerate(c: Case) {
        #expect(throws: GS1Error.self) {
            try DigitalLinkURI.generate(from: try AIElement.parseBracketed(c.input), stem: c.stem, options: c.options)
        }
    }

    @Test("A trade-item link builds its path from GTIN, lot and serial")
    func tradeItemPath() throws {
        let dl = DigitalLink(gtin: try GTIN("9520123456788"), lot: "ABC/1", serial: "12345")
        #expect(dl.path == "/01/09520123456788/10/ABC%2F1/21/12345")
        #expect(dl.uri(domain: "https://example.com/") == "https://example.com/01/09520123456788/10/ABC%2F1/21/12345")
    }

    @Test("A trade-item link reads back from a URI on any domain")
    func tradeItemRoundTrip() throws {
        let dl = DigitalLink(gtin: try GTIN("09520123456788"), lot: "L-1", serial: "S+2")
        #expect(try DigitalLink(uri: dl.uri(domain: "https://brand.example")) == dl)
    }

    @Test("A parsed URI exposes its stem, key and attributes")
    func parsedParts() throws {
        let dl = try DigitalLinkURI.parse("https://example.com/shop/01/09520123456788/10/ABC?17=201225")
        #expect(dl.stem == "https://example.com/shop")
        #expect(dl.primaryKey == AIElement(ai: "01", value: "09520123456788"))
        #expect(dl.attributes == [AIElement(ai: "17", value: "201225")])
    }

    @Test("A bad check digit in the key is reported in words")
    func checkDigitMessage() {
        #expect(throws: GS1Error.invalidAIValue(ai: "01", value: "09520123456789", reason: "check digit should be 8")) {
            try DigitalLinkURI.parse("https://id.gs1.org/01/09520123456789")
        }
    }
}
