import Foundation
import Testing
@testable import OrchardModel
import OrchardTesting

/// The byte renderer of the event hash (PreHashTree.swift, PreHashRenderer.swift) against the
/// String implementation it replaced (ReferencePreHash.swift): same pre-hash bytes for generated
/// events, sensor-heavy ones and odd shapes alike. Correctness only; nothing here is timed.
struct EventHashSpeedTests {
    /// The shared seeded generator (OrchardTesting).
    typealias Rng = SplitMix64

    static let context = EventHashContext(namespaces: ["ex": "https://ns.example.com/epcis/", "orchard": "https://orchard.example/voc/"])

    static func fastAndReference(_ event: JSONValue, _ context: EventHashContext = context) throws -> (fast: String, reference: String, usedFastPath: Bool) {
        let fast = try EventHash.preHashString(for: event, context: context)
        let reference = try ReferencePreHash.preHashString(for: event, context: context)
        var usedFast = false
        if case .object = event, var type = event["type"]?.stringValue {
            usedFast = type.withUTF8 { PreHashWriter.render(.json(event), tape: nil, type: $0, context: context) } != nil
        }
        return (fast, reference, usedFast)
    }

    /// The event, with `context` declared in its `@context`, read from the tape of its canonical
    /// text (as the audit reads stored events) gives the pre-hash its tree gives.
    @discardableResult
    static func expectSameFromTape(_ event: JSONValue, _ context: EventHashContext) -> Bool {
        let declared = JSONValue.object(context.namespaces.sorted { $0.key < $1.key }.map { JSONMember($0.key, .string($0.value)) })
        let text = JSONWriter.canonical(event.setting("@context", to: declared))
        // (Canonical text the parser does not judge canonical — rare escapes, exponents — is
        // read the long way, on the tape's side too.)
        let tape = JSONTape(canonical: text, from: 0, depth: 1), tree = JSONParser.parseCanonical(text, from: 0, depth: 1)
        #expect((tape != nil) == (tree != nil))
        guard let tape, let tree else { return false }
        let fromTape = Result { () throws(EventHashError) in try EventHash.preHashBytes(tape: tape) }
        let fromTree = Result { () throws(EventHashError) in try EventHash.preHashBytes(for: tree, context: EventHashContext(jsonLDContext: declared)) }
        switch (fromTape, fromTree) {
        case let (.success(a), .success(b)):
            #expect(a == b, "\(String(decoding: text.prefix(300), as: UTF8.self))")
        case let (.failure(a), .failure(b)): #expect(a == b)
        default: Issue.record("tape \(fromTape), tree \(fromTree)")
        }
        return true
    }

    // MARK: - Generators

    static func number(_ r: inout Rng) -> JSONValue {
        let texts = ["2.1", "2.10", "-0.5", "0", "-0", "-0.0", "6", "672.1", "1.0", "0.0001", "0.00001", "1e3", "1.5E-7",
                     "12345678901234567", "123456789012345", "1234567890.12345", "1234567890.123456", "0.3400", "-12.75",
                     "100", "9007199254740993", "1e21", "3.14159265358979", "0.000123", "-0.00012"]
        if r.chance(0.5) {
            // A random reading such as the simulator writes.
            let v = Double(r.int(4000) - 1000) / 100
            return .number(JSONNumber(v))
        }
        let t = r.pick(texts)
        return .number(JSONNumber(validatedText: t))
    }

    static func time(_ r: inout Rng) -> String {
        let base = String(format: "20%02d-%02d-%02dT%02d:%02d:%02d", 19 + r.int(10), 1 + r.int(12), 1 + r.int(28), r.int(24), r.int(60), r.int(60))
        let fraction = r.pick(["", "", ".1", ".123", ".1415", ".99951", ".000", ".5"])
        let offset = r.pick(["Z", "+08:00", "-05:30", "+00:00", "z", "", "+14:00"])
        let odd = r.pick(["", "", "", "", "", "", " ", "x"])
        return r.chance(0.02) ? r.pick(["yesterday", "2019-02-30T10:00:00Z", "  ", ""]) : base + fraction + offset + odd
    }

