// Appending a batch: validate against a snapshot, then write every block of the batch in one
// LMDB write transaction (one fsync), so the batch lands whole or not at all.
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel

extension LedgerStore {
    /// Validates and appends signed records, returning one receipt per input record in order.
    /// Throws ``AppendRejection`` (every problem found) and leaves the ledger unchanged when any
    /// record is refused.
    public func append(_ inputs: [RecordInput], nowMillis: Int64 = currentMillis()) throws -> [Receipt] {
        guard !inputs.isEmpty else { return [] }
        writerLock.lock()
        defer { writerLock.unlock() }
        let fileLock = try DirectoryLock(directory + "/write.lock")
        defer { fileLock.release() }
        return try commitLocked(try validateLocked(inputs, nowMillis: nowMillis))
    }

    /// Validates a batch without writing it (the first half of ``append(_:nowMillis:)``; the
    /// benchmarks time the halves apart). Commit it with ``commit(_:)`` before anything else
    /// is appended.
    public func validate(_ inputs: [RecordInput], nowMillis: Int64 = currentMillis()) throws -> ValidatedBatch {
        writerLock.lock()
        defer { writerLock.unlock() }
        return try validateLocked(inputs, nowMillis: nowMillis)
    }

    /// Writes a validated batch: one write transaction, one fsync. Throws if the ledger moved on
    /// since the batch was validated.
    public func commit(_ batch: ValidatedBatch) throws -> [Receipt] {
        writerLock.lock()
        defer { writerLock.unlock() }
        let fileLock = try DirectoryLock(directory + "/write.lock")
        defer { fileLock.release() }
        let now = try env.read { txn in try Self.headState(txn, db) }
        guard now.frontier.treeSize == batch.head.frontier.treeSize, now.blockHash == batch.head.blockHash else {
            throw StoreError.io("the ledger moved on since this batch was validated; validate it again")
        }
        return try commitLocked(batch)
    }

    private func validateLocked(_ inputs: [RecordInput], nowMillis: Int64) throws -> ValidatedBatch {
        let planner = AppendPlanner(genesis: genesis)
        return try env.read { txn in
            let head = try Self.headState(txn, db)
            // Another process may have appended registry changes since this handle last looked.
            let (current, size) = try Self.syncRegistry(registry, from: registrySyncedSize, txn: txn, db: db)
            setRegistry(current, syncedTo: size)
            let plan = try planner.plan(inputs, treeSize: head.frontier.treeSize, registry: current,
                                        state: StoreStateReader(txn: txn, db: db), nowMillis: nowMillis)
            // Nothing new: answer from the snapshot, without a write (and its fsync).
            let receipts = plan.records.isEmpty ? try receiptsForDuplicates(plan, txn: txn) : nil
            return ValidatedBatch(plan: plan, head: head, nowMillis: nowMillis, duplicateReceipts: receipts)
        }
    }

    private func commitLocked(_ batch: ValidatedBatch) throws -> [Receipt] {
        if let receipts = batch.duplicateReceipts { return receipts }
        let trace = StageTrace()
        let key = try sequencerKey()
        let receipts = try env.write { txn in try write(batch.plan, head: batch.head, key: key, nowMillis: batch.nowMillis, txn: txn) }
        trace.mark("write (one LMDB transaction, fsync)")
        setRegistry(batch.plan.registry, syncedTo: batch.head.frontier.treeSize + UInt64(batch.plan.records.count))
        return receipts
    }

    private func receiptsForDuplicates(_ plan: AppendPlan, txn: LMDBTransaction) throws -> [Receipt] {
        try plan.outcomes.map { outcome in
            guard case let .duplicate(id, loc) = outcome else { throw StoreError.corrupt("a new record in an all-duplicate batch") }
            let block = try Self.block(txn, db, height: loc.blockHeight)
            return Receipt(eventID: id, leafIndex: loc.leafIndex, blockHeight: loc.blockHeight, checkpoint: block.checkpoint, duplicate: true)
        }
    }

