import Foundation
import Testing
@testable import OrchardModel
import OrchardTesting

/// Stored events with the standard context are written by the plan of their shape once one event
/// of that shape was written (PreHashPlan.swift): the same pre-hash bytes as the tree gives, for
/// any values, and another shape is never taken for it.
struct PreHashPlanTests {
    typealias Rng = SplitMix64

    /// The pre-hash bytes of `event` read from the tape of its canonical text (no `@context`), and
    /// whether a plan wrote them; nil when the text is not canonical as the tape reader judges it.
    static func fromTape(_ event: JSONValue) throws -> (bytes: [UInt8], byPlan: Bool)? {
        let text = JSONWriter.canonical(event)
        guard let tape = JSONTape(canonical: text, from: 0, depth: 1) else { return nil }
        let before = PreHashWorkspace.current.planWrites
        let bytes = try EventHash.preHashBytes(tape: tape)
        return (bytes, PreHashWorkspace.current.planWrites != before)
    }

    /// What the tree of the event's canonical text gives (members in the stored order), with the
    /// context it declares.
    static func fromTree(_ event: JSONValue) throws -> [UInt8] {
        let tree = JSONParser.parseCanonical(JSONWriter.canonical(event), from: 0, depth: 1) ?? event
        return try EventHash.preHashBytes(for: tree, context: EventHashContext(jsonLDContext: tree["@context"]))
    }

    /// Strings a value may be: every way of writing a value the writer has (times, identifiers
    /// that become Digital Links, CBV words and URNs, CURIEs, escapes, non-ASCII, blanks).
    static func string(_ r: inout Rng) -> String {
        // (A blank writes nothing, and the plan gives the event to the writer: rare enough that
        // most variants are written by their plans.)
        if r.chance(0.01) { return r.pick(["", " ", "  "]) }
        switch r.int(6) {
        case 0: return EventHashSpeedTests.time(&r)
        case 1: return EventHashSpeedTests.identifier(&r)
        case 2: return r.pick(["shipping", "in_transit", "urn:epcglobal:cbv:bizstep:receiving", "https://ref.gs1.org/cbv/BizStep-transporting",
                               "gs1:Temperature", "Temperature", "KGM", "CEL", "ObjectEvent", "po", "owning_party", "location", "ADD"])
        case 3: return r.pick(["a\"b", "tab\tx", "back\\slash", "line\nbreak", "café", "温度 ", "\u{212A}", "Shiranui 不知火"])
        case 4: return r.pick([" x ", "cbv:BizStep-shipping", "ex:value", "u:y", ":value", "5.90", "-0", "1e3", "true", "null"])
        default: return String(repeating: r.pick(["a", "z", "0", "~", "A"]), count: 1 + r.int(4))
        }
    }

    /// The event with every string and number value replaced by another of the same kind (member
    /// names, booleans, nulls and its own `@context` kept): the same shape.
    static func revalued(_ v: JSONValue, _ r: inout Rng, top: Bool = true) -> JSONValue {
        switch v {
        case .string: return .string(string(&r))
        case .number: return EventHashSpeedTests.number(&r)
        case let .array(items): return .array(items.map { revalued($0, &r, top: false) })
        case let .object(members):
            return .object(members.map { top && $0.key == "@context" ? $0 : JSONMember($0.key, revalued($0.value, &r, top: false)) })
        default: return v
        }
    }

    /// Shapes worth writing by plan: sensor legs of many lengths, the odd shapes (some with a
    /// `@context` of their own), and the conformance set's events.
    static func shapes(_ r: inout Rng) throws -> [JSONValue] {
        var events = (1...40).map { EventHashSpeedTests.sensorEvent(&r, reports: $0) }
        events += (0..<400).map { _ in EventHashSpeedTests.oddEvent(&r) }
        for name in EventHashTests.examples {
            events += try EventHashTests.document("event-hash/examples/\(name).jsonld").events
        }
        return events
    }

