import Foundation
import Testing
import OrchardModel
import OrchardTesting

/// RFC 8785 vectors from ../shared/conformance/jcs (cyberphone/json-canonicalization).
struct JCSTests {
    static let names: [String] = Conformance.files(under: "jcs/input", ext: "json").map { $0.lastPathComponent }

    @Test("JCS input canonicalises to the expected output", arguments: names)
    func canonicalForm(name: String) throws {
        let input = try Conformance.data("jcs/input/\(name)")
        let expected = try Conformance.data("jcs/output/\(name)")
        let value = try JSONParser.parse(Array(input))
        #expect(JSONWriter.canonical(value) == Array(expected))
    }

    @Test("The JCS vector set is present")
    func vectorsPresent() { #expect(Self.names.count >= 5) }

    @Test("ES6 number formatting matches 10,000 reference doubles")
    func es6Numbers() throws {
        let text = String(decoding: try Conformance.data("jcs/es6numbers/es6testfile_10000.txt"), as: UTF8.self)
        var checked = 0
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, let bits = UInt64(parts[0], radix: 16) else { continue }
            let d = Double(bitPattern: bits)
            #expect(ECMAScriptNumber.format(d) == String(parts[1]), "bits \(parts[0])")
            checked += 1
        }
        #expect(checked == 10_000)
    }

    @Test("Parsed numbers are the exact doubles: 10,000 reference texts and 20,000 random decimals")
    func parsedNumbers() throws {
        let text = String(decoding: try Conformance.data("jcs/es6numbers/es6testfile_10000.txt"), as: UTF8.self)
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ",", maxSplits: 1)
            // (-0 is written "0", which reads back as +0.)
            guard parts.count == 2, let bits = UInt64(parts[0], radix: 16), bits != (-0.0).bitPattern else { continue }
            let parsed = try JSONParser.parse(String(parts[1])).doubleValue
            #expect(parsed?.bitPattern == bits, "\(parts[1])")
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let whole = UInt64.random(in: 0...999_999_999, using: &rng)
            let fraction = String(UInt64.random(in: 0...9_999_999, using: &rng))
            let zeros = String(repeating: "0", count: Int.random(in: 0...8, using: &rng))
            let t = (Bool.random(using: &rng) ? "-" : "") + "\(whole).\(zeros)\(fraction)"
            #expect(try JSONParser.parse(t).doubleValue?.bitPattern == Double(t)?.bitPattern, "\(t)")
        }
    }

    @Test("Malformed JSON is refused with its position", arguments: ["{\"a\":}", "[1,]", "\"\\ud800\"", "01", "{\"a\":1} x"])
    func malformed(text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test("Compact output keeps member order and number text")
    func compactRoundTrip() throws {
        let text = #"{"z":1.50,"a":[true,null,"x\u0001"],"m":-0.0e0}"#
        let v = try JSONParser.parse(text)
        #expect(JSONWriter.compactString(v) == #"{"z":1.50,"a":[true,null,"x\u0001"],"m":-0.0e0}"#)
    }
}

/// The canonical-number fast path must agree with the full ECMAScript formatting.
struct CanonicalNumberFastPathTests {
    @Test("Number text judged canonical is exactly what ECMAScript formatting writes",
          arguments: ["0", "-0", "1", "-1", "10", "2.1", "2.10", "0.5", "0.000001", "0.0000001", "123456789012345",
                      "1234567890123456", "1e3", "1E3", "00", "-0.0", "3.14159", "100.25", "0.1", "1.0", "-12.5",
                      "999999999999999", "0.123456789012345", "0.1234567890123456"])
    func agrees(text: String) throws {
        let value = try #require(Double(text))
        if ECMAScriptNumber.isCanonical(text) {
            #expect(ECMAScriptNumber.format(value) == text)
        }
    }

    @Test("Every ES6 reference number's canonical text is recognised or correctly re-formatted")
    func es6File() throws {
        let text = String(decoding: try Conformance.data("jcs/es6numbers/es6testfile_10000.txt"), as: UTF8.self)
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ",", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let expected = String(parts[1])
            if ECMAScriptNumber.isCanonical(expected), let d = Double(expected) {
                #expect(ECMAScriptNumber.format(d) == expected)
            }
        }
    }
}

/// The parser's canonical-text judgement: what it calls canonical is byte for byte what the
/// RFC 8785 writer produces, so signed bytes can be taken from the text as it is.
struct CanonicalTextDetectionTests {
    static let conformanceTexts: [String] = Conformance.files(under: "jcs/input", ext: "json").map { $0.path }
        + Conformance.files(under: "epcis", ext: "jsonld").map { $0.path }.filter { !Conformance.repeatsAMemberName($0) }

