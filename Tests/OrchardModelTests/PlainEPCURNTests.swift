import Foundation
import Testing
@testable import OrchardModel
import OrchardTesting

/// The byte reader of plain LGTIN, SGTIN and SSCC URNs against the general EPC URN reader (itself
/// held to the GS1 and event-hash vectors): the same Digital Link whenever it answers, an answer
/// for exactly the plain forms, and only for URNs the identifier types accept.
struct PlainEPCURNTests {
    /// Whether `urn` is what the byte reader is meant to take, decided independently of it.
    static func isPlain(_ urn: String) -> Bool {
        let digits = CharacterSet(charactersIn: "0123456789")
        if urn.hasPrefix("urn:epc:id:sscc:") {
            let parts = urn.dropFirst("urn:epc:id:sscc:".count).split(separator: ".", omittingEmptySubsequences: false)
            return parts.count == 2 && (6...12).contains(parts[0].count) && parts[0].unicodeScalars.allSatisfy(digits.contains)
                && parts[1].unicodeScalars.allSatisfy(digits.contains) && parts[0].count + parts[1].count == 17
        }
        let scheme = urn.hasPrefix("urn:epc:class:lgtin:") ? "urn:epc:class:lgtin:" : urn.hasPrefix("urn:epc:id:sgtin:") ? "urn:epc:id:sgtin:" : nil
        guard let scheme else { return false }
        let parts = urn.dropFirst(scheme.count).split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return false }
        let plain = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._")
        return (6...12).contains(parts[0].count) && parts[0].unicodeScalars.allSatisfy(digits.contains)
            && parts[1].unicodeScalars.allSatisfy(digits.contains) && parts[0].count + parts[1].count == 13
            && (1...20).contains(parts[2].unicodeScalars.count) && parts[2].unicodeScalars.allSatisfy(plain.contains)
    }

    /// Checks one URN; returns whether the byte reader answered.
    @discardableResult
    static func check(_ urn: String) -> Bool {
        let fast = PlainEPCURN.canonicalDigitalLink(urn)
        #expect((fast != nil) == isPlain(urn), "\(urn)")
        guard let fast else { return false }
        #expect(fast == CanonicalDigitalLink.computeNormalised(urn), "\(urn)")
        if urn.hasPrefix("urn:epc:class:lgtin:") {
            #expect((try? LGTIN(urn: urn))?.digitalLink() == fast, "\(urn)")
        } else if urn.hasPrefix("urn:epc:id:sscc:") {
            #expect((try? SSCC(urn: urn))?.digitalLink() == fast, "\(urn)")
        } else {
            #expect((try? SGTIN(urn: urn))?.digitalLink() == fast, "\(urn)")
        }
        return true
    }

    @Test("Every LGTIN, SGTIN and SSCC URN in the EPCIS examples reads as the general reader reads it")
    func conformanceExamples() throws {
        var urns = Set<String>()
        for file in Conformance.files(under: "epcis/examples", ext: "jsonld") {
            let text = String(decoding: try Data(contentsOf: file), as: UTF8.self)
            for scheme in ["urn:epc:class:lgtin:", "urn:epc:id:sgtin:", "urn:epc:id:sscc:"] {
                var rest = Substring(text)
                while let r = rest.range(of: scheme) {
                    let tail = rest[r.lowerBound...]
                    let end = tail.firstIndex { $0 == "\"" || $0 == "<" || $0.isWhitespace } ?? tail.endIndex
                    urns.insert(String(tail[..<end]))
                    rest = tail[end...]
                }
            }
        }
        #expect(urns.count > 20)
        let taken = urns.filter { Self.check($0) }.count
        #expect(taken > 10, "the examples' plain URNs are read by the byte reader (\(taken) of \(urns.count))")
    }

    @Test("Generated URNs: the same Digital Link whenever the byte reader answers, and an answer exactly for the plain ones")
    func generated() {
        var rng = SplitMix64(state: 0x5EED_0E9C)
        let lotChars = "AZaz09-._Lot".map(String.init) + ["%2F", "%21", "!", "'", "(", ")", "*", "+", ",", ":", ";", "=", "~", "/", " ", "é", "%", "\""]
        var taken = 0, declined = 0
        for _ in 0..<20_000 {
            let scheme = rng.pick(["urn:epc:class:lgtin:", "urn:epc:id:sgtin:", "urn:epc:id:sgln:", "urn:epc:class:lgtin", "urn:epc:id:sgtin:"])
            let cpCount = 4 + rng.int(10)
            let irCount = rng.chance(0.8) ? 13 - cpCount : rng.int(9)
            let cp = String((0..<cpCount).map { _ in rng.chance(0.98) ? Character(String(rng.int(10))) : "x" })
            let ir = String((0..<max(irCount, 0)).map { _ in rng.chance(0.98) ? Character(String(rng.int(10))) : "-" })
            let lotCount = rng.chance(0.1) ? rng.int(3) : rng.int(23)
            let plainOnly = rng.chance(0.7)
            let lot = (0..<lotCount).map { _ in plainOnly ? String(rng.pick(Array("ABCxyz0189-._"))) : rng.pick(lotChars) }.joined()
            let sep1 = rng.chance(0.98) ? "." : ":"
            if Self.check(scheme + cp + sep1 + ir + "." + lot) { taken += 1 } else { declined += 1 }
        }
        #expect(taken > 2_000 && declined > 5_000, "both ways are exercised (\(taken) read, \(declined) declined)")
    }

    @Test("Generated SSCC URNs: the general reader's Digital Link (and SSCC's) whenever the byte reader answers, and an answer exactly for the plain ones")
    func generatedSSCC() {
        var rng = SplitMix64(state: 0x55CC_0018)
        var taken = 0, declined = 0
        for _ in 0..<20_000 {
            let scheme = rng.pick(["urn:epc:id:sscc:", "urn:epc:id:sscc:", "urn:epc:id:sscc:", "urn:epc:id:ssc:", "urn:epc:id:sgln:"])
            let cpCount = 4 + rng.int(10)
            let refCount = rng.chance(0.8) ? 17 - cpCount : rng.int(14)
            let cp = String((0..<cpCount).map { _ in rng.chance(0.995) ? Character(String(rng.int(10))) : "x" })
            let ref = String((0..<max(refCount, 0)).map { _ in rng.chance(0.99) ? Character(String(rng.int(10))) : rng.pick(["-", ".", "A", "%"]) })
            let sep = rng.chance(0.97) ? "." : rng.pick([":", ""])
            let tail = rng.chance(0.03) ? rng.pick([".0", "x", " "]) : ""
            if Self.check(scheme + cp + sep + ref + tail) { taken += 1 } else { declined += 1 }
        }
        #expect(taken > 3_000 && declined > 5_000, "both ways are exercised (\(taken) read, \(declined) declined)")
    }

    @Test("The byte prefix and byte search say what hasPrefix and contains say, also for non-ASCII text")
    func byteHelpers() {
        var rng = SplitMix64(state: 0xB17E_5)
        let pieces = ["urn:", "epc:", "class:", "lgtin:", "u", "r", ".", "é", "日本", "", ":", "urn:epc:class:lgtin:"]
        for _ in 0..<5_000 {
            let s = (0..<rng.int(6)).map { _ in rng.pick(pieces) }.joined()
            #expect(s.hasBytePrefix("urn:epc:class:lgtin:") == s.hasPrefix("urn:epc:class:lgtin:"), "\(s)")
            #expect(s.hasBytePrefix("urn:epc:") == s.hasPrefix("urn:epc:"), "\(s)")
            #expect(s.hasBytePrefix("") == true)
            #expect(s.containsByte(0x2E) == s.utf8.contains(0x2E), "\(s)")
        }
    }

    @Test("Edge lengths: prefixes of 6 and 12 digits, lots of 1 and 20 characters, and one past each")
    func edges() {
        #expect(Self.check("urn:epc:class:lgtin:123456.7890123.L"))
        #expect(Self.check("urn:epc:class:lgtin:123456789012.3.ABCDEFGHIJ0123456789"))
        #expect(Self.check("urn:epc:id:sgtin:0614141.812345.6789"))
        #expect(!Self.check("urn:epc:class:lgtin:12345.78901234.L"))
        #expect(!Self.check("urn:epc:class:lgtin:1234567890123..L"))
        #expect(!Self.check("urn:epc:class:lgtin:123456789012.3.ABCDEFGHIJ0123456789X"))
        #expect(!Self.check("urn:epc:class:lgtin:123456.7890123."))
        #expect(!Self.check("urn:epc:class:lgtin:123456.7890123.A%2FB"))
        #expect(PlainEPCURN.canonicalDigitalLink("urn:epc:id:sgtin:0614141.812345.6789") == "https://id.gs1.org/01/80614141123458/21/6789")
        // The TDS's example: company prefix 0614141, serial reference 1234567890.
        #expect(PlainEPCURN.canonicalDigitalLink("urn:epc:id:sscc:0614141.1234567890") == "https://id.gs1.org/00/106141412345678908")
        #expect(Self.check("urn:epc:id:sscc:123456.78901234567"))
        #expect(Self.check("urn:epc:id:sscc:123456789012.34567"))
        #expect(!Self.check("urn:epc:id:sscc:12345.678901234567"))
        #expect(!Self.check("urn:epc:id:sscc:1234567890123.4567"))
        #expect(!Self.check("urn:epc:id:sscc:123456.7890123456"))
        #expect(!Self.check("urn:epc:id:sscc:123456.789012345678"))
    }
}
