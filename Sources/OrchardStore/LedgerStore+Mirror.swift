// A mirror: a ledger of its own built from a published log (Docs/PUBLISH.md), holding no sequencer
// key. Every record it takes is checked as an append checks it — signature with the key the
// registry gave its signer at its leaf, every append rule — and every block closes where the
// published header says, with that header checked against what the records make (previous hash,
// leaves, tree root, lot map root) and the sequencer's signatures on it and on its checkpoint.
// Anything that does not verify is refused and nothing is written; the mirror then serves
// (`orchard serve`) exactly what the sequencer signed.
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// Why a mirror refused what it was given.
public struct MirrorRefusal: CategorizedError, Sendable, Equatable {
    public let height: UInt64?
    public let leaf: UInt64?
    public let reason: String
    public var category: FailureCategory { .verificationFailed }

    public init(height: UInt64?, leaf: UInt64?, reason: String) {
        self.height = height
        self.leaf = leaf
        self.reason = reason
    }

    public var description: String {
        [height.map { "block \($0)" }, leaf.map { "leaf \($0)" }].compactMap { $0 }.joined(separator: ", ")
            + (height == nil && leaf == nil ? "" : ": ") + reason
    }
}

extension LedgerStore {
    /// Creates a mirror ledger in `directory` from a published log's genesis record (leaf 0's record
    /// bytes) and block 0, both checked: block 0 must be the sequencer's signed header over exactly
    /// that record.
    public static func createMirror(directory: String, genesisRecord bytes: [UInt8], block0: SignedBlock) throws -> LedgerStore {
        let record: SignedRecord
        let genesis: Genesis
        do {
            record = try SignedRecord(recordBytes: bytes)
            guard record.kind == .genesis, record.recordBytes == bytes else { throw LedgerFormatError("leaf 0 is not a genesis record in canonical form") }
            genesis = try Genesis(json: record.payload)
        } catch {
            throw MirrorRefusal(height: 0, leaf: 0, reason: "the genesis record does not read: \(error)")
        }
        var frontier = MerkleFrontier()
        let writes = try frontier.append(leafHash: try MerkleHash.leaf(bytes))
        let h = block0.header
        guard h.height == 0, h.firstLeaf == 0, h.recordCount == 1, h.treeSize == 1, h.rootHash == (try frontier.rootHash),
              h.previousHash == zeroDigest, h.sequencer == genesis.sequencerKey.keyID else {
            throw MirrorRefusal(height: 0, leaf: nil, reason: "block 0 is not the header of this genesis record")
        }
        guard try genesis.sequencerKey.isValidSignature(block0.signature, for: h.signingMessage(origin: genesis.origin)),
              try block0.checkpoint.isSigned(by: genesis.sequencerKey), block0.checkpoint.rootHash == h.rootHash else {
            throw MirrorRefusal(height: 0, leaf: nil, reason: "block 0 is not signed by the genesis's sequencer key")
        }
        let fm = FileManager.default
        let data = directory + "/" + dataDir
        if fm.fileExists(atPath: data) { throw StoreError.alreadyExists(path: directory) }
        do { try fm.createDirectory(atPath: data, withIntermediateDirectories: true) } catch {
            throw StoreError.io(path: data, reason: "cannot create the mirror's directory: \(Self.reason(error))")
        }
        var done = false
        defer { if !done { try? fm.removeItem(atPath: data) } }
        let env = try LMDBEnvironment(directory: data)
        let schema = try LedgerSchema(env: env)
        try writeGenesis(record, block: block0, frontier: frontier, nodes: writes, env: env, schema: schema)
        let store = try LedgerStore(directory: directory, env: env, schema: schema)
        done = true
        return store
    }