    @Test("Canonical output is recognised as canonical, and anything judged canonical is", arguments: conformanceTexts)
    func conformanceDocuments(path: String) throws {
        let text = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let document = try JSONParser.parseDocument(text)
        if document.isCanonical { #expect(JSONWriter.canonical(document.value) == text) }
        let canonical = JSONWriter.canonical(document.value)
        let again = try JSONParser.parseDocument(canonical)
        // Conservative only for `\u` escapes, names from U+E000 up and repeated member names.
        let conservative = canonical.contains(UInt8(ascii: "\\")) || canonical.contains { $0 >= 0xEE } || Self.repeatsAName(document.value)
        if !conservative { #expect(again.isCanonical, "\(path)") }
        if again.isCanonical { #expect(JSONWriter.canonical(again.value) == canonical) }
    }

    static func repeatsAName(_ v: JSONValue) -> Bool {
        switch v {
        case let .object(members): return Set(members.map(\.key)).count != members.count || members.contains { repeatsAName($0.value) }
        case let .array(items): return items.contains(where: repeatsAName)
        default: return false
        }
    }

    @Test("Text another writer made is not taken as canonical",
          arguments: [#"{"b":1,"a":2}"#, #"{"a": 1}"#, " {\"a\":1}", #"{"a":1.0}"#, #"{"a":1e3}"#, #"{"a":"x\/y"}"#,
                      #"{"a":"\u0041"}"#, #"[1, 2]"#, #"{"a":-0}"#, #"{"aa":1,"a":2}"#])
    func notCanonical(text: String) throws {
        let document = try JSONParser.parseDocument(Array(text.utf8))
        #expect(!document.isCanonical)
    }

    @Test("Canonical text with escapes, nesting and non-ASCII is recognised",
          arguments: [#"{"a":"x\"y\\z\n","b":[1,2.5,{"c":null,"d":true}],"é":"ü"}"#, #"[]"#, #"{"":0,"a":{}}"#, #""text""#])
    func canonical(text: String) throws {
        let document = try JSONParser.parseDocument(Array(text.utf8))
        #expect(document.isCanonical)
        #expect(JSONWriter.canonical(document.value) == Array(text.utf8))
    }

    @Test("Member value ranges point at each member's text")
    func memberRanges() throws {
        let text = Array(#"{"type":"event","event":{"b":[1,2]},"sig":"x\/z","n":{"b":1,"a":2}}"#.utf8)
        let document = try JSONParser.parseDocument(text)
        let slices = document.memberValueRanges.map { String(decoding: text[$0], as: UTF8.self) }
        #expect(slices == [#""event""#, #"{"b":[1,2]}"#, #""x\/z""#, #"{"b":1,"a":2}"#])
        // Each value judged by itself: members out of order around a canonical value do not matter.
        #expect(document.memberValueIsCanonical == [true, true, false, false])
        #expect(!document.isCanonical)
    }
}

/// I-JSON: a name repeated in one object is refused, wherever it is (RFC 7493 §2.3).
struct DuplicateMemberTests {
    @Test("Objects with a repeated member name are refused, naming it", arguments: [
        #"{"quantity":1200,"quantity":999999}"#,
        #"{"b":1,"a":2,"b":3}"#,
        #"{"x":{"uom":"KGM","uom":"TNE"}}"#,
        #"[{"a":1},{"q":1,"q":1}]"#,
        #"{"\u0061":1,"a":2}"#,
    ])
    func refused(text: String) {
        let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
        #expect(error?.reason.contains("duplicate member name") == true)
    }

    @Test("The same name in different objects, or in order, is fine")
    func accepted() throws {
        #expect(try JSONParser.parse(#"[{"a":1},{"a":2}]"#).arrayValue?.count == 2)
        #expect(try JSONParser.parse(#"{"a":{"a":1},"b":{"a":2}}"#)["b"]?["a"] == .number(JSONNumber(2)))
    }
}

/// Parser messages that say what is wrong with the bytes given.
struct ParserMessageTests {
    @Test("A number beyond a double's range is named, with the I-JSON limit")
    func hugeNumber() {
        let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(#"{"quantity":5.1e308}"#) }
        #expect(error?.reason.contains("5.1e308 is beyond the range of a double") == true)
    }

    @Test("A byte that is not text is named in hex, not printed as a Latin-1 character")
    func nonTextByte() {
        let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0xFF, 0x7B]) }
        #expect(error?.reason.contains("unexpected byte 0xFF") == true)
    }
}
