import Foundation
import Testing
import OrchardModel
import OrchardSimulation
import OrchardTesting

/// The tape of canonical text (what the audit reads stored events from) against the parser and
/// the tree: the same texts taken, the same values, the same events, problems and event IDs.
struct JSONTapeTests {
    /// Events in canonical form: every event of the event-hash and EPCIS conformance examples
    /// (with their document's `@context`, as a capture keeps it) and of a simulated season.
    static let canonicalEvents: [[UInt8]] = {
        var out = [[UInt8]]()
        let files = Conformance.files(under: "event-hash/examples", ext: "jsonld")
            + Conformance.files(under: "epcis", ext: "jsonld") + Conformance.files(under: "epcis", ext: "json")
        for url in files {
            guard let data = try? Data(contentsOf: url), let doc = try? JSONParser.parse(Array(data)),
                  let events = try? EventHash.events(inDocument: doc).events else { continue }
            for e in events {
                let withContext = doc["@context"].map { e.setting("@context", to: $0) } ?? e
                out.append(JSONWriter.canonical(withContext))
            }
        }
        return out
    }()

    static let seasonEvents: [[UInt8]] = {
        var c = SimulationConfiguration()
        c.events = 1500
        c.seed = 7
        guard let simulator = try? SeasonSimulator(genesis: try Fixtures.genesis(), keyDirectory: Fixtures.demoKeysURL.path, configuration: c),
              let dir = try? TemporaryDirectory(), let truth = try? ByteWriter(path: dir.path + "/truth.json") else { return [] }
        var lines = [[UInt8]]()
        _ = try? simulator.run(sink: { lines += $0.map(\.line) }, truth: truth)
        return lines.compactMap { line in (try? JSONParser.parse(line))?["event"].map(JSONWriter.canonical) }
    }()

    /// The text read both ways: nil when the parser does not take it as canonical.
    static func bothWays(_ text: [UInt8]) -> (tape: JSONTape?, tree: JSONValue?) {
        (JSONTape(canonical: text, from: 0, depth: 1), JSONParser.parseCanonical(text, from: 0, depth: 1))
    }

    @Test("The examples and a simulated season give hundreds of canonical events")
    func corpus() {
        #expect(Self.canonicalEvents.count >= 40)
        #expect(Self.seasonEvents.count >= 1400)
    }

    @Test("Canonical events read onto the tape as the parser reads them")
    func sameValues() {
        for text in Self.canonicalEvents + Self.seasonEvents {
            let (tape, tree) = Self.bothWays(text)
            #expect(tree != nil)
            guard let tape, let tree else { Issue.record("not taken: \(String(decoding: text.prefix(80), as: UTF8.self))"); continue }
            #expect(tape.value(tape.root) == tree)
            #expect(JSONWriter.canonical(tape.value(tape.root)) == text)
        }
    }

