// The audit: the ledger replayed from genesis out of its stored records and block headers alone,
// into a state of the audit's own (a scratch LMDB environment it builds with the append path's
// rules and writers, never reading the ledger's indexes), then every database of the ledger
// compared with the rebuilt one, entry by entry. Stage A (parse, event ID, leaf hash, signature)
// runs on all cores a stretch ahead; this thread applies the rules in order, rebuilds the tree,
// indexes and lot map, and compares each block header with what its records make.
import Foundation
import Logging
import OrchardCrypto
import OrchardLedger
import OrchardModel

extension LedgerStore {
    /// Replays the ledger from genesis (or from a saved audit state) and compares every index
    /// with what the records make. Findings are data in the report; this throws only when the
    /// audit cannot run at all (the work directory cannot be made, OpenSSL fails).
    public func audit(_ options: AuditOptions = AuditOptions()) throws -> AuditReport {
        let fm = FileManager.default
        // The audit's own directory, inside the one given (never the given one itself: it may
        // hold other files), removed afterwards.
        let parent = options.workDirectory ?? NSTemporaryDirectory()
        let work = parent + "/orchard-audit-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        do { try fm.createDirectory(atPath: work, withIntermediateDirectories: true) } catch {
            throw StoreError.io(path: parent, reason: "cannot create the audit's work directory: \(Self.reason(error))")
        }
        defer { try? fm.removeItem(atPath: work) }
        var saved: AuditState?
        if let since = options.since {
            saved = try AuditState.read(directory: since)
            do { try fm.copyItem(atPath: since + "/" + AuditState.dataFile, toPath: work + "/data.mdb") } catch {
                throw StoreError.io(path: since, reason: "cannot copy the saved audit state: \(Self.reason(error))")
            }
        }
        var report: AuditReport
        do {
            let scratch = try LMDBEnvironment(directory: work, initialMapSize: options.scratchMapBytes, scratch: true)
            let schema = try LedgerSchema(env: scratch)
            var replay = AuditReplay(ledger: db, scratch: scratch, scratchDB: schema, options: options, logger: logger)
            report = try env.read { txn in try replay.run(txn, from: saved) }
        }
        if let target = options.saveState, report.ok, let checkpoint = report.checkpoint, let genesisHash = report.genesisHash {
            try AuditState(origin: report.origin, genesisHash: genesisHash, height: report.height, checkpoint: checkpoint)
                .save(from: work, to: target)
            report.savedState = target
        }
        return report
    }
}

/// What an audit keeps for the next one: its rebuilt state (`state.mdb`, the same databases as
/// a ledger but the records) and `audit-state.json` naming the ledger and the checkpoint it
/// ended at (Docs/AUDIT.md).
struct AuditState {
    static let dataFile = "state.mdb"
    static let metaFile = "audit-state.json"
    static let format = "orchard-audit-state/1"

    let origin: String
    let genesisHash: SHA256Digest
    let height: UInt64
    let checkpoint: Checkpoint

    static func read(directory: String) throws -> AuditState {
        let path = directory + "/" + metaFile
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError.io(path: path, reason: "no saved audit state here (write one with `orchard audit --save-state DIR`)")
        }
        do {
            let j = try JSONParser.parse([UInt8](data))
            guard j["format"]?.stringValue == format, let origin = j["origin"]?.stringValue,
                  let g = j["genesisHash"]?.stringValue.flatMap({ Hex.decode($0) }), let height = j["height"]?.doubleValue,
                  let text = j["checkpoint"]?.stringValue else {
                throw LedgerFormatError("not an \(format) document")
            }
            return AuditState(origin: origin, genesisHash: try SHA256Digest(bytes: g), height: UInt64(height), checkpoint: try Checkpoint(text: text))
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.io(path: path, reason: "unreadable saved audit state: \(error)")
        }
    }

    /// Moves the rebuilt state out of `work` into `directory`, replacing an earlier one whole.
    func save(from work: String, to directory: String) throws {
        let fm = FileManager.default
        let meta = JSONValue.object([JSONMember("format", .string(Self.format)), JSONMember("origin", .string(origin)),
                                     JSONMember("genesisHash", .string(genesisHash.hex)),
                                     JSONMember("height", .number(JSONNumber(Int(height)))),
                                     JSONMember("treeSize", .number(JSONNumber(Int(checkpoint.treeSize)))),
                                     JSONMember("checkpoint", .string(checkpoint.text))])
        let staging = directory + ".saving-\(getpid())"
        try? fm.removeItem(atPath: staging)
        do {
            try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
            try fm.moveItem(atPath: work + "/data.mdb", toPath: staging + "/" + Self.dataFile)
            try Data((JSONWriter.pretty(meta) + "\n").utf8).write(to: URL(fileURLWithPath: staging + "/" + Self.metaFile))
            try Data(checkpoint.text.utf8).write(to: URL(fileURLWithPath: staging + "/checkpoint"))
            // The earlier state is moved aside, not deleted, until the new one is in place: a crash
            // between the two renames leaves both on disk, never neither.
            let earlier = directory + ".replaced-\(getpid())"
            if fm.fileExists(atPath: directory) { try fm.moveItem(atPath: directory, toPath: earlier) }
            try fm.moveItem(atPath: staging, toPath: directory)
            try? fm.removeItem(atPath: earlier)
        } catch {
            try? fm.removeItem(atPath: staging)
            throw StoreError.io(path: directory, reason: "cannot save the audit state: \(LedgerStore.reason(error))")
        }
    }
}

