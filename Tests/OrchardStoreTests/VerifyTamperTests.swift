import Testing
@testable import OrchardStore
import OrchardLedger
import OrchardModel
import OrchardTesting

/// `verify` must notice a record changed on disk behind the ledger's back.
struct VerifyTamperTests {
    func ledgerWith(_ count: Int) throws -> TestLedger {
        let ledger = try Fixtures.makeLedger()
        _ = try ledger.append(try (0..<count).map { i in
            try Fixtures.sign(FixtureEvents.harvest(lot: "V\(i)", kilograms: Double(10 + i)), as: "farm-sn-luochuan-01")
        })
        return ledger
    }

    /// Rewrites the stored record at `leaf` with one byte of its payload changed.
    func tamper(_ store: LedgerStore, leaf: UInt64) throws {
        try store.env.write { txn in
            let key = RecordSegments.key(forLeaf: leaf)
            var records = try RecordSegments.decode(try #require(try txn.get(store.db.records, key)))
            let i = Int(leaf % RecordSegments.size)
            let at = try #require(records[i].lastIndex(of: UInt8(ascii: "1")))
            records[i][at] = UInt8(ascii: "2")
            try txn.put(store.db.records, key, RecordSegments.encode(records))
        }
    }

    @Test("An intact ledger verifies")
    func intact() throws {
        #expect(try ledgerWith(40).store.verifyRecent().ok)
    }

    @Test("A record changed inside a complete 32-leaf group is caught", arguments: [3, 31])
    func tamperedInGroup(leaf: UInt64) throws {
        let ledger = try ledgerWith(40)
        try tamper(ledger.store, leaf: leaf)
        let report = try ledger.store.verifyRecent()
        #expect(!report.ok)
        // Named at the record itself (its signature no longer verifies), in the block that holds
        // it, and at the stored subtree over its 32-leaf group.
        let atLeaf = try #require(report.findings.first { $0.leafIndex == leaf })
        #expect(atLeaf.check == .recordSignature)
        #expect(atLeaf.blockHeight == 1)
        #expect(atLeaf.eventID != nil)
        #expect(report.findings.contains { $0.check == .subtreeHash && $0.detail.contains("leaves 0–31") })
        #expect(report.findings.allSatisfy { $0.leafIndex == nil || $0.leafIndex == leaf })
    }

    @Test("A record changed in the last, incomplete group is caught by the root check")
    func tamperedInTail() throws {
        let ledger = try ledgerWith(40)
        try tamper(ledger.store, leaf: 38)
        let report = try ledger.store.verifyRecent()
        #expect(!report.ok)
    }
}

/// A ledger written in another storage layout is refused with a clear message, never misread.
struct StorageFormatTests {
    @Test("Opening a ledger of another storage format fails and names both formats")
    func otherFormatRefused() throws {
        let ledger = try Fixtures.makeLedger()
        try ledger.store.env.write { txn in
            try txn.put(ledger.store.db.meta, Array("format".utf8), Array("orchard-store/1".utf8))
        }
        let error = try #require(throws: StoreError.self) { _ = try ledger.reopen() }
        #expect(error.description.contains("orchard-store/1"))
        #expect(error.description.contains(String(decoding: LedgerStore.storageFormat, as: UTF8.self)))
    }

    @Test("A new ledger records the format this version reads, and reopens")
    func newLedgerReopens() throws {
        let ledger = try Fixtures.makeLedger()
        let format = try ledger.store.env.read { txn in try txn.get(ledger.store.db.meta, Array("format".utf8)) }
        #expect(format == LedgerStore.storageFormat)
        _ = try ledger.reopen()
    }
}
