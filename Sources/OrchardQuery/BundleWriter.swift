// Writing a bundle from the ledger: the journey's event records (chosen by the caller, e.g. the
// trace), the genesis record and the registry records that establish their signers' keys, all
// proven against the head's checkpoint, with shared proof hashes stored once. The bundle is
// verified before it is handed out, as every lookup here is.
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTrace

/// Why a bundle could not be written as asked.
public struct BundleRequestError: Error, CategorizedError, Sendable, Equatable {
    public let leaf: UInt64?
    public let reason: String
    public var category: FailureCategory { .usage }
    public var description: String { leaf.map { "bundle: leaf \($0): \(reason)" } ?? "bundle: \(reason)" }
}

extension LedgerStore {
    /// A bundle of the events at `leaves` about `subject`, against the head's signed checkpoint.
    ///
    /// It carries leaf 0, every registry record naming a participant who signed one of the
    /// events at a leaf before that participant's last event here, and the events; each with its
    /// RFC 9162 inclusion proof. The lineage claim (`lots`) is derived from the events. Before it is
    /// returned, every proof is checked against the checkpoint's root and the lineage rule of
    /// Docs/BUNDLE.md step 4.2 is applied; signatures are not re-checked here (the ledger checked
    /// them on append; run ``BundleVerifier`` for the full offline check, as `orchard bundle` does).
    /// - Parameters:
    ///   - subject: the lot, case or pallet the journey is about (some event must name it).
    ///   - code: the code as the user gave it, kept for display.
    ///   - leaves: the journey's event leaves, in any order (repeats ignored).
    /// - Throws: ``BundleRequestError`` for leaves that are not event records of this ledger,
    ///   ``BundleFailure`` when the bundle does not verify (e.g. the subject is named by no event,
    ///   or a transformation input has no earlier event among `leaves`), store errors.
    public func bundle(subject: TraceKey, code: String?, leaves: [UInt64]) throws -> TraceBundle {
        try bundle(subject: subject, code: code, leaves: leaves, direction: .backward, at: try self.head())
    }

    /// ``bundle(subject:code:leaves:)`` against the checkpoint of `head` (a block of this ledger).
    func bundle(subject: TraceKey, code: String?, leaves: [UInt64], direction: TraceDirection, at head: SignedBlock,
                records known: [UInt64: TraceRecord] = [:]) throws -> TraceBundle {
        let checkpoint = head.checkpoint
        let size = checkpoint.treeSize
        let registry = try self.registry
        var events = [TraceRecord]()
        var lastEvent = [String: UInt64]()
        let wanted = Set(leaves).sorted()
        for leaf in wanted where leaf == 0 || leaf >= size {
            throw BundleRequestError(leaf: leaf, reason: leaf == 0 ? "leaf 0 is the genesis record, not an event" : "not in the tree of \(size) leaves")
        }
        // Records the caller already read (the walk's) are not read and parsed again.
        let unknown = wanted.filter { known[$0] == nil }
        let read = try recordBytes(leaves: unknown)
        var parsed = parallelMap(Array(zip(unknown, read)), minChunk: 8) { leaf, bytes in
            Result { () throws(TraceRecord.Unreadable) in try TraceRecord(leafIndex: leaf, recordBytes: bytes) }
        }
        if !known.isEmpty {
            parsed += wanted.compactMap { known[$0] }.map { .success($0) }
            parsed.sort { (try? $0.get().leafIndex) ?? 0 < (try? $1.get().leafIndex) ?? 0 }
        }
        for result in parsed {
            let record: TraceRecord
            switch result {
            case let .success(r): record = r
            case let .failure(e): throw BundleRequestError(leaf: e.leafIndex, reason: e.reason)
            }
            let leaf = record.leafIndex
            events.append(record)
            if let key = record.record.signer, let participant = registry.keys[key]?.participantID {
                lastEvent[participant] = leaf
            }
        }
        let registryLeaves = lastEvent.flatMap { participant, last in
            (registry.changeLeaves[participant] ?? []).filter { $0 < last && $0 < size }
        }

        var hashes = [SHA256Digest](), hashIndex = [SHA256Digest: Int]()
        var entries = [TraceBundle.Entry]()
        let all = ([0] + registryLeaves + events.map(\.leafIndex)).sorted()
        let proofs = try inclusionProofs(leaves: all, treeSize: size)
        let eventBytes = Dictionary(uniqueKeysWithValues: events.map { ($0.leafIndex, $0.recordBytes) })
        for (leaf, leafProof) in zip(all, proofs) {
            let bytes = try eventBytes[leaf] ?? recordBytes(leaf: leaf)
            // Record bytes travel as a JSON string: they must be UTF-8 to round-trip exactly.
            guard String(validating: bytes, as: UTF8.self) != nil else {
                throw BundleRequestError(leaf: leaf, reason: "the record bytes are not UTF-8")
            }
            let proof = leafProof.map { hash in
                if let i = hashIndex[hash] { return i }
                hashIndex[hash] = hashes.count
                hashes.append(hash)
                return hashes.count - 1
            }
            entries.append(TraceBundle.Entry(leaf: leaf, recordBytes: bytes, proof: proof))
        }
        let block0 = try block(height: 0)
        let bundle = TraceBundle(origin: genesis.origin, subject: subject, code: code, checkpoint: checkpoint.text,
                                 genesisBlock: .init(headerBytes: block0.header.canonicalBytes, signature: block0.signature),
                                 records: entries, hashes: hashes, lots: TraceBundle.lots(of: events))
        // What the writer itself could get wrong is checked here, cheaply: each proof leads from
        // its record to the checkpoint's root, and the journey does not start in the middle.
        // Signatures were verified when the records were appended; `orchard bundle` and every
        // reader run the full BundleVerifier.
        for (entry, leafProof) in zip(entries, proofs) {
            try MerkleVerifier.verifyInclusion(leafHash: try MerkleHash.leaf(entry.recordBytes), leafIndex: entry.leaf, treeSize: size,
                                               proof: leafProof, root: checkpoint.rootHash)
        }
        if direction == .backward { try BundleVerifier.checkLineage(bundle.lots, events: events, subject: subject) }
        guard bundle.lots.contains(where: { $0.key == subject }) else {
            throw BundleFailure(.subjectUnnamed, path: "subject", reason: "no event among the given leaves names \(subject.rawValue)")
        }
        return bundle
    }
}

