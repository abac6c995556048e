import Testing
@testable import OrchardModel

/// The per-thread table of strings events repeat: a string comes back as written, a check is
/// remembered only for the string that passed it, and never across the table starting over.
struct RepeatedStringsTests {
    static func handle(_ text: String, _ table: RepeatedStrings) -> RepeatedStrings.Handle? {
        var t = text
        return t.withUTF8 { table.handle($0) }
    }

    /// Reads canonical event text from a tape and from the tree: both must read it, or both refuse
    /// it with the same problem, whose code is `expected` (nil: read). `same` compares what they read.
    static func readsAlike(_ text: [UInt8], _ expected: ProblemCode?, _ same: (EPCISEvent, EPCISEvent) -> Void) throws {
        let tape = try #require(JSONTape(canonical: text, from: 0, depth: 1))
        let tree = try #require(JSONParser.parseCanonical(text, from: 0, depth: 1))
        let fromTape = Result { () throws(EventProblem) in try EPCISEvent(tape: tape, index: 0) }
        let fromTree = Result { () throws(EventProblem) in try EPCISEvent(json: tree, index: 0) }
        switch (fromTape, fromTree) {
        case let (.success(x), .success(y)):
            #expect(expected == nil)
            same(x, y)
        case let (.failure(x), .failure(y)):
            #expect(x == y)
            #expect(x.code == expected)
        default:
            Issue.record("the tape says \(fromTape), the tree \(fromTree)")
        }
    }

    @Test("Strings come back as written, the same text as the same entry, checks kept per string")
    func stringsAndChecks() throws {
        let table = RepeatedStrings.current
        let texts = ["urn:epcglobal:cbv:bizstep:shipping", "urn:epcglobal:cbv:bizstep:shippinG", "shipping", "",
                     "urn:epc:id:sgln:6901234.00001.0", "粤港澳", "https://id.gs1.org/414/6901234000019"]
        for text in texts {
            let h = try #require(Self.handle(text, table))
            #expect(h.string == text)
        }
        let a = try #require(Self.handle(texts[0], table))
        let b = try #require(Self.handle(texts[1], table))
        a.recordPassed(.bizStep)
        #expect(a.hasPassed(.bizStep))
        #expect(!a.hasPassed(.disposition))
        // A string one byte apart did not pass what the other did.
        #expect(!b.hasPassed(.bizStep))
        #expect(try #require(Self.handle(texts[0], table)).hasPassed(.bizStep))
        // Longer than the table keeps: the caller makes the string itself.
        #expect(Self.handle(String(repeating: "x", count: 161), table) == nil)
        #expect(Self.handle(String(repeating: "x", count: 160), table)?.string.count == 160)
    }

    @Test("When the table starts over, a check recorded before is forgotten, and an old handle records nothing")
    func startingOver() throws {
        let table = RepeatedStrings.current
        let old = try #require(Self.handle("urn:epcglobal:cbv:disp:in_transit", table))
        old.recordPassed(.disposition)
        #expect(old.hasPassed(.disposition))
        // More distinct strings than the table holds: it starts over at least once.
        var seen = 0
        for i in 0..<10_000 {
            let text = "urn:epc:id:sgln:6901234.\(i).0"
            if let h = Self.handle(text, table) {
                #expect(h.string == text)
                seen += 1
            }
        }
        #expect(seen > 9_000)
        #expect(!old.hasPassed(.disposition))
        old.recordPassed(.identifier)
        let again = try #require(Self.handle("urn:epcglobal:cbv:disp:in_transit", table))
        #expect(again.string == "urn:epcglobal:cbv:disp:in_transit")
        #expect(!again.hasPassed(.disposition) && !again.hasPassed(.identifier))
    }

    @Test("An event read from a tape after others on the same thread is checked as the tree checks it")
    func eventsAfterRememberedOnes() throws {
        func event(step: String, disposition: String, readPoint: String) -> [UInt8] {
            let v = JSONValue.object([
                JSONMember("action", .string("OBSERVE")), JSONMember("bizStep", .string(step)),
                JSONMember("disposition", .string(disposition)), JSONMember("epcList", .array([.string("urn:epc:id:sgtin:6901234.012345.1")])),
                JSONMember("eventTime", .string("2026-06-01T08:00:00+08:00")), JSONMember("eventTimeZoneOffset", .string("+08:00")),
                JSONMember("readPoint", .object([JSONMember("id", .string(readPoint))])), JSONMember("type", .string("ObjectEvent")),
            ])
            return JSONWriter.canonical(v)
        }
        let good = event(step: "urn:epcglobal:cbv:bizstep:shipping", disposition: "urn:epcglobal:cbv:disp:in_transit",
                         readPoint: "urn:epc:id:sgln:6901234.00001.0")
        let cases: [([UInt8], ProblemCode?)] = [
            (good, nil),
            (event(step: "urn:epcglobal:cbv:bizstep:shippinG", disposition: "urn:epcglobal:cbv:disp:in_transit",
                   readPoint: "urn:epc:id:sgln:6901234.00001.0"), .bizStep),
            (good, nil),
            (event(step: "urn:epcglobal:cbv:bizstep:shipping", disposition: "urn:epcglobal:cbv:disp:in_transiT",
                   readPoint: "urn:epc:id:sgln:6901234.00001.0"), .disposition),
            (event(step: "urn:epcglobal:cbv:bizstep:shipping", disposition: "urn:epcglobal:cbv:disp:in_transit",
                   readPoint: "urn:epc:id:sgln 6901234.00001.0"), .location),
            (good, nil),
        ]
        for (text, expected) in cases + cases {
            try Self.readsAlike(text, expected) { x, y in
                #expect(x.bizStep == y.bizStep && x.disposition == y.disposition && x.readPoint == y.readPoint)
            }
        }
    }

    @Test("A lot class read again from a tape gives the lot the tree gives; a bad class is refused every time")
    func lotClasses() throws {
        func event(_ epcClass: String, uom: String = "KGM") -> [UInt8] {
            let v = JSONValue.object([
                JSONMember("action", .string("OBSERVE")), JSONMember("bizStep", .string("shipping")),
                JSONMember("eventTime", .string("2026-06-01T08:00:00+08:00")), JSONMember("eventTimeZoneOffset", .string("+08:00")),
                JSONMember("quantityList", .array([.object([JSONMember("epcClass", .string(epcClass)),
                                                            JSONMember("quantity", .number(JSONNumber(12))), JSONMember("uom", .string(uom))])])),
                JSONMember("type", .string("ObjectEvent")),
            ])
            return JSONWriter.canonical(v)
        }
        let urn = "urn:epc:class:lgtin:6901234.012345.L-1", link = "https://id.gs1.org/01/06901234123456/10/L-1"
        let cases: [([UInt8], ProblemCode?)] = [
            (event(urn), nil), (event(urn), nil),
            // Read before under another unit: the class is still checked for what it is.
            (event(urn, uom: "XYZ"), .unit),
            (event(link), nil), (event(link), nil),
            // One byte off a remembered class, twice: refused both times, never remembered.
            (event("urn:epc:class:lgtin:6901234.012345.L 1"), .identifier), (event("urn:epc:class:lgtin:6901234.012345.L 1"), .identifier),
            (event("urn:epc:id:sgtin:6901234.012345.1"), .identifier), (event("urn:epc:id:sgtin:6901234.012345.1"), .identifier),
            (event(urn), nil),
        ]
        for (text, expected) in cases {
            try Self.readsAlike(text, expected) { x, y in
                #expect(x.quantities == y.quantities)
                #expect(x.quantities.first?.lot == TraceKey(urn))
            }
        }
    }
}