    /// Appends a published stretch: `records` (record bytes, from the mirror's tree size on) in the
    /// published `blocks` that hold them (consecutive, from the mirror's next height, each
    /// holding its `recordCount` of the records). All or nothing: the first record or header that
    /// does not verify refuses the whole stretch.
    public func appendMirrored(records: [[UInt8]], blocks: [SignedBlock]) throws {
        guard !blocks.isEmpty else { return }
        writerLock.lock()
        defer { writerLock.unlock() }
        let fileLock = try DirectoryLock(directory + "/write.lock")
        defer { fileLock.release() }
        let planner = AppendPlanner(genesis: genesis, logger: logger)
        var inputs = [RecordInput]()
        inputs.reserveCapacity(records.count)
        for r in records {
            // The stored form is what the ledger keeps; stage A rebuilds the record bytes from it
            // (and refuses a form that is not what the record makes of it).
            guard let signed = try? SignedRecord(recordBytes: r), signed.recordBytes == r else {
                throw MirrorRefusal(height: nil, leaf: nil, reason: "a published entry is not a signed record in canonical form")
            }
            inputs.append(.stored(signed.storedForm))
        }
        let (registryAfter, sizeAfter) = try env.writeOrDiscard(logger: logger) { txn in
            let head = try Self.headState(txn, db)
            let start = try currentRegistry(txn)
            var plan = AppendPlan(registry: start)
            var lotMapRoot = try Self.block(txn, db, height: head.height).header.lotMapRoot
            var writer = BatchWriter(head: head, lotMapRoot: lotMapRoot, sealing: .mirror, genesis: genesis, db: db, logger: logger)
            let state = StoreStateReader(txn: txn, db: db)
            let stream = PreparedStream(inputs, planner: planner, registry: start)
            defer { stream.cancel() }
            var pending = [PreparedRecord]()
            var leaf = head.frontier.treeSize
            var expectedHeight = head.height + 1
            for block in blocks {
                let h = block.header
                guard h.height == expectedHeight, h.firstLeaf == leaf, h.recordCount > 0,
                      h.recordCount <= UInt64(genesis.rules.maxRecordsPerBlock) else {
                    throw MirrorRefusal(height: h.height, leaf: nil, reason: "the published block does not follow the mirror's head (height \(expectedHeight), leaf \(leaf) expected)")
                }
                let count = Int(h.recordCount)
                while pending.count < count, let more = stream.next() { pending += more }
                guard pending.count >= count else {
                    throw MirrorRefusal(height: h.height, leaf: leaf, reason: "the block holds \(count) records; fewer were published")
                }
                let batch = Array(pending.prefix(count))
                pending.removeFirst(count)
                let nowMillis = (try? EPCISTimestamp(h.time).millisecondsSinceEpoch) ?? currentMillis()
                let before = plan.records.count, problemsBefore = plan.problems.count
                try planner.apply(batch, to: &plan, treeSize: head.frontier.treeSize, state: state, nowMillis: nowMillis, replaying: true)
                if let problem = plan.problems[problemsBefore...].first {
                    throw MirrorRefusal(height: h.height, leaf: head.frontier.treeSize + UInt64(problem.index),
                                        reason: "\(problem.code.rawValue)\(problem.path.isEmpty ? "" : " at \(problem.path)"): \(problem.reason)")
                }
                try writer.add(plan.records, range: before ..< plan.records.count, txn: txn)
                let expected = try writer.closeReplayedBlock(block, txn: txn)
                let key = genesis.sequencerKey
                func check(_ ok: Bool, _ what: String) throws { if !ok { throw MirrorRefusal(height: h.height, leaf: nil, reason: what) } }
                try check(h.previousHash == expected.previousHash, "previousHash is not the hash of the block before")
                try check(h.treeSize == expected.treeSize, "treeSize is not where the block's records end")
                try check(h.rootHash == expected.rootHash, "the tree root the records make differs from the header's")
                try check(h.lotMapRoot == expected.lotMapRoot, "the lot map root the records make differs from the header's")
                try check(h.sequencer == key.keyID, "the block names another sequencer key than the genesis's")
                try check(try key.isValidSignature(block.signature, for: h.signingMessage(origin: genesis.origin)),
                          "the sequencer's signature on the header does not verify")
                try check(block.checkpoint.origin == genesis.origin && block.checkpoint.treeSize == h.treeSize
                          && block.checkpoint.rootHash == h.rootHash && (try block.checkpoint.isSigned(by: key)),
                          "the block's checkpoint is not the sequencer's signed note of its tree")
                lotMapRoot = expected.lotMapRoot
                leaf += h.recordCount
                expectedHeight += 1
            }
            guard pending.isEmpty, stream.next() == nil else {
                throw MirrorRefusal(height: nil, leaf: leaf, reason: "more records were given than the blocks hold")
            }
            try writer.finishReplay(plan, txn: txn)
            return ((plan.registry, writer.frontier.treeSize), commit: true)
        }
        setRegistry(registryAfter, syncedTo: sizeAfter)
    }
}

extension LedgerStore {
    /// Whether this ledger directory holds the sequencer's key (a mirror does not: it only reads,
    /// and takes blocks the sequencer signed).
    public var holdsSequencerKey: Bool { FileManager.default.fileExists(atPath: directory + "/" + Self.sequencerKeyFile) }
}