    @Test("Events of a shape seen before are written by its plan, with the bytes the tree gives, whatever their values")
    func sameShapeOtherValues() throws {
        var r = Rng(state: 19)
        var planned = 0, checked = 0
        for (i, shape) in try Self.shapes(&r).enumerated() {
            // The first of a shape records the plan; the others are written by it (unless a value
            // writes nothing, where the writer takes over).
            for k in 0..<6 {
                let event = k == 0 ? shape : Self.revalued(shape, &r)
                let tree = Result { try Self.fromTree(event) }
                guard case let .success(tree) = tree else {
                    // (An empty type: refused both ways, where the tape takes the text.)
                    #expect(throws: EventHashError.self) { if try Self.fromTape(event) == nil { throw EventHashError.missingEventType } }
                    continue
                }
                guard let (bytes, byPlan) = try Self.fromTape(event) else { continue }
                checked += 1
                if byPlan { planned += 1 }
                #expect(bytes == tree, "shape \(i), variant \(k): \(JSONWriter.compactString(event).prefix(400))")
                if bytes != tree { return }
            }
        }
        // Most variants are written by a plan (the first of each shape records it; a blank value
        // or a non-ASCII name sends an event the writer's way).
        #expect(checked > 1500)
        #expect(planned > checked / 2, "\(planned) of \(checked) written by a plan")
    }

    @Test("Siblings a plan writes are sorted by their new values")
    func sortsAgain() throws {
        func event(_ epcs: [String], _ readings: [(String, Double)]) -> JSONValue {
            .object([JSONMember("type", "ObjectEvent"), JSONMember("action", "OBSERVE"),
                     JSONMember("eventTime", "2026-06-01T08:00:00+08:00"), JSONMember("eventTimeZoneOffset", "+08:00"),
                     JSONMember("epcList", .array(epcs.map { .string($0) })),
                     JSONMember("sensorElementList", [["sensorReport": .array(readings.map { t, v in
                         ["time": .string(t), "type": "gs1:Temperature", "uom": "CEL", "value": .number(JSONNumber(v))] })]])])
        }
        let a = event(["urn:epc:id:sgtin:0614141.107346.1", "urn:epc:id:sgtin:0614141.107346.2", "urn:epc:id:sgtin:0614141.107346.3"],
                      [("2026-06-01T08:00:00+08:00", 5.9), ("2026-06-01T08:10:00+08:00", 6.1)])
        let b = event(["urn:epc:id:sgtin:0614141.107346.3", "https://id.gs1.org/01/00614141073464/21/0", "urn:epc:id:sgtin:0614141.107346.1"],
                      [("2026-06-01T09:10:00+09:00", 6.1), ("2026-06-01T08:00:00+08:00", -1.25)])
        _ = try Self.fromTape(a)
        let (bytes, byPlan) = try #require(try Self.fromTape(b))
        #expect(byPlan)
        #expect(bytes == (try Self.fromTree(b)))
        #expect(bytes != (try Self.fromTree(a)))
    }

    @Test("Values a byte shorter or longer, in another vocabulary, or long, in events a plan writes one after another, are written as the tree writes them")
    func rememberedValues() throws {
        func event(_ step: String, _ location: String, _ note: String) -> JSONValue {
            .object([JSONMember("type", "ObjectEvent"), JSONMember("action", "OBSERVE"), JSONMember("bizStep", .string(step)),
                     JSONMember("eventTime", "2026-06-01T08:00:00+08:00"), JSONMember("eventTimeZoneOffset", "+08:00"),
                     JSONMember("readPoint", ["id": .string(location)]), JSONMember("ex:note", .string(note))])
        }
        let steps = ["shipping", "shippin", "shippingx", "urn:epcglobal:cbv:bizstep:shipping", "receiving", "gs1:shipping", "Shipping"]
        let locations = ["urn:epc:id:sgln:0614141.07346.1234", "urn:epc:id:sgln:0614141.07346.123", "https://id.gs1.org/414/0614141073467",
                         "urn:epc:id:sgln:0614141.07346.12345"]
        var r = Rng(state: 23)
        var planned = 0
        for k in 0..<600 {
            // Long notes, some repeated.
            let note = k % 3 == 0 ? "short" : String(repeating: "n\(k % 40)-", count: 1 + r.int(120))
            let e = event(r.pick(steps), r.pick(locations), note)
            let (bytes, byPlan) = try #require(try Self.fromTape(e))
            if byPlan { planned += 1 }
            let tree = try Self.fromTree(e)
            #expect(bytes == tree, "event \(k): \(JSONWriter.compactString(e).prefix(300))")
            if bytes != tree { return }
        }
        #expect(planned == 599)
    }

