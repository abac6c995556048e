import Testing
import OrchardLedger
import OrchardModel
import OrchardTrace

@Suite("TraceRecord")
struct TraceRecordTests {
    @Test("a registry or genesis record is refused as an event record, by leaf")
    func refusesNonEvents() throws {
        let genesis = SignedRecord.genesis(.object([JSONMember("origin", .string("x"))]))
        #expect(throws: TraceRecord.Unreadable.self) { try TraceRecord(leafIndex: 0, recordBytes: genesis.recordBytes) }
        do { _ = try TraceRecord(leafIndex: 7, recordBytes: Array("{}".utf8)) } catch {
            #expect(error.description.hasPrefix("record at leaf 7"))
        }
    }
}