    static func identifier(_ r: inout Rng) -> String {
        r.pick(["urn:epc:id:sgtin:0614141.107346.2017", "urn:epc:class:lgtin:697123.0000010.260601-1A",
                "urn:epc:id:sgln:697123.000021.0", "https://id.gs1.org/01/09506000134352/21/123",
                "https://example.com/01/9506000134352/10/ABC", "urn:epc:id:giai:697123.RF000021-49",
                "urn:epc:idpat:sgtin:4012345.098765.*", "https://example.org/thing", "geo:22.3,114.2",
                " urn:epc:id:sgtin:0614141.107346.2018 ", "ex:localThing", "plain"])
    }

    static func sensorReport(_ r: inout Rng) -> JSONValue {
        var m: [JSONMember] = []
        m.append(JSONMember("type", .string(r.pick(["gs1:Temperature", "Temperature", "gs1:RelativeHumidity", "ex:Custom", "https://gs1.org/voc/Temperature"]))))
        if r.chance(0.9) { m.append(JSONMember("value", number(&r))) }
        m.append(JSONMember("uom", .string(r.pick(["CEL", "FAR", "P1", " CEL "]))))
        m.append(JSONMember("time", .string(time(&r))))
        if r.chance(0.1) { m.append(JSONMember("exception", .string(r.pick(["ALARM_CONDITION", "ERROR_CONDITION", "gs1:ALARM_CONDITION"])))) }
        if r.chance(0.1) { m.append(JSONMember("component", .string(r.pick(["x", "latitude", "cbv:Comp-altitude"])))) }
        if r.chance(0.1) { m.append(JSONMember("stringValue", .string(r.pick(["SomeString", "1.50", "urn:epcglobal:cbv:bizstep:shipping"])))) }
        if r.chance(0.1) { m.append(JSONMember("booleanValue", .bool(r.chance(0.5)))) }
        if r.chance(0.1) { m.append(JSONMember("minValue", number(&r))) }
        if r.chance(0.1) { m.append(JSONMember("deviceID", .string(identifier(&r)))) }
        if r.chance(0.05) { m.append(JSONMember("ex:reading", .string("extra"))) }
        if r.chance(0.05) { m.append(JSONMember("ex:transaction", .string("has action in its name"))) }
        if r.chance(0.05) { m.append(JSONMember("unknownField", .string("stays for the tail"))) }
        if r.chance(0.05) { m.append(JSONMember("coordinateReferenceSystem", .null)) }
        if r.chance(0.5) { m.shuffle(using: &r) }
        return .object(m)
    }

    static func sensorEvent(_ r: inout Rng, reports: Int) -> JSONValue {
        var meta: [JSONMember] = [JSONMember("deviceID", .string(identifier(&r))), JSONMember("startTime", .string(time(&r))),
                                  JSONMember("endTime", .string(time(&r)))]
        if r.chance(0.2) { meta.append(JSONMember("ex:calibrated", .string("2026-01-01"))) }
        var element: [JSONMember] = [JSONMember("sensorMetadata", .object(meta)),
                                     JSONMember("sensorReport", .array((0..<reports).map { _ in sensorReport(&r) }))]
        if r.chance(0.2) { element.append(JSONMember("ex:note", .string("element extension"))) }
        var elements: [JSONValue] = [.object(element)]
        if r.chance(0.3) { elements.append(.object([JSONMember("sensorReport", .array((0..<3).map { _ in sensorReport(&r) }))])) }
        var m: [JSONMember] = [
            JSONMember("type", "ObjectEvent"),
            JSONMember("action", "OBSERVE"),
            JSONMember("bizStep", .string(r.pick(["transporting", "urn:epcglobal:cbv:bizstep:transporting", "https://ref.gs1.org/cbv/BizStep-transporting", "ex:custom"]))),
            JSONMember("disposition", .string(r.pick(["in_transit", "urn:epcglobal:cbv:disp:in_transit"]))),
            JSONMember("eventTime", .string(time(&r))),
            JSONMember("eventTimeZoneOffset", "+08:00"),
            JSONMember("quantityList", [["epcClass": .string(identifier(&r)), "quantity": number(&r), "uom": "KGM"]]),
            JSONMember("readPoint", ["id": .string(identifier(&r))]),
            JSONMember("sensorElementList", .array(elements)),
        ]
        m.shuffle(using: &r)
        return .object(m)
    }

