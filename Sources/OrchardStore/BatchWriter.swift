// Writes validated records into an open LMDB write transaction, cutting blocks as it goes:
// records into segments, Merkle tiles, index entries (kept flat, sorted and written at the end;
// see IndexEntries), signed block headers and checkpoints, balances, and finally the new head.
import Logging
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// How a batch writer closes blocks.
enum BlockSealing {
    /// Each block signed with the sequencer's key and stamped `time`, cut at the genesis's
    /// largest block (an append).
    case sign(Ed25519PrivateKey, time: String)
    /// The blocks of an existing ledger rebuilt from its records (the audit): closed where the
    /// caller says, the ledger's own headers stored, and records not written again (the audit
    /// reads them from the ledger it checks).
    case replay
    /// A mirror's own ledger built from a published log: closed where the published headers say,
    /// those headers stored, and the records written (the mirror has no other copy).
    case mirror

    /// Whether the writer stores the records themselves.
    var writesRecords: Bool { if case .replay = self { false } else { true } }
}

struct BatchWriter {
    private let db: LedgerSchema
    private let sealing: BlockSealing
    private let origin: String
    private let maxPerBlock: Int
    private(set) var frontier: MerkleFrontier
    private var height: UInt64
    private var previous: SHA256Digest
    private var tiles = TileWriter()
    private var segments = SegmentWriter()
    private var index = IndexEntries()
    private var blockFirstLeaf: UInt64
    private var blockCount = 0
    /// Leaf, block and checkpoint of each record written, in order; the checkpoint index points
    /// into `checkpoints` (known only once its block closes).
    private var placed = [(leaf: UInt64, height: UInt64)]()
    private var checkpoints = [UInt64: Checkpoint]()
    private let logger: Logger
    /// The open block's events by identifier: leaf and leaf hash, in leaf order, for the lot map
    /// (keys are hashed once per block, in ``updateLotMap``); and the map's root as of the last
    /// closed block.
    private var mapPending = [TraceKey: [(leaf: UInt64, leafHash: SHA256Digest)]]()
    private var lotMapRoot: SHA256Digest

    init(head: HeadState, lotMapRoot: SHA256Digest, key: Ed25519PrivateKey, genesis: Genesis, nowMillis: Int64, db: LedgerSchema,
         logger: Logger = .silent) {
        self.init(head: head, lotMapRoot: lotMapRoot, sealing: .sign(key, time: UTCTime.format(millis: nowMillis)), genesis: genesis,
                  db: db, logger: logger)
    }

    init(head: HeadState, lotMapRoot: SHA256Digest, sealing: BlockSealing, genesis: Genesis, db: LedgerSchema, logger: Logger = .silent) {
        self.lotMapRoot = lotMapRoot
        self.db = db
        self.logger = logger
        self.sealing = sealing
        origin = genesis.origin
        if case .sign = sealing { maxPerBlock = genesis.rules.maxRecordsPerBlock } else { maxPerBlock = .max }
        frontier = head.frontier
        height = head.height
        previous = head.blockHash
        blockFirstLeaf = head.frontier.treeSize
    }

    /// Writes `records[range]`, in order, as the next leaves.
    mutating func add(_ records: [PlannedRecord], range: Range<Int>, txn: LMDBTransaction) throws {
        placed.reserveCapacity(placed.count + range.count)
        try records.withUnsafeBufferPointer { records in
            for i in range { try add(records.baseAddress! + i, txn: txn) }
        }
    }

