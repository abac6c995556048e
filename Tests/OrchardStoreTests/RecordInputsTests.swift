import Testing
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTesting

/// How submitted bytes are cut into records (`orchard append`, `POST /capture`), and what a
/// malformed one is told.
@Suite struct RecordInputsTests {
    static func line(_ lot: String) throws -> [UInt8] {
        JSONWriter.compact(try Fixtures.sign(FixtureEvents.harvest(lot: lot, kilograms: 12), as: "farm-sn-luochuan-01").json)
    }

    static func slices(_ inputs: [RecordInput]) -> [[UInt8]]? {
        var out = [[UInt8]]()
        for input in inputs {
            guard case let .slice(s) = input else { return nil }
            out.append(Array(s))
        }
        return out
    }

    @Test("One record on one line is cut as a line, as in JSON Lines (parsed once, in stage A), and appends")
    func oneLine() throws {
        let record = try Self.line("RI1")
        for bytes in [record, record + [0x0A], Array("  ".utf8) + record + Array(" \r\n\n".utf8)] {
            let inputs = try RecordInputs.split(bytes)
            #expect(Self.slices(inputs)?.map { $0.filter { $0 != 0x20 && $0 != 0x0D } } == [record])
            #expect(RecordInputs.lineNumbers(of: bytes, records: inputs) == [1])
        }
        let ledger = try Fixtures.makeLedger()
        let receipts = try ledger.store.append(try RecordInputs.split(record + [0x0A]), nowMillis: Fixtures.now)
        #expect(receipts.map(\.leafIndex) == [1])
    }

    @Test("JSON Lines are cut a line each, with their line numbers; blank lines are skipped")
    func jsonLines() throws {
        let a = try Self.line("RI2"), b = try Self.line("RI3")
        let bytes = a + Array("\n\n".utf8) + b + [0x0A]
        let inputs = try RecordInputs.split(bytes)
        #expect(Self.slices(inputs) == [a, b])
        #expect(RecordInputs.lineNumbers(of: bytes, records: inputs) == [1, 3])
    }

    @Test("A line that is not an object is refused here, saying how records are laid out")
    func garbageLine() {
        for text in ["this is not JSON\n", "<html>oops</html>\n", "{\"a\": 1} trailing\n"] {
            let problem = #expect(throws: EventProblem.self) { try RecordInputs.split(Array(text.utf8)) }
            #expect(problem?.code == .syntax)
            #expect(problem?.reason.contains("records are JSON objects, one per line, or a JSON array of them") == true, "\(text)")
        }
    }

    @Test("A one-line object that is not valid JSON inside is refused by stage A at its line and column, the ledger unchanged")
    func brokenObjectLine() throws {
        let ledger = try Fixtures.makeLedger()
        let before = try ledger.snapshot()
        let bytes = Array("{\"kind\": \"event\", \"event\": }\n".utf8)
        let inputs = try RecordInputs.split(bytes)
        #expect(Self.slices(inputs)?.count == 1)
        let error = try #require(throws: AppendRejection.self) { try ledger.store.append(inputs, nowMillis: Fixtures.now) }
        #expect(error.problems.map(\.index) == [0])
        #expect(error.problems.first?.code == .syntax)
        #expect(error.problems.first?.reason.contains("line 1, column 28") == true, "\(error.problems)")
        #expect(try ledger.snapshot().differences(from: before).isEmpty)
    }

    @Test("A JSON array is a record an item; one record pretty-printed over several lines is one record")
    func arrayAndPretty() throws {
        let a = try Self.line("RI4"), b = try Self.line("RI5")
        let array = try RecordInputs.split(Array("[".utf8) + a + Array(",\n".utf8) + b + Array("]".utf8))
        #expect(array.count == 2)
        #expect(Self.slices(array) == nil)
        let pretty = Array(JSONWriter.pretty(try JSONParser.parse(a)).utf8)
        let one = try RecordInputs.split(pretty)
        #expect(one.count == 1)
        let ledger = try Fixtures.makeLedger()
        #expect(try ledger.store.append(one, nowMillis: Fixtures.now).map(\.leafIndex) == [1])
    }
}