extension LedgerStore {
    /// The bundle of `key`'s journey — backward to the farms, or forward (a recall) — with the lot
    /// map openings that prove it complete: the events ``JourneyWalk`` requires, against the head
    /// block's checkpoint, and for every identifier the walk consulted, every event naming it (a
    /// leaf hash for those not carried) and the map proof under the block's `lotMapRoot`.
    public func bundle(for key: TraceKey, code: String? = nil, direction: TraceDirection = .backward) throws -> TraceBundle {
        for _ in 0..<3 {
            let headBlock = try block(height: try head().header.height)
            let size = headBlock.header.treeSize
            let source = StoreJourneySource(store: self, treeSize: size)
            let walk = direction == .backward ? try JourneyWalk.backward(key, treeSize: size, source: source)
                : try JourneyWalk.forward(key, treeSize: size, source: source)
            guard !walk.leaves.isEmpty else { throw QueryError.unknownCode(key.rawValue) }
            let carried = Set(walk.leaves)
            let (mapBlock, openings) = try lotMapOpenings(walk.spans.keys.sorted(), withoutHashesOf: carried, leaves: source.cachedLeaves)
            // The openings come from the head as it is now: if a block landed meanwhile, again.
            guard mapBlock.header.treeSize == size else { continue }
            var bundle = try bundle(subject: key, code: code, leaves: walk.leaves, direction: direction, at: headBlock,
                                    records: source.cachedRecords)
            bundle.direction = direction
            bundle.lotMap = TraceBundle.LotMapSection(
                block: .init(headerBytes: mapBlock.header.canonicalBytes, signature: mapBlock.signature),
                openings: openings.map { o in
                    TraceBundle.Opening(key: o.key, events: o.events.map { ($0.leaf, $0.leafHash) }, proof: o.proof)
                })
            return bundle
        }
        throw StoreError.ledgerMovedOn
    }

    /// The bundle for a trace code, checked offline — every signature, proof and claim, from the
    /// ledger's genesis hash, as a consumer's app will check it — before it is handed out.
    public func verifiedBundle(for key: TraceKey, code: String? = nil, direction: TraceDirection = .backward) throws -> TraceBundle {
        let bundle = try self.bundle(for: key, code: code, direction: direction)
        _ = try BundleVerifier.verify(bundle, trust: .genesisHash(genesisHash))
        return bundle
    }
}