    private func write(_ plan: AppendPlan, head: HeadState, key: Ed25519PrivateKey, nowMillis: Int64,
                       txn: LMDBTransaction) throws -> [Receipt] {
        var frontier = head.frontier
        var height = head.height
        var previous = head.blockHash
        var placed = [(leaf: UInt64, height: UInt64, checkpoint: Checkpoint)]()
        placed.reserveCapacity(plan.records.count)
        let time = UTCTime.format(millis: nowMillis)
        var changeAt = [Int: JSONValue]()
        for c in plan.registryChanges { changeAt[c.offset] = c.change }

        let recordsTrace = StageTrace()
        var tiles = TileWriter()
        var segments = SegmentWriter()
        // Index entries are collected and written in key order: sorted inserts touch each B-tree
        // page once instead of at random, which is most of the cost of a batch's write.
        var eventEntries = [([UInt8], [UInt8])]()
        var lotEntries = [[UInt8]]()
        eventEntries.reserveCapacity(plan.records.count)
        lotEntries.reserveCapacity(plan.records.count)
        var start = 0
        while start < plan.records.count {
            let end = min(start + genesis.rules.maxRecordsPerBlock, plan.records.count)
            height += 1
            let firstLeaf = frontier.treeSize
            for i in start..<end {
                let r = plan.records[i]
                let leaf = frontier.treeSize
                let leafKey = [UInt8](bigEndian: leaf)
                for w in try frontier.append(leafHash: r.leafHash) { try tiles.add(w, txn: txn, db: db) }
                try segments.add(r.storedForm, leaf: leaf, txn: txn, db: db)
                if let id = r.eventID { eventEntries.append((id.digest.bytes, leafKey + [UInt8](bigEndian: height))) }
                for lot in r.lots { lotEntries.append(StoredLotKey.lotIndexKey(lot, leaf: leaf)) }
                for edge in r.lineage {
                    try txn.put(db.lineage, StoredLotKey.encode(edge.from), StoredLotKey.encode(edge.to), noDupData: true)
                    try txn.put(db.descendants, StoredLotKey.encode(edge.to), StoredLotKey.encode(edge.from), noDupData: true)
                }
                if let change = changeAt[i] { try txn.put(db.registryLog, leafKey, JSONWriter.compact(change), append: true) }
            }
            let header = BlockHeader(height: height, previousHash: previous, time: time, firstLeaf: firstLeaf,
                                     recordCount: UInt64(end - start), treeSize: frontier.treeSize,
                                     rootHash: frontier.rootHash, sequencer: key.publicKey.keyID)
            let checkpoint = try Checkpoint.sign(origin: genesis.origin, treeSize: frontier.treeSize, rootHash: frontier.rootHash, key: key)
            let block = SignedBlock(header: header, signature: try key.signature(for: header.signingMessage(origin: genesis.origin)),
                                    checkpoint: checkpoint)
            try txn.put(db.blocks, [UInt8](bigEndian: height), JSONWriter.compact(block.json), append: true)
            previous = header.hash
            for i in start..<end { placed.append((firstLeaf + UInt64(i - start), height, checkpoint)) }
            start = end
        }
        try segments.flush(txn: txn, db: db)
        recordsTrace.mark("write: records, tree, blocks")
        let trace = StageTrace()
        try tiles.flush(txn: txn, db: db)
        eventEntries.sort { $0.0.lexicographicallyPrecedes($1.0) }
        for (k, v) in eventEntries { try txn.put(db.events, k, v) }
        trace.mark("write: event index")
        lotEntries.sort { $0.lexicographicallyPrecedes($1) }
        for k in lotEntries { try txn.put(db.lots, k, []) }
        let balances = plan.lotBalances.map { (StoredLotKey.encode($0.key), $0.value.encoded) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        for (k, v) in balances { try txn.put(db.balances, k, v) }
        trace.mark("write: lot index and balances")
        try txn.put(db.meta, Array("head".utf8), HeadState(height: height, blockHash: previous, frontier: frontier).encoded)

        var receipts = [Receipt]()
        receipts.reserveCapacity(plan.outcomes.count)
        for outcome in plan.outcomes {
            switch outcome {
            case let .new(i):
                let p = placed[i]
                receipts.append(Receipt(eventID: plan.records[i].eventID, leafIndex: p.leaf, blockHeight: p.height, checkpoint: p.checkpoint, duplicate: false))
            case let .repeatInBatch(i):
                let p = placed[i]
                receipts.append(Receipt(eventID: plan.records[i].eventID, leafIndex: p.leaf, blockHeight: p.height, checkpoint: p.checkpoint, duplicate: true))
            case let .duplicate(id, loc):
                let block = try Self.block(txn, db, height: loc.blockHeight)
                receipts.append(Receipt(eventID: id, leafIndex: loc.leafIndex, blockHeight: loc.blockHeight, checkpoint: block.checkpoint, duplicate: true))
            }
        }
        return receipts
    }
}

/// A batch that passed validation against a given head, ready for ``LedgerStore/commit(_:)``.
public struct ValidatedBatch: Sendable {
    /// The records to write and what each input became.
    public let plan: AppendPlan
    let head: HeadState
    let nowMillis: Int64
    let duplicateReceipts: [Receipt]?
}

/// Milliseconds since the Unix epoch, now.
public func currentMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

/// An exclusive advisory lock on a file, so two processes never plan against the same head.
struct DirectoryLock {
    private let fd: Int32

    init(_ path: String) throws {
        fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw StoreError.io("cannot open lock file \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX) == 0 else { close(fd); throw StoreError.io("cannot lock \(path)") }
    }

    func release() { flock(fd, LOCK_UN); close(fd) }
}