    /// Events with the shapes the rules treat specially.
    static func oddEvent(_ r: inout Rng) -> JSONValue {
        var m: [JSONMember] = [JSONMember("type", .string(r.pick(["ObjectEvent", "AggregationEvent", "TransformationEvent", "AssociationEvent"])))]
        let options: [(inout Rng) -> JSONMember] = [
            { _ in JSONMember("eventTime", "2020-03-04T11:00:30.999+02:00") },
            { _ in JSONMember("action", "ADD") },
            { r in JSONMember("epcList", .array((0..<r.int(4)).map { _ in .string(identifier(&r)) })) },
            { r in JSONMember("inputEPCList", .array((0..<r.int(3)).map { _ in .string(identifier(&r)) })) },
            { r in JSONMember("outputEPCList", .array([.string(identifier(&r))])) },
            { r in JSONMember("childEPCs", .array([.string(identifier(&r)), .string(identifier(&r))])) },
            { r in JSONMember("childEPCs", .string(identifier(&r))) },
            { _ in JSONMember("parentID", "urn:epc:id:sscc:0614141.1234567890") },
            { r in JSONMember("inputQuantityList", [["epcClass": .string(identifier(&r)), "quantity": number(&r)], ["epcClass": .string(identifier(&r))]]) },
            { r in JSONMember("childQuantityList", [["epcClass": .string(identifier(&r)), "quantity": number(&r), "uom": "KGM", "ex:q": "1"]]) },
            { _ in JSONMember("quantityList", .array([])) },
            { _ in JSONMember("bizTransactionList", [["type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:0614141073467:1152"], ["bizTransaction": "http://transaction.example.com/po/12345678"]]) },
            { _ in JSONMember("sourceList", [["source": "urn:epc:id:sgln:4012345.00001.0", "type": "owning_party"], ["type": "location", "source": "urn:epc:id:sgln:4012345.00002.0", "ex:x": "y"]]) },
            { _ in JSONMember("destinationList", [["type": ["possessing_party", "location"], "destination": ["a", "b"]], "bare", ["nested", "array"], [:]]) },
            { _ in JSONMember("persistentDisposition", ["set": ["completeness_verified", "ex:mine"], "unset": "in_transit"]) },
            { _ in JSONMember("readPoint", ["id": "urn:epc:id:sgln:0614141.07346.1234", "ex:readPointExt": "rp", "unknown": "u"]) },
            { _ in JSONMember("bizLocation", ["id": "urn:epc:id:sgln:0614141.00888.0", "ex:deep": ["ex:deeper": "v", "plain": 1.50]]) },
            { _ in JSONMember("ilmd", ["ex:bestBefore": "2026-07-01", "orchard:farm": "farm-1", "cbvmda:lotNumber": "L1", "ex:grid": [["1", 2], [true, .null]]]) },
            { _ in JSONMember("ex:userExt", ["ex:a": "1", "ex:b": ["ex:c": "3"]]) },
            { _ in JSONMember("ex:listList", [["a", "b"], []]) },
            { _ in JSONMember("fooListList", [["x": "1"], "y"]) },
            { _ in JSONMember("childEPCsList", ["a", ["b": "c"]]) },
            { _ in JSONMember("bizTransactionListList", [["type": "po", "bizTransaction": "1"]]) },
            { _ in JSONMember("inputEPC", "urn:epc:id:sgtin:0614141.107346.1") },
            { _ in JSONMember("quantity", ["epcClass": "x", "quantity": 3]) },
            { _ in JSONMember("recordTime", "2020-01-01T00:00:00Z") },
            { _ in JSONMember("eventID", "ni:///sha-256;00?ver=CBV2.0") },
            { _ in JSONMember("errorDeclaration", ["declarationTime": "2020-01-01T00:00:00Z", "reason": "incorrect_data"]) },
            { _ in JSONMember("comment", "left out") },
            { _ in JSONMember("rdfs:comment", "left out") },
            { _ in JSONMember("@context", ["ex": "https://ns.example.com/epcis/"]) },
            { _ in JSONMember("certificationInfo", "https://cert.example.com/1") },
            { _ in JSONMember("transformationID", "urn:epc:id:gdti:0614141.12345.400") },
            { _ in JSONMember("eventTimeZoneOffset", "-06:00") },
            { _ in JSONMember("eventTime", ["odd": "object"]) },
            { _ in JSONMember("disposition", "  ") },
            { _ in JSONMember("bizStep", .null) },
            { r in JSONMember("ex:number", number(&r)) },
            { _ in JSONMember("ex:whenTime", "2020-01-01T00:00:00+01:00") },
            { _ in JSONMember("ex:flag", true) },
            { _ in JSONMember("ex:prefixed", "ex:value") },
            { _ in JSONMember("unprefixed:key", "cbv:BizStep-shipping") },
            { _ in JSONMember("sensorElementList", [["sensorReport": [["type": "Temperature", "value": 3]], "sensorMetadata": ["time": "2020-01-01T00:00:00Z", "ex:m": "1"], "ex:transaction": "x"]]) },
            { _ in JSONMember(":emptyPrefix", ":value") },
            { _ in JSONMember("u:x", "u:y") },
            { _ in JSONMember("ex:café", "non-ASCII key") },
            { _ in JSONMember("ex:label", "Shiranui 不知火 ") },
            { _ in JSONMember("ex:kelvin", "\u{212A}") },
        ]
        for _ in 0..<(1 + r.int(10)) { m.append(r.pick(options)(&r)) }
        m.shuffle(using: &r)
        return .object(m)
    }

