// The lot map as a reader needs it: an opening of an identifier's value (its events with their
// leaf hashes, the value, the map proof) against the head block's header, all from one snapshot;
// and the map recomputed from the records, every committed root compared.
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// What the lot map commits to for one identifier, and the proof of it.
public struct LotMapOpening: Sendable {
    public let key: TraceKey
    public let keyHash: SHA256Digest
    /// The committed value; nil when no event names the key (the proof is then of absence).
    public let value: LotMapValue?
    public let proof: LotMapProof
    /// Every event naming the key up to the head, in leaf order, with its RFC 9162 leaf hash
    /// (nil for the leaves the caller said it has): folding them into ``LotMapValue/empty`` gives
    /// ``value``.
    public let events: [(leaf: UInt64, leafHash: SHA256Digest?)]
}

extension LedgerStore {
    /// The head block (whose header commits to the map's root) and an opening of each key, read
    /// in one snapshot so the proofs and the header agree.
    /// Leaf hashes of `withoutHashesOf` are left out (the caller carries those records).
    /// `leaves` may give the leaves naming some keys, already read from the trace index up to the
    /// head's tree size (they are not read again).
    public func lotMapOpenings(_ keys: [TraceKey], withoutHashesOf known: Set<UInt64> = [],
                               leaves: [TraceKey: [UInt64]] = [:]) throws -> (head: SignedBlock, openings: [LotMapOpening]) {
        try env.read { txn in
            let head = try Self.headState(txn, db)
            let block = try Self.block(txn, db, height: head.height)
            // The keys' paths share their upper levels: each node is read and decoded once.
            let reader = CachingLotMapReader(StoreLotMapReader(txn: txn, db: db))
            let state = StoreStateReader(txn: txn, db: db)
            var leafHashes = [UInt64: SHA256Digest]()
            let openings = try keys.map { key in
                let keyHash = try LotMapHash.key(key)
                let naming = try leaves[key] ?? state.events(naming: key).map(\.leaf).filter { $0 < head.frontier.treeSize }
                let events = try naming.map { leaf -> (UInt64, SHA256Digest?) in
                    if known.contains(leaf) { return (leaf, nil) }
                    if let h = leafHashes[leaf] { return (leaf, h) }
                    let h = try MerkleHash.leaf(try SignedRecord.recordBytes(storedForm: try Self.storedRecord(txn, db, leaf: leaf)))
                    leafHashes[leaf] = h
                    return (leaf, h)
                }
                let (proof, value) = try LotMap.proofAndValue(for: keyHash, reader: reader)
                return LotMapOpening(key: key, keyHash: keyHash, value: value, proof: proof, events: events)
            }
            return (block, openings)
        }
    }

    /// Recomputes the lot map from the records, block by block, and compares each block header's
    /// `lotMapRoot` with it; then compares every stored map node with the recomputed tree. A
    /// finding names the first block whose root differs, and each node that differs by its path.
    public func verifyLotMap() throws -> VerificationReport {
        var report = VerificationReport()
        let head = try self.head().header
        var map = LotMapMemoryStore()
        var values = [SHA256Digest: LotMapValue]()
        var reportedRoot = false
        for height in 1...max(1, head.height) where head.height >= 1 {
            let header = try block(height: height).header
            let leaves = Array(header.firstLeaf..<header.treeSize)
            let bytes = try recordBytes(leaves: leaves)
            // Parse on all cores: each record's named identifiers and leaf hash.
            let named = parallelMap(Array(zip(leaves, bytes)), minChunk: 64) { leaf, b -> (UInt64, [TraceKey], SHA256Digest?) in
                let hash = try? MerkleHash.leaf(b)
                guard let r = try? SignedRecord(recordBytes: b), r.kind == .event,
                      let e = try? EPCISEvent(json: r.payload, index: 0) else { return (leaf, [], hash) }
                return (leaf, e.namedIdentifiers.map(\.key), hash)
            }
            var changed = [SHA256Digest: LotMapValue]()
            for (leaf, keys, hash) in named {
                guard let hash else {
                    report.findings.append(VerificationFinding(.unreadable, blockHeight: height, leafIndex: leaf, detail: "the record cannot be hashed"))
                    continue
                }
                for key in keys {
                    let k = try LotMapHash.key(key)
                    var v = changed[k] ?? values[k] ?? .empty
                    try v.append(leaf: leaf, leafHash: hash)
                    changed[k] = v
                }
            }
            for (k, v) in changed { values[k] = v }
            let root = try map.update(changed.map { ($0.key, $0.value) })
            report.recordsChecked += leaves.count
            report.blocksChecked.append(height)
            if root != header.lotMapRoot, !reportedRoot {
                reportedRoot = true
                report.findings.append(VerificationFinding(.lotMapRoot, blockHeight: height, expected: root.hex, found: header.lotMapRoot.hex,
                                                           detail: "the block's lot map root is not the one its records make"))
            }
        }
        // Every stored node, against the recomputed tree.
        try env.read { txn in
            var seen = 0
            try txn.scan(db.lotMap) { k, v in
                seen += 1
                let path = try? LotMapPath(encoded: k)
                let stored = try? LotMapNode(encoded: v)
                if path == nil || stored == nil || path.flatMap({ map.nodes[$0] }) != stored {
                    report.findings.append(VerificationFinding(.lotMapNode, expected: path.flatMap { map.nodes[$0] }.map { Hex.encode($0.encoded) } ?? "no node",
                                                               found: Hex.encode(v), detail: "lot map node at path \(Hex.encode(k)) differs from the one the records make"))
                }
                return report.findings.count < 100
            }
            if seen < map.nodes.count, report.findings.count < 100 {
                report.findings.append(VerificationFinding(.lotMapNode, expected: "\(map.nodes.count) nodes", found: "\(seen) nodes",
                                                           detail: "lot map nodes are missing from storage"))
            }
        }
        return report
    }
}