    /// Reads the record's fields in place: a copy of a whole record (what passing it by value
    /// from an array costs) retains each of its arrays and strings, cold in memory by now.
    private mutating func add(_ r: UnsafePointer<PlannedRecord>, txn: LMDBTransaction) throws {
        let leaf = frontier.treeSize
        try Self.appendLeaf(r.pointee.leafHash, to: &frontier, tiles: &tiles, txn: txn, db: db)
        if sealing.writesRecords { try segments.add(r.pointee.storedForm, leaf: leaf, txn: txn, db: db) }
        if let key = r.pointee.dedupKey { index.addEvent(key.digest, leaf: leaf, height: height + 1) }
        for name in r.pointee.names {
            index.addTrace(name.key, roles: name.roles, leaf: leaf)
            mapPending[name.key, default: []].append((leaf, r.pointee.leafHash))
        }
        for edge in r.pointee.lineage { index.addLineage(edge, leaf: leaf) }
        if let declared = r.pointee.declares {
            try txn.put(db.declarations, declared.digest.bytes, [UInt8](bigEndian: leaf))
        }
        if let change = r.pointee.registryChange {
            try txn.put(db.registryLog, [UInt8](bigEndian: leaf), JSONWriter.compact(change), append: true)
        }
        placed.append((leaf, height + 1))
        blockCount += 1
        if blockCount == maxPerBlock { try closeBlock(txn: txn) }
    }

    /// Adds a leaf to the frontier and the nodes it completes to the tiles (two properties
    /// passed apart, so the closure need not capture all of `self`).
    private static func appendLeaf(_ hash: SHA256Digest, to frontier: inout MerkleFrontier, tiles: inout TileWriter,
                                   txn: LMDBTransaction, db: LedgerSchema) throws {
        try frontier.append(leafHash: hash) { node in try tiles.add(node, txn: txn, db: db) }
    }

    /// Folds the open block's events into the lot map: each identifier's value extended by its
    /// events in leaf order, one batch update of the tree, its changed nodes written in key order.
    private mutating func updateLotMap(txn: LMDBTransaction) throws {
        guard !mapPending.isEmpty else { return }
        var trace = StageTrace(logger)
        // One walk: each key's value is extended where the walk reaches its leaf (no separate
        // value reads), and the walk reads each node once (so no cache in front of LMDB).
        var appends = [SHA256Digest: LotMap.Appends]()
        appends.reserveCapacity(mapPending.count)
        for (traceKey, events) in mapPending { appends[try LotMapHash.key(traceKey)] = events }
        let (root, writes) = try LotMap.append(appends, reader: StoreLotMapReader(txn: txn, db: db))
        trace.mark("lot map: \(appends.count) keys extended in one walk, \(writes.count) nodes changed")
        for (path, node) in writes {
            // Keys are never removed, so a path that held a node keeps one (LotMap.update).
            guard let node else { throw StoreError.corrupt(.other("lot map update removes the node at \(Hex.encode(path.encoded))")) }
            try txn.put(db.lotMap, path.encoded, node.encoded)
        }
        trace.mark("lot map: nodes put in path order")
        lotMapRoot = root
        mapPending.removeAll(keepingCapacity: true)
    }

    /// Signs and stores the open block, if it has records.
    private mutating func closeBlock(txn: LMDBTransaction) throws {
        guard blockCount > 0, case let .sign(key, time) = sealing else { return }
        try updateLotMap(txn: txn)
        height += 1
        let header = BlockHeader(height: height, previousHash: previous, time: time, firstLeaf: blockFirstLeaf,
                                 recordCount: UInt64(blockCount), treeSize: frontier.treeSize,
                                 rootHash: try frontier.rootHash, lotMapRoot: lotMapRoot, sequencer: key.publicKey.keyID)
        let checkpoint = try Checkpoint.sign(origin: origin, treeSize: frontier.treeSize, rootHash: try frontier.rootHash, key: key)
        let block = SignedBlock(header: header, signature: try key.signature(for: header.signingMessage(origin: origin)),
                                checkpoint: checkpoint)
        try txn.put(db.blocks, [UInt8](bigEndian: height), JSONWriter.compact(block.json), append: true)
        checkpoints[height] = checkpoint
        previous = try header.hash
        blockFirstLeaf = frontier.treeSize
        blockCount = 0
    }