    // MARK: - Tests

    @Test("Sensor-heavy events: the byte renderer writes exactly what the String reference writes")
    func sensorHeavy() throws {
        var r = Rng(state: 1)
        for i in 0..<300 {
            let event = Self.sensorEvent(&r, reports: 1 + i % 60)
            let (fast, reference, usedFast) = try Self.fastAndReference(event)
            #expect(usedFast)
            #expect(fast == reference, "event \(i)")
            if fast != reference { break }
        }
    }

    @Test("Odd shapes (lists of lists, typed entries, extensions, comments, non-ASCII) agree with the reference")
    func oddShapes() throws {
        var r = Rng(state: 2)
        for i in 0..<3000 {
            let event = Self.oddEvent(&r)
            let (fast, reference, _) = try Self.fastAndReference(event)
            #expect(fast == reference, "event \(i): \(JSONWriter.compactString(event))")
            if fast != reference { break }
        }
    }

    @Test("Generated events read from the tape of their canonical text give the tree's pre-hash")
    func fromTape() {
        var r = Rng(state: 6)
        var checked = 0
        for i in 0..<3000 {
            let event = i % 10 == 0 ? Self.sensorEvent(&r, reports: 1 + i % 60) : Self.oddEvent(&r)
            if Self.expectSameFromTape(event, Self.context) { checked += 1 }
        }
        for context in [EventHashContext(), EventHashContext(namespaces: ["ex": "https://ns.example.com/épcis/"]),
                        EventHashContext(namespaces: ["": "https://empty.example/", "u": "urn:u:", "\u{212A}": "https://kelvin.example/"])] {
            for _ in 0..<300 where Self.expectSameFromTape(Self.oddEvent(&r), context) { checked += 1 }
        }
        // Most generated text is canonical as the parser judges it.
        #expect(checked > 2000)
    }