/// Stored records of the ledger, read a segment at a time.
private struct SegmentReader {
    let txn: LMDBTransaction
    let db: LedgerSchema
    private var segmentKey: UInt64 = .max
    private var segment: Result<[[UInt8]], StoreError>? = nil

    init(txn: LMDBTransaction, db: LedgerSchema) {
        self.txn = txn
        self.db = db
    }

    /// The stored form at `leaf`, or why there is none.
    mutating func stored(_ leaf: UInt64) -> Result<[UInt8], StoreError> {
        let key = leaf / RecordSegments.size
        if key != segmentKey {
            segmentKey = key
            do {
                // Each record copied out of the map once (not the segment, then each record).
                segment = .success(try txn.withValue(db.records, [UInt8](bigEndian: key)) { try RecordSegments.decode($0) } ?? [])
            } catch let e as StoreError {
                segment = .failure(e)
            } catch {
                segment = .failure(.corrupt(.record(leaf: leaf, reason: "\(error)")))
            }
        }
        switch segment! {
        case let .failure(e): return .failure(e)
        case let .success(records):
            let i = Int(leaf % RecordSegments.size)
            return i < records.count ? .success(records[i]) : .failure(.notFound(.leaf(leaf, treeSize: nil)))
        }
    }
}

/// The rules' view during the replay: what the audit rebuilt so far, and the ledger's own
/// records (already replayed) when a declaration reverses an earlier event.
private struct ReplayStateReader: LedgerStateReader {
    let rebuilt: StoreStateReader
    let ledgerTxn: LMDBTransaction
    let ledgerDB: LedgerSchema
    /// Every key of the rebuilt `events` index: a key it surely lacks is not looked up.
    let replayed: DigestFilter

    func location(of id: EventID) throws -> EventLocation? {
        // Every record's key is looked for, and on a sound ledger none is there.
        guard replayed.mayContain(id.digest) else { return nil }
        return try rebuilt.location(of: id)
    }
    func lotBalance(_ lot: TraceKey) throws -> LotBalance? { try rebuilt.lotBalance(lot) }
    func namingRoles(of key: TraceKey) throws -> NamingRoles? { try rebuilt.namingRoles(of: key) }
    func declaration(of id: EventID) throws -> UInt64? { try rebuilt.declaration(of: id) }
    func record(atLeaf leaf: UInt64) throws -> SignedRecord {
        try SignedRecord(storedForm: try LedgerStore.storedRecord(ledgerTxn, ledgerDB, leaf: leaf))
    }
}

/// A stretch of consecutive blocks and their records, read from the ledger.
private struct Stretch {
    var blocks: [(block: SignedBlock, records: Int)] = []
    var inputs: [RecordInput] = []
    /// Inputs with no record behind them (missing or unreadable), by position: why.
    var absent: [Int: String] = [:]
    var firstLeaf: UInt64
    var firstHeight: UInt64

    /// The height and leaf the stretch after this one starts at.
    var end: (height: UInt64, leaf: UInt64) { (firstHeight + UInt64(blocks.count), firstLeaf + UInt64(inputs.count)) }
}

/// A block the replay cannot read, so it stops before it: its height and why.
private typealias ReplayStop = (height: UInt64, reason: String)

private struct AuditReplay {
    let ledger: LedgerSchema
    let scratch: LMDBEnvironment
    let scratchDB: LedgerSchema
    let options: AuditOptions
    var findings: FindingCollector
    var report = AuditReport()
    /// First leaf of each block replayed or inherited, by height (to place index findings).
    var blockFirstLeaves: [UInt64] = []
    var genesis: Genesis!
    var registry: Registry!
    var lotMapRoot = zeroDigest
    /// The keys of the rebuilt `events` index, kept in step with it (see `ReplayStateReader`).
    let replayedKeys = DigestFilter()
    /// The time of the last block replayed (ms), for a block whose own time is unreadable.
    var lastBlockMillis: Int64 = 0
    /// Checks that, once failed at one block, fail at every later block for the same cause (a
    /// changed leaf changes every later root): reported at the first block, the rest counted.
    var cascading: [VerificationFinding.Check: (first: UInt64, more: Int)] = [:]

    /// Where stage timings go (`orchard --log-level trace audit`).
    let logger: Logger

    /// Stretches in stage A beyond the one being applied. With one, stage A of the next stretch
    /// could end while this thread still applied the current one, and the cores waited for the
    /// stream after it; two keep them busy (a stretch more of prepared records in memory).
    static let stageAAhead = 2

    init(ledger: LedgerSchema, scratch: LMDBEnvironment, scratchDB: LedgerSchema, options: AuditOptions, logger: Logger) {
        self.logger = logger
        self.ledger = ledger
        self.scratch = scratch
        self.scratchDB = scratchDB
        self.options = options
        findings = FindingCollector(limit: options.findingLimit)
    }

    mutating func finding(_ check: VerificationFinding.Check, block: UInt64? = nil, leaf: UInt64? = nil, id: EventID? = nil,
                          expected: String? = nil, found: String? = nil, _ detail: String) {
        findings.add(VerificationFinding(check, blockHeight: block ?? leaf.map(height(ofLeaf:)), leafIndex: leaf, eventID: id,
                                         expected: expected, found: found, detail: detail))
    }

