import Testing
import OrchardLedger
import OrchardModel
import OrchardQuery
@testable import OrchardStore
import OrchardTesting

/// An index that points elsewhere is caught where it is read: the answer is a finding, never
/// another event (and so never a proof that "verifies" the wrong record).
struct IndexLieTests {
    @Test("An events entry changed to point at another leaf makes the lookup fail with an index.entry finding")
    func eventsEntryPointsElsewhere() throws {
        let ledger = try Fixtures.makeLedger()
        let receipts = try ledger.append([try Fixtures.sign(FixtureEvents.harvest(lot: "IL1", kilograms: 10), as: "farm-sn-luochuan-01"),
                                          try Fixtures.sign(FixtureEvents.harvest(lot: "IL2", kilograms: 20), as: "farm-sn-luochuan-01")])
        let a = try #require(receipts[0].eventID), store = ledger.store
        try store.env.write { txn in
            try txn.put(store.db.events, a.digest.bytes, [UInt8](bigEndian: receipts[1].leafIndex) + [UInt8](bigEndian: receipts[1].blockHeight))
        }
        let finding = #expect(throws: VerificationFinding.self) { try store.event(a) }
        #expect(finding?.check == .indexEntry)
        #expect(finding?.leafIndex == receipts[1].leafIndex)
        #expect(finding?.expected == a.uri)
        #expect(#expect(throws: VerificationFinding.self) { try store.verifiedInclusion(of: a) }?.check == .indexEntry)
    }
}