    /// Closes the open block of a replay where `given` (the ledger's own block) ends it: returns
    /// the header the records make — the given block's time, the given sequencer — for the
    /// caller to compare, and stores the given block, so the next block links to it as stored.
    mutating func closeReplayedBlock(_ given: SignedBlock, txn: LMDBTransaction) throws -> BlockHeader {
        try updateLotMap(txn: txn)
        height += 1
        let header = BlockHeader(height: height, previousHash: previous, time: given.header.time, firstLeaf: blockFirstLeaf,
                                 recordCount: UInt64(blockCount), treeSize: frontier.treeSize, rootHash: try frontier.rootHash,
                                 lotMapRoot: lotMapRoot, sequencer: given.header.sequencer)
        try txn.put(db.blocks, [UInt8](bigEndian: height), JSONWriter.compact(given.json), append: true)
        previous = try given.header.hash
        blockFirstLeaf = frontier.treeSize
        blockCount = 0
        return header
    }

    /// Ends a replayed stretch: tiles, indexes, balances and the head, as ``finish(_:txn:)``
    /// writes them (the blocks are closed by ``closeReplayedBlock(_:txn:)``).
    mutating func finishReplay(_ plan: AppendPlan, txn: LMDBTransaction) throws {
        try tiles.flush(txn: txn, db: db)
        if sealing.writesRecords { try segments.flush(txn: txn, db: db) }
        try index.write(txn: txn, db: db)
        try IndexEntries.writeBalances(plan.lotBalances, txn: txn, db: db)
        try txn.put(db.meta, Array("head".utf8), HeadState(height: height, blockHash: previous, frontier: frontier).encoded)
    }

    /// Closes the last block, writes indexes (in key order: sorted inserts touch each B-tree
    /// page once), balances and the head, and returns one receipt per input of `plan`.
    mutating func finish(_ plan: AppendPlan, txn: LMDBTransaction) throws -> [Receipt] {
        var trace = StageTrace(logger)
        try closeBlock(txn: txn)
        try tiles.flush(txn: txn, db: db)
        try segments.flush(txn: txn, db: db)
        trace.mark("write: last block, tiles, segments")
        try index.write(txn: txn, db: db)
        trace.mark("write: events, trace and lineage indexes")
        try IndexEntries.writeBalances(plan.lotBalances, txn: txn, db: db)
        try txn.put(db.meta, Array("head".utf8), HeadState(height: height, blockHash: previous, frontier: frontier).encoded)
        trace.mark("write: \(plan.lotBalances.count) balances, head")

        // Checkpoints of earlier blocks (for repeats of stored records) are read once per block.
        func checkpoint(_ height: UInt64) throws -> Checkpoint {
            if let cp = checkpoints[height] { return cp }
            let cp = try LedgerStore.block(txn, db, height: height).checkpoint
            checkpoints[height] = cp
            return cp
        }
        // Records are read in place: a copy would retain each of their arrays and strings.
        return try plan.records.withUnsafeBufferPointer { records in try plan.outcomes.map { outcome in
            switch outcome {
            case let .new(i), let .repeatInBatch(i):
                let p = placed[i]
                let isNew = if case .new = outcome { true } else { false }
                return Receipt(eventID: records[i].eventID, leafIndex: p.leaf, blockHeight: p.height,
                               checkpoint: try checkpoint(p.height), duplicate: !isNew)
            case let .duplicate(id, loc):
                return Receipt(eventID: id, leafIndex: loc.leafIndex, blockHeight: loc.blockHeight,
                               checkpoint: try checkpoint(loc.blockHeight), duplicate: true)
            }
        } }
    }
}

/// A lot map reader that keeps every node it has read (or found absent), for the walks of many
/// keys in one read snapshot (a bundle's openings), whose paths share their upper levels.
final class CachingLotMapReader: LotMapNodeReader {
    private let base: StoreLotMapReader
    private var nodes: [LotMapPath: LotMapNode?] = [:]

    init(_ base: StoreLotMapReader) { self.base = base }

    func node(at path: LotMapPath) throws -> LotMapNode? {
        if let known = nodes[path] { return known }
        let node = try base.node(at: path)
        nodes[path] = .some(node)
        return node
    }
}