    /// The block holding `leaf`, as far as the replay knows the blocks.
    func height(ofLeaf leaf: UInt64) -> UInt64 {
        var lo = 0, hi = blockFirstLeaves.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if blockFirstLeaves[mid] <= leaf { lo = mid + 1 } else { hi = mid }
        }
        return UInt64(max(lo - 1, 0))
    }

    mutating func run(_ txn: LMDBTransaction, from saved: AuditState?) throws -> AuditReport {
        let storedHead = Result { try LedgerStore.headState(txn, ledger) }
        var height: UInt64, leaf: UInt64
        if let saved {
            guard try start(from: saved, txn) else { return finish(complete: false) }
            height = saved.height + 1
            leaf = saved.checkpoint.treeSize
            report.startedAtHeight = saved.height
            report.startedAtTreeSize = saved.checkpoint.treeSize
            if case let .success(head) = storedHead { try proveExtension(of: saved.checkpoint, head: head, txn) }
        } else {
            guard try replayGenesis(txn) else { return finish(complete: false) }
            height = 1
            leaf = 1
        }
        let totalRecords: UInt64 = if case let .success(head) = storedHead { head.frontier.treeSize } else { 0 }
        // The keys the scratch state starts with (the genesis's, or a saved state's).
        try scratch.read { s in
            let cursor = try LMDBReadCursor(s, scratchDB.events)
            while try cursor.next({ key, _ in replayedKeys.insert(key) }) != nil {}
        }
        var segments = SegmentReader(txn: txn, db: ledger)
        let planner = AppendPlanner(genesis: genesis)
        // Stage A runs on all cores `stageAAhead` stretches beyond the one this thread applies.
        // Each stretch read and not yet applied, with the keys its registry records introduce.
        var queue: [(stretch: Stretch, stop: ReplayStop?, keys: [Ed25519PublicKey], stream: PreparedStream)] = []
        var readFrom: (height: UInt64, leaf: UInt64)? = (height, leaf)
        // A block that cannot be read where a stretch would start.
        var stopBeforeStretch: ReplayStop?
        var complete = true
        var trace = StageTrace(logger)
        while true {
            while queue.count <= Self.stageAAhead, let from = readFrom {
                let next = read(fromHeight: from.height, leaf: from.leaf, txn: txn, segments: &segments)
                guard let stretch = next.stretch else { stopBeforeStretch = next.stop; readFrom = nil; break }
                // The registry is the start of the first stretch not yet applied: the keys the
                // registry records of the stretches before this one introduce are handed over
                // too, or the events of new participants would be checked one by one on this thread.
                let stream = PreparedStream(stretch.inputs, planner: planner, registry: registry, introduced: queue.flatMap(\.keys))
                queue.append((stretch, next.stop, PreparedStream.keysIntroduced(by: stretch.inputs), stream))
                readFrom = next.stop == nil ? stretch.end : nil
            }
            guard !queue.isEmpty else { break }
            let (stretch, stop, _, current) = queue.removeFirst()
            if let stop { complete = false; finding(.unreadable, block: stop.height, stop.reason) }
            let after = stretch.end.leaf
            do {
                trace.mark("audit: stretch at leaf \(stretch.firstLeaf) read (\(stretch.inputs.count) records, \(stretch.blocks.count) blocks)")
                // Stage A's records of this stretch are let go of by the workers of the last stream.
                let done = try apply(stretch, current, planner: planner, txn: txn)
                report.signatureCPUSeconds += Double(current.signatureCPUNanoseconds) / 1e9
                queue.last?.stream.release(done)
                trace.mark("audit: stretch applied and written (waited \(current.waitedNanoseconds / 1_000_000) ms for stage A)")
            } catch {
                current.cancel()
                for q in queue { q.stream.cancel() }
                throw error
            }
            options.progress?(AuditProgress(stage: .replay, done: after - (report.startedAtTreeSize ?? 0),
                                            total: max(totalRecords, after) - (report.startedAtTreeSize ?? 0)))
        }
        if let stop = stopBeforeStretch { complete = false; finding(.unreadable, block: stop.height, stop.reason) }
        if complete {
            try checkTail(txn, storedHead: storedHead)
            try compareDatabases(txn)
        }
        return finish(complete: complete)
    }

    mutating func finish(complete: Bool) -> AuditReport {
        for (check, c) in cascading.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where c.more > 0 {
            finding(check, "\(c.more) later block\(c.more == 1 ? "" : "s") after block \(c.first) fail this check too: each commits to the tree (or lot map) the change at or before block \(c.first) altered")
        }
        report.replayComplete = complete
        report.findingCount = findings.count
        report.firstFailingRecord = findings.lowestLeaf
        report.firstFailingBlock = findings.lowestBlock
        report.findings = findings.kept.sorted { ($0.leafIndex ?? .max, $0.blockHeight ?? .max) < ($1.leafIndex ?? .max, $1.blockHeight ?? .max) }
        if let registry {
            report.participantsByRole = registry.participants.values.reduce(into: [:]) { $0[$1.role, default: 0] += 1 }
        }
        return report
    }

    // MARK: The start

    /// Block 0 and the genesis record, checked and written as the first block of the rebuilt state.
    mutating func replayGenesis(_ txn: LMDBTransaction) throws -> Bool {
        let block: SignedBlock, record: SignedRecord
        do {
            block = try LedgerStore.block(txn, ledger, height: 0)
            record = try SignedRecord(storedForm: try LedgerStore.storedRecord(txn, ledger, leaf: 0))
            guard record.kind == .genesis else { throw LedgerFormatError("leaf 0 is a \(record.kind.rawValue) record, not the genesis") }
            genesis = try Genesis(json: record.payload)
        } catch {
            finding(.unreadable, block: 0, leaf: 0, "block 0 or the genesis record cannot be read, so nothing can be replayed: \(error)")
            return false
        }
        blockFirstLeaves = [0]
        registry = Registry(genesis: genesis)
        report.origin = genesis.origin
        report.sequencerKey = genesis.sequencerKey.keyID
        report.authorityKey = genesis.authorityKey.keyID
        let header = block.header
        let hash = try header.hash
        report.genesisHash = hash
        if let stored = try txn.get(ledger.meta, Array("genesis".utf8)), stored != hash.bytes {
            finding(.genesisHash, block: 0, expected: hash.hex, found: Hex.encode(stored), "the ledger's recorded genesis hash is not the hash of block 0")
        }
        if JSONWriter.canonical(record.payload) != record.canonicalPayload {
            finding(.recordForm, block: 0, leaf: 0, "the genesis is not stored in RFC 8785 canonical form")
        }
        var frontier = MerkleFrontier()
        _ = try frontier.append(leafHash: try record.leafHash)
        let expected = BlockHeader(height: 0, previousHash: zeroDigest, time: header.time, firstLeaf: 0, recordCount: 1, treeSize: 1,
                                   rootHash: try frontier.rootHash, sequencer: genesis.sequencerKey.keyID)
        try compare(block, with: expected)
        try scratch.write { s in
            try s.put(scratchDB.blocks, [UInt8](bigEndian: 0), JSONWriter.compact(block.json), append: true)
            try s.put(scratchDB.meta, Array("format".utf8), LedgerStore.storageFormat)
            try s.put(scratchDB.meta, Array("genesis".utf8), hash.bytes)
            try s.put(scratchDB.meta, Array("head".utf8), HeadState(height: 0, blockHash: hash, frontier: frontier).encoded)
        }
        report.blocksReplayed = 1
        report.recordsReplayed = 1
        report.firstBlockTime = header.time
        noteHead(block)
        return true
    }

    /// Takes up a saved state: the same ledger, its registry rebuilt from the state's own log.
    mutating func start(from saved: AuditState, _ txn: LMDBTransaction) throws -> Bool {
        do {
            let record = try SignedRecord(storedForm: try LedgerStore.storedRecord(txn, ledger, leaf: 0))
            genesis = try Genesis(json: record.payload)
            let block0 = try LedgerStore.block(txn, ledger, height: 0)
            guard try block0.header.hash == saved.genesisHash, genesis.origin == saved.origin else {
                finding(.auditState, "the saved audit state is of another ledger (\(saved.origin), genesis \(saved.genesisHash.hex))")
                return false
            }
        } catch {
            finding(.unreadable, block: 0, leaf: 0, "block 0 or the genesis record cannot be read: \(error)")
            return false
        }
        report.origin = genesis.origin
        report.genesisHash = saved.genesisHash
        report.sequencerKey = genesis.sequencerKey.keyID
        report.authorityKey = genesis.authorityKey.keyID
        registry = Registry(genesis: genesis)
        do {
            try scratch.read { s in
                let head = try LedgerStore.headState(s, scratchDB)
                guard head.height == saved.height, head.frontier.treeSize == saved.checkpoint.treeSize,
                      try head.frontier.rootHash == saved.checkpoint.rootHash else {
                    throw LedgerFormatError("its head is not the checkpoint it names")
                }
                (registry, _) = try LedgerStore.syncRegistry(registry, from: 1, txn: s, db: scratchDB)
                try s.scan(scratchDB.blocks) { _, v in
                    let block = try SignedBlock(json: JSONParser.parse(v))
                    blockFirstLeaves.append(block.header.firstLeaf)
                    if block.header.height == saved.height {
                        lotMapRoot = block.header.lotMapRoot
                        report.checkpoint = block.checkpoint
                    }
                    return true
                }
            }
        } catch {
            finding(.auditState, "the saved audit state cannot be used: \(error)")
            return false
        }
        report.height = saved.height
        report.treeSize = saved.checkpoint.treeSize
        report.rootHash = saved.checkpoint.rootHash
        return true
    }

    /// RFC 9162 consistency of the saved checkpoint with the ledger's head, from the ledger's
    /// stored tree: today's ledger must extend what the last audit saw.
    mutating func proveExtension(of checkpoint: Checkpoint, head: HeadState, _ txn: LMDBTransaction) throws {
        let size = head.frontier.treeSize
        guard size >= checkpoint.treeSize else {
            finding(.consistencyProof, expected: "tree size ≥ \(checkpoint.treeSize)", found: "\(size)",
                    "the ledger is smaller than the checkpoint the last audit ended at: history was cut")
            return
        }
        do {
            let reader = TileNodeReader(txn: txn, db: ledger)
            let proof = try MerkleProofs.consistencyProof(from: checkpoint.treeSize, to: size, reader: reader)
            try MerkleVerifier.verifyConsistency(oldSize: checkpoint.treeSize, newSize: size, oldRoot: checkpoint.rootHash,
                                                 newRoot: try head.frontier.rootHash, proof: proof)
        } catch {
            finding(.consistencyProof, block: report.startedAtHeight, expected: checkpoint.rootHash.hex,
                    "today's ledger does not extend the checkpoint the last audit ended at (tree size \(checkpoint.treeSize)): \(error)")
        }
    }

    // MARK: Reading

    /// Reads blocks from `height` on, with their records from `leaf` on, until the stretch holds
    /// `stretchRecords` records or the chain ends; `stop` when a block cannot be read.
    func read(fromHeight height: UInt64, leaf: UInt64, txn: LMDBTransaction, segments: inout SegmentReader)
        -> (stretch: Stretch?, stop: ReplayStop?) {
        var stretch = Stretch(firstLeaf: leaf, firstHeight: height)
        var h = height
        var stop: ReplayStop?
        while stretch.inputs.count < options.stretchRecords {
            let block: SignedBlock
            do { block = try LedgerStore.block(txn, ledger, height: h) } catch StoreError.notFound { break } catch {
                stop = (h, "block \(h) cannot be read, so the replay stops before it: \(error)")
                break
            }
            // A block never holds more than the genesis allows; a header claiming more is read
            // only that far (and found wrong by its root and signature).
            let count = Int(min(block.header.recordCount, UInt64(genesis.rules.maxRecordsPerBlock)))
            for _ in 0..<count {
                let at = leaf + UInt64(stretch.inputs.count)
                switch segments.stored(at) {
                case let .success(b): stretch.inputs.append(.stored(b))
                case let .failure(e):
                    stretch.absent[stretch.inputs.count] = if case .notFound = e { "no record is stored at this leaf" } else { "\(e)" }
                    stretch.inputs.append(.stored([]))
                }
            }
            stretch.blocks.append((block, count))
            h += 1
        }
        return (stretch.blocks.isEmpty ? nil : stretch, stop)
    }

    // MARK: The replay

    /// Applies and writes one stretch; returns what is left of its records and plan, for stage A's
    /// workers to let go of (see ``PreparedStream/release(_:)``).
    mutating func apply(_ stretch: Stretch, _ stream: PreparedStream, planner: AppendPlanner, txn: LMDBTransaction) throws -> [Any] {
        // The whole stretch from stage A first, and the replay as it stands: when the rebuilt
        // state fills its map, the write is run again from the start (the map grown), and must
        // find the same records and the same replay state.
        var all = [PreparedRecord]()
        all.reserveCapacity(stretch.inputs.count)
        while all.count < stretch.inputs.count, let more = stream.next() { all += more }
        let start = self
        var done: [Any] = []
        try scratch.write { s in
            self = start
            done = [all]
            let state = ReplayStateReader(rebuilt: StoreStateReader(txn: s, db: scratchDB), ledgerTxn: txn, ledgerDB: ledger,
                                          replayed: replayedKeys)
            var writer = BatchWriter(head: try LedgerStore.headState(s, scratchDB), lotMapRoot: lotMapRoot, sealing: .replay,
                                     genesis: genesis, db: scratchDB)
            var plan = AppendPlan(registry: registry)
            var taken = 0
            for (block, count) in stretch.blocks {
                let records = all[min(taken, all.count)..<min(taken + count, all.count)]
                let firstLeaf = stretch.firstLeaf + UInt64(taken)
                blockFirstLeaves.append(firstLeaf)
                let before = plan.records.count, problemsBefore = plan.problems.count
                // The ledger's clock when it closed the block: no event may be dated far beyond it.
                let nowMillis: Int64
                if let t = try? EPCISTimestamp(block.header.time).millisecondsSinceEpoch, t < Int64.max / 2 {
                    nowMillis = t
                    lastBlockMillis = t
                } else {
                    finding(.unreadable, block: block.header.height, found: block.header.time, "the block's time is not an RFC 3339 timestamp")
                    nowMillis = lastBlockMillis
                }
                try planner.apply(records, to: &plan, treeSize: stretch.firstLeaf, state: state, nowMillis: nowMillis, replaying: true)
                for problem in plan.problems[problemsBefore...] { record(problem, stretch: stretch) }
                for r in plan.records[before...] where r.registryChange != nil {
                    if let change = try? RegistryChange(json: r.registryChange!) {
                        report.registryHistory.append(AuditRegistryEntry(leaf: stretch.firstLeaf + UInt64(r.inputIndex), op: change.op,
                                                                         participantID: change.participantID, issuedAt: change.issuedAt))
                    }
                }
                try writer.add(plan.records, range: before..<plan.records.count, txn: s)
                for r in plan.records[before...] { if let key = r.dedupKey { replayedKeys.insert(key.digest) } }
                let expected = try writer.closeReplayedBlock(block, txn: s)
                report.signaturesChecked += UInt64(records.count { $0.isReadable })
                try compare(block, with: expected)
                if block.header.recordCount != UInt64(count) {
                    finding(.blockRecordCount, block: block.header.height, expected: "at most \(genesis.rules.maxRecordsPerBlock)",
                            found: "\(block.header.recordCount)", "the block says it holds more records than a block may")
                }
                taken += count
                report.blocksReplayed += 1
                report.recordsReplayed += UInt64(count)
                noteHead(block)
                if report.firstBlockTime == nil { report.firstBlockTime = block.header.time }
                lotMapRoot = expected.lotMapRoot
            }
            try writer.finishReplay(plan, txn: s)
            registry = plan.registry
            done.append(plan)
        }
        return done
    }

    mutating func noteHead(_ block: SignedBlock) {
        report.height = block.header.height
        report.treeSize = block.header.treeSize
        report.rootHash = block.header.rootHash
        report.checkpoint = block.checkpoint
        report.lastBlockTime = block.header.time
    }

    /// A problem the rules found with a replayed record, as a finding at its leaf.
    mutating func record(_ problem: EventProblem, stretch: Stretch) {
        let leaf = stretch.firstLeaf + UInt64(problem.index)
        if let why = stretch.absent[problem.index] {
            finding(.recordMissing, leaf: leaf, why)
            return
        }
        let check: VerificationFinding.Check = switch problem.code {
        case .signatureInvalid: .recordSignature
        case .keyUnknown, .keyRevoked, .keyNotYetValid, .registrySigner: .signerKey
        case .recordForm, .syntax, .recordShape, .genesisRecord: .recordForm
        case .duplicateRecord: .recordDuplicate
        default: .recordRule
        }
        let at = problem.path.isEmpty ? "" : " at \(problem.path)"
        finding(check, leaf: leaf, id: problem.eventID.flatMap { EventID(uri: $0) }, "\(problem.code.rawValue)\(at): \(problem.reason)")
    }

    /// A stored block against the header its records make: every field, the sequencer's
    /// signature on the header and on the checkpoint.
    mutating func compare(_ block: SignedBlock, with expected: BlockHeader) throws {
        let given = block.header, h = expected.height
        let key = genesis.sequencerKey
        func differs(_ check: VerificationFinding.Check, _ e: String, _ f: String, _ what: String) {
            guard e != f else { return }
            if [.rootHash, .lotMapRoot, .checkpointContent].contains(check), let seen = cascading[check] {
                cascading[check] = (seen.first, seen.more + 1)
                return
            }
            if [.rootHash, .lotMapRoot, .checkpointContent].contains(check) { cascading[check] = (h, 0) }
            finding(check, block: h, expected: e, found: f, what)
        }
        differs(.blockHeight, "\(h)", "\(given.height)", "the block stored at height \(h) names another height")
        differs(.previousHash, expected.previousHash.hex, given.previousHash.hex, "previousHash is not the hash of the block before")
        differs(.firstLeaf, "\(expected.firstLeaf)", "\(given.firstLeaf)", "firstLeaf does not follow the block before")
        differs(.treeSize, "\(expected.treeSize)", "\(given.treeSize)", "treeSize is not where the block's records end")
        differs(.rootHash, expected.rootHash.hex, given.rootHash.hex,
                "the tree root the records make differs from the header's (a record of this block, or before it, was changed, dropped, added or moved)")
        differs(.lotMapRoot, expected.lotMapRoot.hex, given.lotMapRoot.hex, "the lot map root the records make differs from the header's")
        differs(.blockSequencer, key.keyID.rawValue, given.sequencer.rawValue, "the block names another sequencer key than the genesis's")
        if given.version != BlockHeader.currentVersion {
            finding(.unreadable, block: h, expected: "\(BlockHeader.currentVersion)", found: "\(given.version)", "unknown block header version")
        }
        if try !key.isValidSignature(block.signature, for: given.signingMessage(origin: genesis.origin)) {
            finding(.blockSignature, block: h, expected: key.keyID.rawValue, "the sequencer's signature on the block header does not verify (re-signed by another key, or changed after signing)")
        }
        let cp = block.checkpoint
        differs(.checkpointContent, "\(genesis.origin) \(expected.treeSize) \(expected.rootHash.hex)", "\(cp.origin) \(cp.treeSize) \(cp.rootHash.hex)",
                "the block's checkpoint is not the tree its records make")
        if given.recordCount == 0 { finding(.blockRecordCount, block: h, found: "0", "a block with no records (an append never closes an empty block)") }
        if try !cp.isSigned(by: key) { finding(.checkpointSignature, block: h, "the checkpoint's signature does not verify with the sequencer key") }
        report.signaturesChecked += 2
    }

    // MARK: After the replay

    /// Records stored past the last block, and the stored head against the replay's.
    mutating func checkTail(_ txn: LMDBTransaction, storedHead: Result<HeadState, any Error>) throws {
        let end = report.treeSize
        var segments = SegmentReader(txn: txn, db: ledger)
        if case .success = segments.stored(end) {
            finding(.recordBeyondHead, leaf: end, "a record is stored at leaf \(end), past the last block (tree size \(end))")
        }
        let lastKey = try LMDBReadCursor(txn, ledger.records).lastKey().map { $0.count == 8 ? $0.bigEndianUInt64 : UInt64.max }
        if let lastKey, end > 0, lastKey > (end - 1) / RecordSegments.size, lastKey != end / RecordSegments.size {
            finding(.recordBeyondHead, leaf: lastKey * RecordSegments.size, "a segment of records is stored past the last block")
        }
        switch storedHead {
        case let .failure(e): finding(.ledgerHead, "the ledger's head cannot be read: \(e)")
        case let .success(head):
            let rebuilt = try scratch.read { s in try LedgerStore.headState(s, scratchDB) }
            if head.height != report.height || head.frontier.treeSize != end {
                finding(.ledgerHead, expected: "height \(report.height), tree size \(end)", found: "height \(head.height), tree size \(head.frontier.treeSize)",
                        "the ledger's head is not its last block")
            } else if head.blockHash != rebuilt.blockHash {
                finding(.ledgerHead, block: head.height, expected: rebuilt.blockHash.hex, found: head.blockHash.hex,
                        "the ledger's head names another block hash than its last block's")
            } else if let root = report.rootHash, (try? head.frontier.rootHash) != root {
                // The stored head's frontier must give the last header's root (the rebuilt one may
                // differ for a changed record, which is found at its leaf).
                finding(.ledgerHead, block: head.height, expected: root.hex, found: (try? head.frontier.rootHash)?.hex,
                        "the ledger's head (its Merkle frontier) does not give its last block's root")
            }
        }
    }

    /// Every database the ledger keeps beside its records, against the one the replay built.
    mutating func compareDatabases(_ txn: LMDBTransaction) throws {
        let pairs: [(String, LMDBDatabase, LMDBDatabase)] = [
            ("meta", ledger.meta, scratchDB.meta), ("blocks", ledger.blocks, scratchDB.blocks), ("tree", ledger.tree, scratchDB.tree),
            ("events", ledger.events, scratchDB.events), ("trace", ledger.trace, scratchDB.trace),
            ("balances", ledger.balances, scratchDB.balances), ("lineage", ledger.lineage, scratchDB.lineage),
            ("descendants", ledger.descendants, scratchDB.descendants), ("declarations", ledger.declarations, scratchDB.declarations),
            ("registry", ledger.registryLog, scratchDB.registryLog), ("lotmap", ledger.lotMap, scratchDB.lotMap),
        ]
        try scratch.read { s in
            for (i, (name, stored, rebuilt)) in pairs.enumerated() {
                var trace = StageTrace(logger)
                defer { trace.mark("audit: \(name) compared (\(report.indexEntriesCompared[name] ?? 0) entries)") }
                do {
                    report.indexEntriesCompared[name] = try compare(name, LMDBReadCursor(txn, stored), LMDBReadCursor(s, rebuilt))
                } catch {
                    finding(.unreadable, "the \(name) database cannot be read to the end: \(error)")
                }
                options.progress?(AuditProgress(stage: .indexes, done: UInt64(i + 1), total: UInt64(pairs.count)))
            }
        }
    }

    /// Walks two databases in order side by side; returns the entries compared. Both are read
    /// in read-only transactions, whose pages LMDB leaves in place until they end: entries are
    /// compared where they lie and copied only when they differ.
    mutating func compare(_ name: String, _ stored: LMDBReadCursor, _ rebuilt: LMDBReadCursor) throws -> UInt64 {
        typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
        func entry(_ c: LMDBReadCursor) throws -> Entry? { try c.next { ($0, $1) } }
        func copy(_ e: Entry) -> ([UInt8], [UInt8]) { (Array(e.key), Array(e.value)) }
        var a = try entry(stored), b = try entry(rebuilt)
        var n: UInt64 = 0
        let skipsHead = name == "meta"
        while a != nil || b != nil {
            n += 1
            guard let x = a else { differ(name, missing: copy(b!)); b = try entry(rebuilt); continue }
            guard let y = b else { differ(name, extra: copy(x)); a = try entry(stored); continue }
            let order = Self.order(x.key, y.key)
            if order == 0 {
                if Self.order(x.value, y.value) != 0, !(skipsHead && x.key.elementsEqual("head".utf8)),
                   !(name == "registry" && Self.sameJSON(Array(x.value), Array(y.value))) {
                    differ(name, key: Array(x.key), stored: Array(x.value), rebuilt: Array(y.value))
                }
                a = try entry(stored); b = try entry(rebuilt)
            } else if order < 0 {
                differ(name, extra: copy(x)); a = try entry(stored)
            } else {
                differ(name, missing: copy(y)); b = try entry(rebuilt)
            }
        }
        return n
    }

    /// Byte order of two keys or values (as LMDB orders keys): negative when `a` comes first.
    static func order(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let common = min(a.count, b.count)
        if common > 0, let p = a.baseAddress, let q = b.baseAddress {
            let r = memcmp(p, q, common)
            if r != 0 { return Int(r) }
        }
        return a.count - b.count
    }

    /// The registry log keeps each change as submitted (its members in the order given); the
    /// replay has it from the signed, canonical payload: the same change in another order.
    static func sameJSON(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard let x = try? JSONParser.parse(a), let y = try? JSONParser.parse(b) else { return false }
        return JSONWriter.canonical(x) == JSONWriter.canonical(y)
    }

    mutating func differ(_ name: String, missing: ([UInt8], [UInt8])) {
        let (what, leaf, id) = describe(name, key: missing.0, value: missing.1)
        finding(.indexMissing, block: blockOf(name, missing.0), leaf: leaf, id: id, "the \(name) index lacks \(what), which the records make")
    }

    mutating func differ(_ name: String, extra: ([UInt8], [UInt8])) {
        let (what, leaf, id) = describe(name, key: extra.0, value: extra.1)
        finding(.indexExtra, block: blockOf(name, extra.0), leaf: leaf, id: id, "the \(name) index has \(what), which no record makes")
    }

    mutating func differ(_ name: String, key: [UInt8], stored: [UInt8], rebuilt: [UInt8]) {
        let (what, leaf, id) = describe(name, key: key, value: rebuilt)
        var detail = "the \(name) index says otherwise than the records about \(what)"
        var foundLeaf: UInt64? = nil
        if name == "tree", stored.count == rebuilt.count {
            // The first node of the tile that differs, and the leaves under it.
            let level = Int(key[0]), tile = Array(key[1...]).bigEndianUInt64
            if let slot = (0..<stored.count / 32).first(where: { stored[$0 * 32..<$0 * 32 + 32] != rebuilt[$0 * 32..<$0 * 32 + 32] }) {
                let node = tile * TreeTiles.width + UInt64(slot)
                let first = node << UInt64(level), last = ((node + 1) << UInt64(level)) - 1
                detail = "the stored tree node over leaves \(first)–\(last) (level \(level)) is not the hash of those records"
            }
        }
        if name == "events" || name == "declarations", stored.count >= 8 { foundLeaf = Array(stored[0..<8]).bigEndianUInt64 }
        finding(.indexEntry, block: blockOf(name, key), leaf: leaf ?? foundLeaf, id: id, expected: Hex.encode(rebuilt.prefix(48)), found: Hex.encode(stored.prefix(48)),
                detail + (foundLeaf != nil && leaf != nil && foundLeaf != leaf ? " (it points at leaf \(foundLeaf!))" : ""))
    }

    /// The block a `blocks` entry is (nil for other databases).
    func blockOf(_ name: String, _ key: [UInt8]) -> UInt64? { name == "blocks" && key.count == 8 ? key.bigEndianUInt64 : nil }

    /// An entry in words, with the leaf and event it concerns when its key or value names one.
    func describe(_ name: String, key: [UInt8], value: [UInt8]) -> (String, UInt64?, EventID?) {
        func u64(_ b: ArraySlice<UInt8>) -> UInt64 { Array(b).bigEndianUInt64 }
        switch name {
        case "events" where key.count == 32 && value.count == 16:
            let id = (try? SHA256Digest(bytes: key)).map { EventID(digest: $0) }
            return ("the entry of event \(id?.uri ?? Hex.encode(key)) (leaf \(u64(value[0..<8])))", u64(value[0..<8]), id)
        case "declarations" where key.count == 32 && value.count == 8:
            let id = (try? SHA256Digest(bytes: key)).map { EventID(digest: $0) }
            return ("the declaration of event \(id?.uri ?? Hex.encode(key)) at leaf \(u64(value[0..<8]))", u64(value[0..<8]), id)
        case "trace" where key.count > 9:
            let leaf = u64(key[(key.count - 8)...])
            return ("\(StoredTraceKey.decode(key[..<(key.count - 9)]).rawValue) named at leaf \(leaf)", leaf, nil)
        case "lineage", "descendants":
            let leaf = value.count >= 8 ? u64(value[0..<8]) : nil
            return ("an edge of \(StoredTraceKey.decode(key).rawValue)\(leaf.map { " made at leaf \($0)" } ?? "")", leaf, nil)
        case "balances":
            return ("the balance of lot \(StoredTraceKey.decode(key).rawValue)", nil, nil)
        case "registry" where key.count == 8:
            return ("the registry change at leaf \(u64(key[0..<8]))", u64(key[0..<8]), nil)
        case "blocks" where key.count == 8:
            return ("block \(u64(key[0..<8]))", nil, nil)
        case "tree" where key.count == 9:
            return ("the tile at level \(key[0]), index \(u64(key[1...]))", nil, nil)
        case "lotmap":
            return ("the lot map node at path \(Hex.encode(key))", nil, nil)
        default:
            return ("the entry \(String(decoding: key, as: UTF8.self).allSatisfy { $0.isASCII && !$0.isWhitespace } ? String(decoding: key, as: UTF8.self) : Hex.encode(key))", nil, nil)
        }
    }
}