    @Test("Ignored fields and other contexts agree with the reference")
    func contexts() throws {
        var r = Rng(state: 3)
        let contexts = [
            EventHashContext(),
            EventHashContext(namespaces: ["ex": "https://ns.example.com/epcis/"], ignoredFields: ["ex:userExt", "action", "ilmd"]),
            EventHashContext(namespaces: ["2019-01-01T00": "https://odd.example/", "urn": "https://urn.example/"]),
            EventHashContext(namespaces: ["ex": "https://ns.example.com/épcis/"]),
            EventHashContext(namespaces: ["": "https://empty.example/", "u": "urn:u:", "\u{212A}": "https://kelvin.example/"]),
        ]
        for i in 0..<400 {
            let event = i % 2 == 0 ? Self.oddEvent(&r) : Self.sensorEvent(&r, reports: 3)
            for c in contexts {
                let (fast, reference, _) = try Self.fastAndReference(event, c)
                #expect(fast == reference, "event \(i): \(JSONWriter.compactString(event))")
            }
        }
    }

    @Test("The conformance examples take the byte renderer and agree with the reference")
    func conformanceExamples() throws {
        for name in EventHashTests.examples {
            let (events, context) = try EventHashTests.document("event-hash/examples/\(name).jsonld")
            for event in events {
                let (fast, reference, _) = try Self.fastAndReference(event, context)
                #expect(fast == reference, "\(name)")
            }
        }
    }

    @Test("Event IDs hash the pre-hash bytes")
    func eventIDs() throws {
        var r = Rng(state: 4)
        let event = Self.sensorEvent(&r, reports: 50)
        let id = try EventHash.eventID(for: event, context: Self.context)
        #expect(try id == EventHash.eventID(preHashString: try ReferencePreHash.preHashString(for: event, context: Self.context)))
    }

    @Test("Short decimals are written as Python writes the double")
    func shortDecimals() {
        var r = Rng(state: 5)
        var texts = ["0", "-0", "0.0", "-0.0", "1.0", "10", "100.500", "0.0001", "0.00010", "0.00001", "-0.0001",
                     "123456789012345", "1234567890123456", "99999999999999.9", "0.123456789012345", "0.1234567890123456",
                     "1e5", "1.", ".5", "-", "", "5.9", "672.1", "007", "00.5"]
        for _ in 0..<5000 {
            let intPart = String(r.int(1_000_000) >> r.int(20))
            let frac = String(repeating: "0", count: r.int(6)) + String(r.int(100_000))
            texts.append((r.chance(0.3) ? "-" : "") + intPart + (r.chance(0.8) ? "." + frac : ""))
        }
        for t in texts {
            var out: [UInt8] = []
            if PythonNumber.appendShortDecimal(t, to: &out) {
                #expect(String(decoding: out, as: UTF8.self) == PythonNumber.format(Double(t)!), "\(t)")
            } else {
                #expect(out.isEmpty)
            }
        }
    }

    @Test("UTC milliseconds are written as utcMillisecondString writes them")
    func utcBytes() {
        var r = Rng(state: 6)
        var values: [Int64] = [0, -1, 1, 86_399_999, -86_400_000, 253_402_300_799_999, -62_135_596_800_000, -62_167_219_200_001]
        for _ in 0..<5000 { values.append(Int64(bitPattern: r.next()) % 300_000_000_000_000) }
        for ms in values {
            var out: [UInt8] = []
            EPCISTimestamp.appendUTCMilliseconds(ms, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == EPCISTimestamp(millisecondsSinceEpoch: ms).utcMillisecondString, "\(ms)")
        }
    }
}