    @Test("A tape offered for reuse while still held keeps its values; tapes read after it have their own")
    func recycledWhileHeld() {
        let texts = Array((Self.canonicalEvents + Self.seasonEvents).prefix(300))
        var held = [(JSONTape, JSONValue)]()
        for text in texts {
            guard let tape = JSONTape(canonical: text, from: 0, depth: 0) else { Issue.record("not taken"); continue }
            // Offered at once and again, yet kept and read later: its storage must not be reused.
            tape.recycle()
            tape.recycle()
            held.append((tape, try! JSONParser.parse(text)))
        }
        for (tape, tree) in held { #expect(tape.value(tape.root) == tree) }
        // Let go of, then recycled: the next tapes read as the parser reads them.
        for (tape, _) in held { tape.recycle() }
        held.removeAll()
        for text in texts.reversed() {
            guard let tape = JSONTape(canonical: text, from: 0, depth: 0) else { Issue.record("not taken"); continue }
            #expect(tape.value(tape.root) == (try! JSONParser.parse(text)))
            tape.recycle()
        }
    }

    /// (The parser judges canonical text conservatively: exponents, `\\u` escapes and names from
    /// U+E000 up are read the long way, so not every RFC 8785 output is taken.)
    @Test("The RFC 8785 vectors are taken where the parser takes them, with the same values", arguments: ["output", "input"])
    func jcsVectors(folder: String) throws {
        var taken = [String]()
        for url in Conformance.files(under: "jcs/\(folder)", ext: "json") {
            var text = Array(try Data(contentsOf: url))
            while let last = text.last, last == 0x0A || last == 0x0D { text.removeLast() }
            let (tape, tree) = Self.bothWays(text)
            #expect((tape != nil) == (tree != nil), "\(url.lastPathComponent)")
            if let tape, let tree {
                #expect(tape.value(tape.root) == tree)
                taken.append(url.lastPathComponent)
            }
        }
        if folder == "output" { #expect(Set(taken).isSuperset(of: ["arrays.json", "french.json", "unicode.json"]), "\(taken)") }
    }

    @Test("Texts the parser refuses as canonical the tape refuses too", arguments: [
        "{\"b\":1,\"a\":2}", "{\"a\":1,\"a\":2}", "{\"a\": 1}", " {\"a\":1}", "{\"a\":1.0}", "{\"a\":1e3}", "{\"a\":-0}",
        "{\"a\":\"\\u0041\"}", "{\"a\":\"\\/\"}", "{\"a\\n\":1}", "[1,]", "[01]", "{\"a\":tru}", "\"\u{1}\"", "{\"a\":1}x",
        "[\"\\ud800\"]", "{\"a\":\"\\q\"}", "[1.5e-7]", "[1234567890123456]", "[\"é\"]", "{\"é\":1,\"z\":2}", "[\"\\\"\\\\\\t\"]",
    ])
    func refusals(text: String) {
        let (tape, tree) = Self.bothWays(Array(text.utf8))
        #expect((tape != nil) == (tree != nil))
        if let tape, let tree { #expect(tape.value(tape.root) == tree) }
    }

    @Test("Nesting is limited as in the parser, counted from the depth given")
    func depth() {
        let deep = Array(String(repeating: "[", count: 255).utf8) + Array(String(repeating: "]", count: 255).utf8)
        #expect(JSONTape(canonical: deep, from: 0, depth: 1) != nil)
        #expect(JSONTape(canonical: deep, from: 0, depth: 2) == nil)
        #expect(JSONParser.parseCanonical(deep, from: 0, depth: 2) == nil)
    }

    /// Events with bytes changed at random, read both ways: the same texts taken and, as events,
    /// the same fields or the same problem, and the same event ID or none.
    @Test("Damaged events: the tape and the tree agree on the text, the event's checks and its ID")
    func damagedEvents() {
        var rng = SplitMix64(state: 12)
        let pool = Array("{}[]\":,\\ 0123456789.-eabtnrfuxyzAEIOU".utf8) + [0x00, 0x1F, 0x7F, 0xC3, 0xA9, 0xFF]
        let sources = Self.canonicalEvents + Self.seasonEvents.prefix(200)
        var taken = 0, events = 0
        for text in sources {
            for _ in 0..<12 {
                var t = text
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    let at = Int(rng.next() % UInt64(t.count))
                    switch rng.next() % 3 {
                    case 0: t[at] = pool[Int(rng.next() % UInt64(pool.count))]
                    case 1: t.remove(at: at)
                    default: t.insert(pool[Int(rng.next() % UInt64(pool.count))], at: at)
                    }
                    if t.isEmpty { t = [0x7B] }
                }
                let (tape, tree) = Self.bothWays(t)
                #expect((tape != nil) == (tree != nil), "\(String(decoding: t.prefix(120), as: UTF8.self))")
                guard let tape, let tree else { continue }
                taken += 1
                #expect(tape.value(tape.root) == tree)
                guard case .object = tree else { continue }
                events += 1
                Self.expectSameEvent(tape: tape, tree: tree)
            }
        }
        #expect(taken > 200)
        #expect(events > 200)
    }

    @Test("Every canonical event: the same fields and the same event ID from the tape")
    func sameEvents() {
        for text in Self.canonicalEvents + Self.seasonEvents {
            guard let tape = JSONTape(canonical: text, from: 0, depth: 1), let tree = JSONParser.parseCanonical(text, from: 0, depth: 1) else {
                Issue.record("not taken")
                continue
            }
            Self.expectSameEvent(tape: tape, tree: tree)
        }
    }

    static func expectSameEvent(tape: JSONTape, tree: JSONValue) {
        let a = Result { () throws(EventProblem) in try EPCISEvent(tape: tape, index: 3) }
        let b = Result { () throws(EventProblem) in try EPCISEvent(json: tree, index: 3) }
        switch (a, b) {
        case let (.success(x), .success(y)):
            #expect(x.type == y.type && x.action == y.action && x.eventTime == y.eventTime && x.bizStep == y.bizStep)
            #expect(x.disposition == y.disposition && x.readPoint == y.readPoint && x.bizLocation == y.bizLocation && x.parentID == y.parentID)
            #expect(x.quantities == y.quantities)
            #expect(x.epcs.map { "\($0.role):\($0.epc)" } == y.epcs.map { "\($0.role):\($0.epc)" })
            #expect(x.errorDeclaration == y.errorDeclaration && x.destinations == y.destinations)
            #expect(x.json == y.json && x.sensorReadings == y.sensorReadings)
        case let (.failure(x), .failure(y)):
            #expect(x == y)
        default:
            Issue.record("the tape says \(a), the tree \(b)")
        }
        let idA = Result { try EventID.compute(tape: tape) }, idB = Result { try EventID.compute(for: tree, context: tree["@context"]) }
        switch (idA, idB) {
        case let (.success(x), .success(y)): #expect(x == y)
        case (.failure, .failure): break
        default: Issue.record("event ID from the tape \(idA), from the tree \(idB)")
        }
    }
}
