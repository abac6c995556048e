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
    /// RFC 9162 inclusion proof. The lineage claim (`lots`) is derived from the events. The bundle
    /// is verified (against this ledger's genesis hash) before it is returned.
    /// - Parameters:
    ///   - subject: the lot, case or pallet the journey is about (some event must name it).
    ///   - code: the code as the user gave it, kept for display.
    ///   - leaves: the journey's event leaves, in any order (repeats ignored).
    /// - Throws: ``BundleRequestError`` for leaves that are not event records of this ledger,
    ///   ``BundleFailure`` when the bundle does not verify (e.g. the subject is named by no event,
    ///   or a transformation input has no earlier event among `leaves`), store errors.
    public func bundle(subject: TraceKey, code: String?, leaves: [UInt64]) throws -> TraceBundle {
        let head = try self.head()
        let checkpoint = head.checkpoint
        let size = checkpoint.treeSize
        let registry = try self.registry
        var events = [TraceRecord]()
        var lastEvent = [String: UInt64]()
        for leaf in Set(leaves).sorted() {
            guard leaf > 0, leaf < size else {
                throw BundleRequestError(leaf: leaf, reason: leaf == 0 ? "leaf 0 is the genesis record, not an event" : "not in the tree of \(size) leaves")
            }
            let record: TraceRecord
            do { record = try TraceRecord(leafIndex: leaf, recordBytes: try recordBytes(leaf: leaf)) } catch let e as TraceRecord.Unreadable {
                throw BundleRequestError(leaf: leaf, reason: e.reason)
            }
            events.append(record)
            if let key = record.record.signer, let participant = registry.keys[key]?.participantID {
                lastEvent[participant] = leaf
            }
        }
        let registryLeaves = try registryChanges().filter { change in
            change.leaf < size && lastEvent[change.change.participantID].map { change.leaf < $0 } == true
        }.map(\.leaf)

        var hashes = [SHA256Digest](), hashIndex = [SHA256Digest: Int]()
        var entries = [TraceBundle.Entry]()
        for leaf in ([0] + registryLeaves + events.map(\.leafIndex)).sorted() {
            let bytes = try recordBytes(leaf: leaf)
            // Record bytes travel as a JSON string: they must be UTF-8 to round-trip exactly.
            guard String(validating: bytes, as: UTF8.self) != nil else {
                throw BundleRequestError(leaf: leaf, reason: "the record bytes are not UTF-8")
            }
            let proof = try inclusionProof(leaf: leaf, treeSize: size).proof.map { hash in
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
        _ = try BundleVerifier.verify(bundle, trust: .genesisHash(genesisHash))
        return bundle
    }
}

extension LedgerStore {
    /// The bundle of `key`'s backward journey (the leaves ``traceLeaves(of:direction:treeSize:)``
    /// finds), against the head's checkpoint.
    public func bundle(for key: TraceKey, code: String? = nil) throws -> TraceBundle {
        let size = try head().header.treeSize
        let leaves = try traceLeaves(of: key, direction: .backward, treeSize: size)
        guard !leaves.isEmpty else { throw QueryError.unknownCode(key.rawValue) }
        return try bundle(subject: key, code: code, leaves: leaves)
    }
}
