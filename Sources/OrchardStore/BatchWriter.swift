// Writes validated records into an open LMDB write transaction, cutting blocks as it goes:
// records into segments, Merkle tiles, index entries (sorted and written at the end), signed
// block headers and checkpoints, balances, and finally the new head.
import OrchardCrypto
import OrchardLedger
import OrchardModel

struct BatchWriter {
    private let db: LedgerSchema
    private let key: Ed25519PrivateKey
    private let origin: String
    private let maxPerBlock: Int
    private let time: String
    private(set) var frontier: MerkleFrontier
    private var height: UInt64
    private var previous: SHA256Digest
    private var tiles = TileWriter()
    private var segments = SegmentWriter()
    private var eventEntries = [([UInt8], [UInt8])]()
    private var lotEntries = [[UInt8]]()
    private var lineageEntries = [([UInt8], [UInt8])]()
    private var blockFirstLeaf: UInt64
    private var blockCount = 0
    /// Leaf, block and checkpoint of each record written, in order; the checkpoint index points
    /// into `checkpoints` (known only once its block closes).
    private var placed = [(leaf: UInt64, height: UInt64)]()
    private var checkpoints = [UInt64: Checkpoint]()

    init(head: HeadState, key: Ed25519PrivateKey, genesis: Genesis, nowMillis: Int64, db: LedgerSchema) {
        self.db = db
        self.key = key
        origin = genesis.origin
        maxPerBlock = genesis.rules.maxRecordsPerBlock
        time = UTCTime.format(millis: nowMillis)
        frontier = head.frontier
        height = head.height
        previous = head.blockHash
        blockFirstLeaf = head.frontier.treeSize
    }

    /// Writes one record (the next leaf).
    mutating func add(_ r: PlannedRecord, txn: LMDBTransaction) throws {
        let leaf = frontier.treeSize
        let leafKey = [UInt8](bigEndian: leaf)
        for w in try frontier.append(leafHash: r.leafHash) { try tiles.add(w, txn: txn, db: db) }
        try segments.add(r.storedForm, leaf: leaf, txn: txn, db: db)
        if let key = r.dedupKey { eventEntries.append((key.digest.bytes, leafKey + [UInt8](bigEndian: height + 1))) }
        for lot in r.lots { lotEntries.append(StoredLotKey.lotIndexKey(lot, leaf: leaf)) }
        for edge in r.lineage { lineageEntries.append((StoredLotKey.encode(edge.from), StoredLotKey.encode(edge.to))) }
        if let change = r.registryChange { try txn.put(db.registryLog, leafKey, JSONWriter.compact(change), append: true) }
        placed.append((leaf, height + 1))
        blockCount += 1
        if blockCount == maxPerBlock { try closeBlock(txn: txn) }
    }

    /// Signs and stores the open block, if it has records.
    private mutating func closeBlock(txn: LMDBTransaction) throws {
        guard blockCount > 0 else { return }
        height += 1
        let header = BlockHeader(height: height, previousHash: previous, time: time, firstLeaf: blockFirstLeaf,
                                 recordCount: UInt64(blockCount), treeSize: frontier.treeSize,
                                 rootHash: frontier.rootHash, sequencer: key.publicKey.keyID)
        let checkpoint = try Checkpoint.sign(origin: origin, treeSize: frontier.treeSize, rootHash: frontier.rootHash, key: key)
        let block = SignedBlock(header: header, signature: try key.signature(for: header.signingMessage(origin: origin)),
                                checkpoint: checkpoint)
        try txn.put(db.blocks, [UInt8](bigEndian: height), JSONWriter.compact(block.json), append: true)
        checkpoints[height] = checkpoint
        previous = header.hash
        blockFirstLeaf = frontier.treeSize
        blockCount = 0
    }

    /// Closes the last block, writes indexes (in key order: sorted inserts touch each B-tree
    /// page once), balances and the head, and returns one receipt per input of `plan`.
    mutating func finish(_ plan: AppendPlan, txn: LMDBTransaction) throws -> [Receipt] {
        let trace = StageTrace()
        try closeBlock(txn: txn)
        try tiles.flush(txn: txn, db: db)
        try segments.flush(txn: txn, db: db)
        eventEntries.sort { $0.0.lexicographicallyPrecedes($1.0) }
        for (k, v) in eventEntries { try txn.put(db.events, k, v) }
        lotEntries.sort { $0.lexicographicallyPrecedes($1) }
        for k in lotEntries { try txn.put(db.lots, k, []) }
        let byFrom = lineageEntries.sorted { $0.0 == $1.0 ? $0.1.lexicographicallyPrecedes($1.1) : $0.0.lexicographicallyPrecedes($1.0) }
        for (from, to) in byFrom { try txn.put(db.lineage, from, to, noDupData: true) }
        let byTo = lineageEntries.sorted { $0.1 == $1.1 ? $0.0.lexicographicallyPrecedes($1.0) : $0.1.lexicographicallyPrecedes($1.1) }
        for (from, to) in byTo { try txn.put(db.descendants, to, from, noDupData: true) }
        let balances = plan.lotBalances.map { (StoredLotKey.encode($0.key), $0.value.encoded) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        for (k, v) in balances { try txn.put(db.balances, k, v) }
        try txn.put(db.meta, Array("head".utf8), HeadState(height: height, blockHash: previous, frontier: frontier).encoded)
        trace.mark("write: indexes, balances, head")

        // Checkpoints of earlier blocks (for repeats of stored records) are read once per block.
        func checkpoint(_ height: UInt64) throws -> Checkpoint {
            if let cp = checkpoints[height] { return cp }
            let cp = try LedgerStore.block(txn, db, height: height).checkpoint
            checkpoints[height] = cp
            return cp
        }
        return try plan.outcomes.map { outcome in
            switch outcome {
            case let .new(i), let .repeatInBatch(i):
                let p = placed[i]
                let isNew = if case .new = outcome { true } else { false }
                return Receipt(eventID: plan.records[i].eventID, leafIndex: p.leaf, blockHeight: p.height,
                               checkpoint: try checkpoint(p.height), duplicate: !isNew)
            case let .duplicate(id, loc):
                return Receipt(eventID: id, leafIndex: loc.leafIndex, blockHeight: loc.blockHeight,
                               checkpoint: try checkpoint(loc.blockHeight), duplicate: true)
            }
        }
    }
}