    @Test("Another shape is never written by a plan: a name one byte apart, a value of another kind, one more item")
    func otherShapes() throws {
        func event(_ key: String, _ value: JSONValue, items: Int) -> JSONValue {
            .object([JSONMember("type", "ObjectEvent"), JSONMember("action", "OBSERVE"),
                     JSONMember("eventTime", "2026-06-01T08:00:00+08:00"), JSONMember("eventTimeZoneOffset", "+08:00"),
                     JSONMember("epcList", .array((0..<items).map { .string("urn:epc:id:sgtin:0614141.107346.\($0)") })),
                     JSONMember("ilmd", .object([JSONMember(key, value)]))])
        }
        let first = event("ex:grade", .string("A"), items: 2)
        #expect(try Self.fromTape(first)?.byPlan == false)
        #expect(try Self.fromTape(event("ex:grade", .string("B"), items: 2))?.byPlan == true)
        for other in [event("ex:gradf", .string("A"), items: 2), event("ex:grade", .number(JSONNumber(5)), items: 2),
                      event("ex:grade", .bool(true), items: 2), event("ex:grade", .string("A"), items: 3),
                      event("ex:grade", .array([.string("A")]), items: 2)] {
            let (bytes, byPlan) = try #require(try Self.fromTape(other))
            #expect(!byPlan, "\(JSONWriter.compactString(other))")
            #expect(bytes == (try Self.fromTree(other)))
        }
        // A value that writes nothing: the plan gives up and the writer decides.
        let blank = event("ex:grade", .string("  "), items: 2)
        let (bytes, byPlan) = try #require(try Self.fromTape(blank))
        #expect(!byPlan)
        #expect(bytes == (try Self.fromTree(blank)))
    }

    @Test("An event's own @context is part of its shape: the same context is written by the plan, another one (one namespace changed) is not, and each hashes as its tree does with what it declares")
    func ownContext() throws {
        func event(_ namespace: String, _ value: String) -> JSONValue {
            .object([JSONMember("type", "ObjectEvent"), JSONMember("action", "OBSERVE"),
                     JSONMember("@context", .array([.string("https://ref.gs1.org/standards/epcis/epcis-context.jsonld"),
                                                    .object([JSONMember("ex", .string(namespace))])])),
                     JSONMember("eventTime", "2026-06-01T08:00:00+08:00"), JSONMember("eventTimeZoneOffset", "+08:00"),
                     JSONMember("ex:grade", .string(value)), JSONMember("ex:more", .string("ex:thing"))])
        }
        for (k, (namespace, value)) in [("https://a.example/", "A"), ("https://a.example/", "ex:B"), ("https://b.example/", "ex:B"),
                                        ("https://b.example/", "C"), ("https://a.example/", "ex:D")].enumerated() {
            let e = event(namespace, value)
            let (bytes, byPlan) = try #require(try Self.fromTape(e))
            // The first of each context records the plan; the rest are written by it.
            #expect(byPlan == (k == 1 || k == 3 || k == 4), "event \(k)")
            let tree = try #require(JSONParser.parseCanonical(JSONWriter.canonical(e), from: 0, depth: 1))
            #expect(bytes == (try EventHash.preHashBytes(for: tree, context: EventHashContext(jsonLDContext: tree["@context"]))), "event \(k)")
        }
    }
}