/// A fixed-size filter of SHA-256 digests (a Bloom filter of 2^27 bits, 16 MiB, whatever the
/// ledger's size): `mayContain` is true for every digest inserted and, at a million digests, for
/// about one other in 5,000. Digests are uniformly random, so two of their words are the hashes.
final class DigestFilter {
    private static let bits = 1 << 27
    private let words: UnsafeMutablePointer<UInt64>

    init() {
        words = .allocate(capacity: Self.bits / 64)
        words.initialize(repeating: 0, count: Self.bits / 64)
    }

    deinit { words.deallocate() }

    private static func positions(_ raw: UnsafeRawBufferPointer) -> (Int, Int) {
        guard raw.count >= 16 else { return (0, 0) }
        let mask = UInt64(bits - 1)
        return (Int(raw.loadUnaligned(as: UInt64.self) & mask), Int(raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) & mask))
    }

    @inline(__always) private func set(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }
    @inline(__always) private func test(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }

    /// Adds a digest given as its bytes (an `events` key).
    func insert(_ raw: UnsafeRawBufferPointer) {
        let (a, b) = Self.positions(raw)
        set(a)
        set(b)
    }

    func insert(_ digest: SHA256Digest) { digest.withUnsafeBytes { insert($0) } }

    /// False when `digest` was surely never inserted.
    func mayContain(_ digest: SHA256Digest) -> Bool {
        digest.withUnsafeBytes { raw in
            let (a, b) = Self.positions(raw)
            return test(a) && test(b)
        }
    }
}

