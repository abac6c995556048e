import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
@testable import OrchardStore
import OrchardTesting

/// The lot map as the store keeps it: every block header commits to the root of every
/// identifier's events so far, maintained incrementally and equal to a rebuild from scratch.
@Suite(.serialized)
struct LotMapStoreTests {
    /// A seeded season in miniature: harvests of random lots, shipments of some, in batches of
    /// random sizes (several blocks each when the batch exceeds the block size).
    static func randomLedger(seed: UInt64) throws -> TestLedger {
        var genesis = try Fixtures.genesisJSON()
        let rules = (genesis["rules"] ?? [:]).setting("maxRecordsPerBlock", to: 7)
        genesis = genesis.setting("rules", to: rules)
        let ledger = try Fixtures.makeLedger(genesis: genesis)
        var rng = SplitMix64(state: seed)
        func next(_ n: UInt64) -> UInt64 { UInt64(rng.int(Int(n))) }
        var harvested = [String]()
        var serial = 0
        for _ in 0..<12 {
            var batch = [SignedRecord]()
            for _ in 0..<(1 + Int(next(20))) {
                if harvested.isEmpty || next(3) == 0 {
                    serial += 1
                    let lot = "R\(seed)-\(serial)"
                    harvested.append(lot)
                    batch.append(try Fixtures.sign(FixtureEvents.harvest(lot: lot, kilograms: Double(100 + next(900))), as: "farm-sn-luochuan-01"))
                } else {
                    // A write-off of 1 kg of a random earlier lot: another event naming it.
                    let lot = harvested[Int(next(UInt64(harvested.count)))]
                    batch.append(try Fixtures.sign(FixtureEvents.destroying(lot: lot, kilograms: 1).setting(
                        "eventTime", to: .string(FixtureEvents.time(day: 18, hour: 16, minute: Int(next(60))))), as: "farm-sn-luochuan-01"))
                }
            }
            _ = try ledger.append(batch)
        }
        return ledger
    }

    @Test("Every block's lotMapRoot equals the map rebuilt from scratch over the records up to it", arguments: [UInt64(1), 2, 3])
    func rootsMatchScratch(seed: UInt64) throws {
        let ledger = try Self.randomLedger(seed: seed)
        let store = ledger.store
        var values = [SHA256Digest: LotMapValue]()
        let head = try store.head().header
        #expect(head.height > 12)   // batches were cut into several blocks
        #expect(try store.block(height: 0).header.lotMapRoot == LotMapHash.empty)
        for height in 1...head.height {
            let header = try store.block(height: height).header
            for leaf in header.firstLeaf..<header.treeSize {
                let bytes = try store.recordBytes(leaf: leaf)
                let record = try SignedRecord(recordBytes: bytes)
                guard record.kind == .event else { continue }
                for (key, _) in try EPCISEvent(json: record.payload, index: 0).namedIdentifiers {
                    let k = try LotMapHash.key(key)
                    try values[k, default: .empty].append(leaf: leaf, leafHash: try MerkleHash.leaf(bytes))
                }
            }
            #expect(header.lotMapRoot == (try LotMap.rootHash(of: values)), "block \(height)")
        }
        #expect(try store.verifyLotMap().ok)
    }

    @Test("An opening folds to its value, and its proof verifies against the head's lotMapRoot; an unseen lot's absence verifies")
    func openings() throws {
        let ledger = try Self.randomLedger(seed: 9)
        let store = ledger.store
        let keys = [TraceKey(FixtureEvents.lotClass("R9-1")), TraceKey(FixtureEvents.lotClass("R9-2")), TraceKey(FixtureEvents.lotClass("NEVER"))]
        let (head, openings) = try store.lotMapOpenings(keys)
        #expect(head.header.treeSize == (try store.head().header.treeSize))
        for o in openings {
            var folded = LotMapValue.empty
            for e in o.events { try folded.append(leaf: e.leaf, leafHash: try #require(e.leafHash)) }
            #expect(o.events.map(\.leaf) == (try store.events(naming: o.key)).map(\.leaf))
            if o.events.isEmpty { #expect(o.value == nil) } else { #expect(o.value == folded) }
            try o.proof.verify(key: o.keyHash, value: o.value, root: head.header.lotMapRoot)
        }
    }

    @Test("A map node changed on disk is found by verify --lot-map and located by its path")
    func tamperedNode() throws {
        let ledger = try Self.randomLedger(seed: 4)
        let store = ledger.store
        var victim: ([UInt8], [UInt8])?
        try store.env.read { txn in
            try txn.scan(store.db.lotMap) { k, v in
                if case .leaf = try LotMapNode(encoded: v) { victim = (k, v); return false }
                return true
            }
        }
        let (path, node) = try #require(victim)
        var changed = node
        changed[changed.count - 1] ^= 0x01   // a bit of the value's chain
        try store.env.write { txn in try txn.put(store.db.lotMap, path, changed) }
        let report = try store.verifyLotMap()
        #expect(!report.ok)
        let finding = try #require(report.findings.first { $0.check == .lotMapNode })
        #expect(finding.detail.contains(Hex.encode(path)))
    }
}
