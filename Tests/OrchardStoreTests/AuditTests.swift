import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
@testable import OrchardStore
import OrchardTesting

/// The audit replays a ledger from genesis and compares every database with its own rebuild: a
/// clean ledger passes, and each way of changing one behind the ledger's back (through LMDB
/// here; by flipping bytes in the file in the CLI tests) is found and located at its block and
/// record.
@Suite(.serialized)
struct AuditTests {
    /// A simulated season of 1,500 events (harvests, shipments, receipts, transformations,
    /// write-offs, registry changes), appended in batches: several blocks.
    static func season() throws -> TestLedger {
        try SimulatedLedger(preset: "after", seed: 11, events: 1500, farms: 6, batch: 400).ledger
    }

    func audit(_ store: LedgerStore, _ configure: (inout AuditOptions) -> Void = { _ in }) throws -> AuditReport {
        var options = AuditOptions()
        options.stretchRecords = 300   // several stretches, so stage A runs ahead of the ordered stage
        configure(&options)
        return try store.audit(options)
    }

    /// Rewrites the segment holding `leaf` after `change` edits its records.
    func editSegment(_ store: LedgerStore, leaf: UInt64, _ change: (inout [[UInt8]], Int) throws -> Void) throws {
        try store.env.write { txn in
            let key = RecordSegments.key(forLeaf: leaf)
            var records = try RecordSegments.decode(try #require(try txn.get(store.db.records, key)))
            try change(&records, Int(leaf % RecordSegments.size))
            try txn.put(store.db.records, key, RecordSegments.encode(records))
        }
    }

    /// The leaf of the first event record at or after `from` (not a registry change).
    func eventLeaf(_ store: LedgerStore, from: UInt64) throws -> UInt64 {
        var leaf = from
        while try store.record(leaf: leaf).kind != .event { leaf += 1 }
        return leaf
    }

    @Test("A clean ledger is all verified: every record replayed, every index entry compared, the head's checkpoint reported")
    func clean() throws {
        let ledger = try Self.season()
        let head = try ledger.store.head()
        let report = try audit(ledger.store)
        #expect(report.ok, "\(report.findings.prefix(5).map(\.description))")
        #expect(report.replayComplete)
        #expect(report.recordsReplayed == head.header.treeSize)
        #expect(report.blocksReplayed == head.header.height + 1)
        #expect(report.height == head.header.height)
        #expect(report.rootHash == head.header.rootHash)
        #expect(report.checkpoint == head.checkpoint)
        #expect(report.signaturesChecked == head.header.treeSize - 1 + 2 * (head.header.height + 1))
        // The signature checks' thread CPU is counted (a verification takes tens of microseconds).
        #expect(report.signatureCPUSeconds > Double(head.header.treeSize - 1) * 5e-6 && report.signatureCPUSeconds < 60)
        #expect(report.genesisHash == ledger.store.genesisHash)
        // Every index was walked, and the counts are the ledger's own.
        let events = try ledger.store.read { txn in try txn.count(ledger.store.db.events) }
        #expect(report.indexEntriesCompared["events"] == UInt64(events))
        for name in ["trace", "balances", "lineage", "descendants", "lotmap", "tree", "blocks", "meta"] {
            #expect((report.indexEntriesCompared[name] ?? 0) > 0, "\(name) not compared")
        }
        #expect(report.indexEntriesCompared["registry"] != nil && report.indexEntriesCompared["declarations"] != nil)
        #expect(report.registryHistory.count == (try ledger.store.registryChanges().count))
        #expect(report.participantsByRole.values.reduce(0, +) == (try ledger.store.registry.participants.count))
    }

    @Test("A changed byte in a stored record's payload: its signature at that leaf (with its event ID), and its block's root")
    func changedRecordByte() throws {
        let ledger = try Self.season()
        let leaf = try eventLeaf(ledger.store, from: 700)
        let id = try #require(try EventID.compute(for: ledger.store.record(leaf: leaf).payload, context: nil) as EventID?)
        let block = try ledger.store.blockHeight(containing: leaf)
        try editSegment(ledger.store, leaf: leaf) { records, i in
            let at = try #require(records[i].lastIndex(of: UInt8(ascii: "0")))
            records[i][at] = UInt8(ascii: "1")
        }
        let report = try audit(ledger.store)
        #expect(!report.ok)
        let first = try #require(report.firstFailingRecord)
        #expect(first.leafIndex == leaf)
        #expect(first.check == .recordSignature)
        #expect(first.eventID != nil && first.eventID != id)   // the ID of what is stored now
        #expect(first.blockHeight == block)
        // The event that was there is named too: the events index still has it at this leaf.
        #expect(report.findings.contains { $0.check == .indexExtra && $0.eventID == id && $0.leafIndex == leaf })
        #expect(report.findings.contains { $0.check == .rootHash && $0.blockHeight == block })
        #expect(report.firstFailingBlock == block)
        // The stored head still agrees with the stored headers: only the record is blamed for it.
        #expect(!report.findings.contains { $0.check == .ledgerHead }, "\(report.findings.map(\.description))")
    }

    @Test("A changed signature byte: the record's signature, at its leaf")
    func changedSignature() throws {
        let ledger = try Self.season()
        let leaf = try eventLeaf(ledger.store, from: 321)
        try editSegment(ledger.store, leaf: leaf) { records, i in records[i][40] ^= 0x01 }   // inside the 64 signature bytes
        let report = try audit(ledger.store)
        #expect(report.firstFailingRecord?.leafIndex == leaf)
        #expect(report.firstFailingRecord?.check == .recordSignature)
    }

    @Test("A rebuilt state larger than its first map: the map grows while the ledger is read, and the report is the same")
    func scratchMapGrows() throws {
        let ledger = try Self.season()
        let leaf = try eventLeaf(ledger.store, from: 777)
        try editSegment(ledger.store, leaf: leaf) { records, i in records[i][40] ^= 0x01 }
        let roomy = try audit(ledger.store)
        // 64 KiB: the state outgrows it many times over, mid-stretch (each write that fills the map
        // is run again from the stretch's start, and must not count anything twice).
        let cramped = try audit(ledger.store) { $0.scratchMapBytes = 64 * 1024 }
        #expect(roomy.findingCount > 0 && roomy.firstFailingRecord?.leafIndex == leaf)
        #expect(cramped.json == roomy.json)
        #expect(cramped.recordsReplayed == roomy.recordsReplayed && cramped.registryHistory.count == roomy.registryHistory.count)
    }

    @Test("A changed byte in a block header: the sequencer's signature on that block, and the next block's link")
    func changedHeader() throws {
        let ledger = try Self.season()
        let h: UInt64 = 2
        let header = try ledger.store.block(height: h).header
        try ledger.store.env.write { txn in
            var text = String(decoding: try #require(try txn.get(ledger.store.db.blocks, [UInt8](bigEndian: h))), as: UTF8.self)
            // The minute's last digit changed: same length, still a valid header.
            var chars = Array(header.time)
            chars[15] = chars[15] == "1" ? "2" : "1"
            text = text.replacingOccurrences(of: header.time, with: String(chars))
            try txn.put(ledger.store.db.blocks, [UInt8](bigEndian: h), Array(text.utf8))
        }
        let report = try audit(ledger.store)
        #expect(!report.ok)
        #expect(report.firstFailingBlock == h)
        #expect(report.findings.contains { $0.check == .blockSignature && $0.blockHeight == h })
        #expect(report.findings.contains { $0.check == .previousHash && $0.blockHeight == h + 1 })
        #expect(report.findings.allSatisfy { $0.leafIndex == nil }, "no record is blamed: \(report.findings.map(\.description))")
    }

    @Test("A block that cannot be read stops the replay there, wherever it falls in a stretch: named, and everything before it replayed")
    func unreadableBlock() throws {
        let ledger = try Self.season()
        let h: UInt64 = 3
        let firstLeaf = try ledger.store.block(height: h).header.firstLeaf
        try ledger.store.env.write { txn in try txn.put(ledger.store.db.blocks, [UInt8](bigEndian: h), Array("not a block".utf8)) }
        // Stretches of one block (the stop where a stretch would start) and of several (inside one).
        for records in [300, 1_000, 100_000] {
            let report = try audit(ledger.store) { $0.stretchRecords = records }
            #expect(!report.replayComplete)
            #expect(report.findings.map(\.check) == [.unreadable], "\(records): \(report.findings.map(\.description))")
            #expect(report.findings.first?.blockHeight == h)
            #expect(report.blocksReplayed == h && report.recordsReplayed == firstLeaf && report.height == h - 1)
        }
    }

    @Test("A block replaced by one re-signed under a key that is not the sequencer's: sequencer, signature and checkpoint at that block")
    func resignedBlock() throws {
        let ledger = try Self.season()
        let h: UInt64 = 3
        let block = try ledger.store.block(height: h)
        let other = try Fixtures.key("farm-sn-luochuan-01")
        let origin = try Fixtures.genesis().origin
        var header = block.header
        header.sequencer = other.publicKey.keyID
        let forged = SignedBlock(header: header, signature: try other.signature(for: header.signingMessage(origin: origin)),
                                 checkpoint: try Checkpoint.sign(origin: origin, treeSize: header.treeSize, rootHash: header.rootHash, key: other))
        try ledger.store.env.write { txn in
            try txn.put(ledger.store.db.blocks, [UInt8](bigEndian: h), JSONWriter.compact(forged.json))
        }
        let report = try audit(ledger.store)
        let checks = Set(report.findings.filter { $0.blockHeight == h }.map(\.check))
        #expect(checks.isSuperset(of: [.blockSequencer, .blockSignature, .checkpointSignature]), "\(checks)")
        #expect(report.firstFailingBlock == h)
    }

    @Test("A dropped record: the leaf left empty, and the events index naming the dropped event at its leaf")
    func droppedRecord() throws {
        let ledger = try Self.season()
        let leaf = try eventLeaf(ledger.store, from: 16 * 20 + 3)
        let id = try EventID.compute(for: ledger.store.record(leaf: leaf).payload, context: nil)
        try editSegment(ledger.store, leaf: leaf) { records, i in records.remove(at: i) }
        let report = try audit(ledger.store)
        #expect(report.findings.contains { $0.check == .recordMissing && $0.leafIndex == leaf / 16 * 16 + 15 })
        let extra = try #require(report.findings.first { $0.check == .indexExtra && $0.eventID == id })
        #expect(extra.leafIndex == leaf)
        #expect(report.findings.contains { $0.check == .rootHash })
    }

    @Test("A duplicated record: the copy is named at its leaf as a repeat of the original")
    func duplicatedRecord() throws {
        let ledger = try Self.season()
        let leaf = try eventLeaf(ledger.store, from: 500)
        try editSegment(ledger.store, leaf: leaf) { records, i in
            if i + 1 < records.count { records[i + 1] = records[i] } else { records.append(records[i]) }
        }
        let report = try audit(ledger.store)
        let dup = try #require(report.findings.first { $0.check == .recordDuplicate })
        #expect(dup.leafIndex == leaf + 1)
        #expect(dup.detail.contains("leaf \(leaf)"))
    }

    @Test("A record repeated stretches after the original: found through the rebuilt events index (behind its filter)")
    func duplicatedFarApart() throws {
        let ledger = try Self.season()
        let original = try eventLeaf(ledger.store, from: 40)
        let copy = try eventLeaf(ledger.store, from: 1000)   // stretches of 300: three later
        let bytes = try ledger.store.env.read { txn in try LedgerStore.storedRecord(txn, ledger.store.db, leaf: original) }
        try editSegment(ledger.store, leaf: copy) { records, i in records[i] = bytes }
        let report = try audit(ledger.store)
        let dup = try #require(report.findings.first { $0.check == .recordDuplicate }, "\(report.findings.map(\.description))")
        #expect(dup.leafIndex == copy)
        #expect(dup.detail.contains("leaf \(original)"))
    }

    @Test("After a saved state, a record repeating one before its checkpoint is a duplicate (the filter starts from the saved index)")
    func duplicatedAcrossSavedState() throws {
        let ledger = try Self.season()
        let store = ledger.store
        let state = try TemporaryDirectory()
        #expect(try audit(store) { $0.saveState = state.path + "/s" }.ok)
        let sizeThen = try store.head().header.treeSize
        _ = try ledger.append(try (0..<20).map { i in
            try Fixtures.sign(FixtureEvents.harvest(lot: "DUP-\(i)", kilograms: Double(10 + i)), as: "farm-sn-luochuan-01")
        })
        let original = try eventLeaf(store, from: 60)
        let bytes = try store.env.read { txn in try LedgerStore.storedRecord(txn, store.db, leaf: original) }
        try editSegment(store, leaf: sizeThen + 3) { records, i in records[i] = bytes }
        let report = try audit(store) { $0.since = state.path + "/s" }
        let dup = try #require(report.findings.first { $0.check == .recordDuplicate }, "\(report.findings.map(\.description))")
        #expect(dup.leafIndex == sizeThen + 3)
        #expect(dup.detail.contains("leaf \(original)"))
    }

    @Test("The digest filter holds every digest put in and few others")
    func digestFilter() throws {
        let filter = DigestFilter()
        var inserted = [SHA256Digest]()
        for i in 0..<20_000 { let d = try SHA256.hash("in \(i)"); filter.insert(d); inserted.append(d) }
        #expect(inserted.allSatisfy(filter.mayContain))
        let others = try (0..<20_000).filter { filter.mayContain(try SHA256.hash("out \($0)")) }.count
        #expect(others < 20)
    }

    @Test("Two records swapped: both leaves named (the events index puts each where it was), and the block's root")
    func reorderedRecords() throws {
        let ledger = try Self.season()
        // Two harvests by different farms next to each other would be ideal; any two events do.
        let leaf = try eventLeaf(ledger.store, from: 16 * 40)
        let next = try eventLeaf(ledger.store, from: leaf + 1)
        try #require(next / 16 == leaf / 16)
        try editSegment(ledger.store, leaf: leaf) { records, i in records.swapAt(i, Int(next % 16)) }
        let report = try audit(ledger.store)
        let leaves = Set(report.findings.compactMap(\.leafIndex))
        #expect(leaves.contains(leaf) && leaves.contains(next), "\(report.findings.map(\.description))")
        #expect(report.findings.contains { $0.check == .rootHash && $0.blockHeight == (try? ledger.store.blockHeight(containing: leaf)) })
        #expect(report.findings.contains { $0.check == .indexEntry && $0.detail.contains("events") })
    }

    @Test("A changed byte in a tree tile: the stored node and the leaves under it")
    func changedTile() throws {
        let ledger = try Self.season()
        try ledger.store.env.write { txn in
            let key = TreeTiles.key(level: 5, tile: 0)
            var tile = try #require(try txn.get(ledger.store.db.tree, key))
            tile[32 * 3 + 7] ^= 0x80   // node 3 of level 5: leaves 96–127
            try txn.put(ledger.store.db.tree, key, tile)
        }
        let report = try audit(ledger.store)
        let f = try #require(report.findings.first)
        #expect(report.findingCount == 1)
        #expect(f.check == .indexEntry)
        #expect(f.leafIndex == nil)   // a node over 32 records names no one record
        #expect(f.detail.contains("leaves 96–127"))
    }

    @Test("Index entries changed, removed or added: each named with its index, leaf or lot")
    func changedIndexes() throws {
        let ledger = try Self.season()
        let store = ledger.store
        let leaf = try eventLeaf(store, from: 900)
        let id = try EventID.compute(for: store.record(leaf: leaf).payload, context: nil)
        var traceKey: [UInt8] = [], balanceKey: [UInt8] = []
        try store.env.write { txn in
            // The events index points the event at another leaf.
            var v = try #require(try txn.get(store.db.events, id.digest.bytes))
            v[7] ^= 0x01
            try txn.put(store.db.events, id.digest.bytes, v)
            // A trace entry removed: the first that names this leaf.
            try txn.scan(store.db.trace) { k, _ in
                if k.count > 9, Array(k.suffix(8)).bigEndianUInt64 == leaf { traceKey = k; return false }
                return true
            }
            try #require(!traceKey.isEmpty)
            #expect(try txn.delete(store.db.trace, traceKey))
            // A lineage edge no event made.
            try txn.put(store.db.lineage, StoredTraceKey.encode(TraceKey(canonical: "https://id.gs1.org/01/06971234500011/10/FORGED")),
                        [UInt8](bigEndian: UInt64(5)) + [0] + Array("/01/06971234500011/10/OTHER".utf8))
            // A balance changed.
            try txn.scan(store.db.balances) { k, _ in balanceKey = k; return false }
            var b = try #require(try txn.get(store.db.balances, balanceKey))
            b[7] ^= 0x01
            try txn.put(store.db.balances, balanceKey, b)
        }
        let report = try audit(store)
        #expect(report.findingCount == 4, "\(report.findings.map(\.description))")
        #expect(report.findings.contains { $0.check == .indexEntry && $0.eventID == id && $0.leafIndex == leaf && $0.detail.contains("events") })
        #expect(report.findings.contains { $0.check == .indexMissing && $0.leafIndex == leaf && $0.detail.contains("trace") })
        #expect(report.findings.contains { $0.check == .indexExtra && $0.leafIndex == 5 && $0.detail.contains("FORGED") })
        #expect(report.findings.contains { $0.check == .indexEntry && $0.detail.contains("balances") })
    }

    @Test("A lot map node changed on disk, and a head that is not the last block, are found")
    func lotMapAndHead() throws {
        let ledger = try Self.season()
        let store = ledger.store
        try store.env.write { txn in
            var path: [UInt8] = []
            try txn.scan(store.db.lotMap) { k, _ in path = k; return false }
            var node = try #require(try txn.get(store.db.lotMap, path))
            node[node.count - 1] ^= 0x01
            try txn.put(store.db.lotMap, path, node)
            var head = try LedgerStore.headState(txn, store.db)
            head.height -= 1
            try txn.put(store.db.meta, Array("head".utf8), head.encoded)
        }
        let report = try audit(store)
        #expect(report.findings.contains { $0.check == .indexEntry && $0.detail.contains("lotmap") })
        #expect(report.findings.contains { $0.check == .ledgerHead })
    }

    @Test("A record stored past the last block is found")
    func recordBeyondHead() throws {
        let ledger = try Self.season()
        let store = ledger.store
        let size = try store.head().header.treeSize
        try store.env.write { txn in
            let extra = try LedgerStore.storedRecord(txn, store.db, leaf: size - 1)
            try txn.put(store.db.records, [UInt8](bigEndian: size / 16 + 3), RecordSegments.encode([extra]))
        }
        let report = try audit(store)
        #expect(report.findings.contains { $0.check == .recordBeyondHead })
    }

    @Test("A record breaking an append rule, written behind the ledger's back and validly signed, is named by its rule")
    func ruleBroken() throws {
        let ledger = try Fixtures.makeLedger()
        _ = try ledger.append([try Fixtures.sign(FixtureEvents.harvest(lot: "RULE-1", kilograms: 100), as: "farm-sn-luochuan-01")])
        // A shipment of 500 kg of a 100 kg lot, validly signed, put in place of the last record.
        let forged = try Fixtures.sign(FixtureEvents.shipping(lot: "RULE-1", kilograms: 500), as: "farm-sn-luochuan-01")
        _ = try ledger.append([try Fixtures.sign(FixtureEvents.shipping(lot: "RULE-1", kilograms: 50), as: "farm-sn-luochuan-01")])
        let leaf = try ledger.store.head().header.treeSize - 1
        try editSegment(ledger.store, leaf: leaf) { records, i in records[i] = forged.storedForm }
        let report = try audit(ledger.store)
        let f = try #require(report.firstFailingRecord)
        #expect(f.leafIndex == leaf)
        #expect(f.check == .recordRule)
        #expect(f.detail.contains("custody.not-held"))
    }

    @Test("An incremental audit proves the ledger extends the saved state, replays only what came after, and finds tampering there")
    func incremental() throws {
        let ledger = try Self.season()
        let store = ledger.store
        let state = try TemporaryDirectory()
        let saved = try audit(store) { $0.saveState = state.path + "/s" }
        #expect(saved.ok)
        #expect(saved.savedState == state.path + "/s")
        let sizeThen = try store.head().header.treeSize
        // Growth: forty more harvests.
        _ = try ledger.append(try (0..<40).map { i in
            try Fixtures.sign(FixtureEvents.harvest(lot: "INC-\(i)", kilograms: Double(10 + i)), as: "farm-sn-luochuan-01")
        })
        let clean = try audit(store) { $0.since = state.path + "/s" }
        #expect(clean.ok, "\(clean.findings.map(\.description))")
        #expect(clean.recordsReplayed == 40)
        #expect(clean.startedAtTreeSize == sizeThen)
        #expect(clean.treeSize == sizeThen + 40)
        // A record before the saved checkpoint is not re-read (a changed one is not seen: the
        // limit Docs/AUDIT.md states); one after it is found.
        try editSegment(store, leaf: sizeThen + 5) { records, i in
            let at = try #require(records[i].lastIndex(of: UInt8(ascii: "1")))
            records[i][at] = UInt8(ascii: "2")
        }
        let found = try audit(store) { $0.since = state.path + "/s" }
        #expect(found.firstFailingRecord?.leafIndex == sizeThen + 5, "\(found.findings.map(\.description))")
        #expect(found.recordsReplayed == 40)
    }

    @Test("An incremental audit of a ledger whose history before the saved checkpoint was rewritten fails the consistency proof")
    func incrementalRewritten() throws {
        let a = try Fixtures.makeLedger(), b = try Fixtures.makeLedger()
        let first = try (0..<20).map { try Fixtures.sign(FixtureEvents.harvest(lot: "H\($0)", kilograms: 10), as: "farm-sn-luochuan-01") }
        _ = try a.append(first)
        _ = try b.append(Array(first.prefix(10)) + [try Fixtures.sign(FixtureEvents.harvest(lot: "OTHER", kilograms: 10), as: "farm-sn-luochuan-01")]
                         + Array(first[11...]))
        let state = try TemporaryDirectory()
        #expect(try audit(a.store) { $0.saveState = state.path + "/s" }.ok)
        _ = try b.append([try Fixtures.sign(FixtureEvents.harvest(lot: "MORE", kilograms: 10), as: "farm-sn-luochuan-01")])
        let report = try audit(b.store) { $0.since = state.path + "/s" }
        #expect(report.findings.contains { $0.check == .consistencyProof })
    }

    @Test("A saved state whose database is not the checkpoint it names is refused as a state, not blamed on the ledger")
    func mismatchedState() throws {
        let ledger = try Fixtures.makeLedger()
        _ = try ledger.append([try Fixtures.sign(FixtureEvents.harvest(lot: "S1", kilograms: 10), as: "farm-sn-luochuan-01")])
        let dir = try TemporaryDirectory()
        #expect(try audit(ledger.store) { $0.saveState = dir.path + "/early" }.ok)
        _ = try ledger.append([try Fixtures.sign(FixtureEvents.harvest(lot: "S2", kilograms: 10), as: "farm-sn-luochuan-01")])
        #expect(try audit(ledger.store) { $0.saveState = dir.path + "/late" }.ok)
        let fm = FileManager.default
        try fm.removeItem(atPath: dir.path + "/early/state.mdb")
        try fm.copyItem(atPath: dir.path + "/late/state.mdb", toPath: dir.path + "/early/state.mdb")
        let report = try audit(ledger.store) { $0.since = dir.path + "/early" }
        #expect(report.findingCount == 1)
        #expect(report.findings.first?.check == .auditState, "\(report.findings.map(\.description))")
    }

    @Test("A saved state of another ledger is refused")
    func otherLedgersState() throws {
        var genesis = try Fixtures.genesisJSON()
        genesis = genesis.setting("origin", to: .string("orchard.example/another"))
        let a = try Fixtures.makeLedger(), b = try Fixtures.makeLedger(genesis: genesis)
        let state = try TemporaryDirectory()
        #expect(try audit(a.store) { $0.saveState = state.path + "/s" }.ok)
        let report = try audit(b.store) { $0.since = state.path + "/s" }
        #expect(report.findings.first?.check == .auditState)
    }

    @Test("Registry changes submitted with their members in any order, and a key rotated, audit clean")
    func registryChangesInAnyOrder() throws {
        let ledger = try Fixtures.makeLedger()
        let newcomer = try Ed25519PrivateKey(), rotated = try Ed25519PrivateKey()
        // Members in submission order (op, participant, issuedAt), not RFC 8785 order: the
        // registry log keeps them so, the replay has them from the canonical signed payload.
        let add: JSONValue = ["op": "add",
                              "participant": ["id": "farm-sn-audit-01", "name": "Audit Test Farm", "role": "farm", "province": "Shaanxi",
                                              "location": "Yichuan County", "publicKeys": [.string(Base64.encode(newcomer.publicKey.rawRepresentation))]],
                              "issuedAt": "2026-09-01T00:00:00.000Z"]
        let rotate: JSONValue = ["op": "rotate", "participant": "farm-sn-audit-01",
                                 "publicKey": .string(Base64.encode(rotated.publicKey.rawRepresentation)), "issuedAt": "2026-09-02T00:00:00.000Z"]
        _ = try ledger.append([try Fixtures.signRegistryChange(add),
                               try Fixtures.sign(FixtureEvents.harvest(lot: "AUD-1", kilograms: 10, by: "farm-sn-audit-01"), with: newcomer)])
        _ = try ledger.append([try Fixtures.signRegistryChange(rotate),
                               try Fixtures.sign(FixtureEvents.harvest(lot: "AUD-2", kilograms: 10, by: "farm-sn-audit-01"), with: rotated)])
        let report = try audit(ledger.store)
        #expect(report.ok, "\(report.findings.map(\.description))")
        #expect(report.registryHistory.map(\.op) == ["add", "rotate"])
        #expect(report.registryHistory.map(\.leaf) == [1, 3])
    }

    @Test("The audit changes nothing in the ledger")
    func readOnly() throws {
        let ledger = try Self.season()
        let before = try ledger.snapshot()
        _ = try audit(ledger.store)
        #expect(try ledger.snapshot().differences(from: before).isEmpty)
    }
}
