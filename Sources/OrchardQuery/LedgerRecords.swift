// Reading records as a verifier needs them: by event ID (checked to be that event), by leaf, a
// block with its leaves, and the registry as recorded. Each answer carries the exact record
// bytes and signature, so nothing has to be read out of LMDB by hand.
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore

/// One record of the ledger with where it is and who signed it.
public struct RecordView: Sendable {
    public let leafIndex: UInt64
    public let blockHeight: UInt64
    public let record: SignedRecord
    /// The canonical record bytes (the Merkle leaf data).
    public let recordBytes: [UInt8]
    /// The CBV 2.0 event ID (event records), or the SHA-256 of the record bytes under which a
    /// registry record is indexed.
    public let eventID: EventID?
    /// The participant whose key signed the event, as registered at that leaf.
    public let signer: Participant?
    /// Set when a later record declared this event erroneous.
    public var declaredErroneous: Declaration? = nil
    /// Set when this record is itself an error declaration: what it declares.
    public var declaration: ErrorDeclaration? {
        record.kind == .event ? ErrorDeclaration(event: record.payload) : nil
    }

    /// An error declaration of an event: where it is, who made it, what it says.
    public struct Declaration: Sendable {
        public let leafIndex: UInt64
        public let blockHeight: UInt64
        /// The participant who declared it, or nil for the programme authority.
        public let declaredBy: String?
        public let declaration: ErrorDeclaration
    }

    public var leafHash: SHA256Digest { get throws { try MerkleHash.leaf(recordBytes) } }
}

extension LedgerStore {
    /// The event with this ID (`ni:///sha-256;…?ver=CBV2.0`). The record the index points at is
    /// checked to be that event (its ID recomputed): an index that points elsewhere is a
    /// ``VerificationFinding`` (`index.entry`), never a wrong answer.
    public func event(_ idText: String) throws -> RecordView {
        guard let id = EventID(uri: idText) else { throw QueryError.notAnEventID(idText) }
        return try event(id)
    }

    /// The event with this ID (see ``event(_:)-(String)``).
    public func event(_ id: EventID) throws -> RecordView {
        guard let location = try location(of: id) else { throw StoreError.notFound(.event(id.uri)) }
        var view = try record(atLeaf: location.leafIndex, blockHeight: location.blockHeight)
        if let leaf = try declaration(of: id) {
            let declaring = try record(atLeaf: leaf)
            if let d = declaring.declaration {
                view.declaredErroneous = RecordView.Declaration(leafIndex: leaf, blockHeight: declaring.blockHeight,
                                                                declaredBy: declaring.signer?.id, declaration: d)
            }
        }
        guard view.eventID == id else {
            throw VerificationFinding(.indexEntry, blockHeight: location.blockHeight, leafIndex: location.leafIndex, eventID: id,
                                      expected: id.uri, found: view.eventID?.uri ?? "a \(view.record.kind.rawValue) record",
                                      detail: "the events index points at a record that is not this event")
        }
        return view
    }

    /// The record at `leaf` (genesis, event or registry change).
    public func record(atLeaf leaf: UInt64) throws -> RecordView {
        try record(atLeaf: leaf, blockHeight: try blockHeight(containing: leaf))
    }

    private func record(atLeaf leaf: UInt64, blockHeight: UInt64) throws -> RecordView {
        let bytes = try recordBytes(leaf: leaf)
        let record: SignedRecord
        do { record = try SignedRecord(recordBytes: bytes) } catch {
            throw StoreError.corrupt(.record(leaf: leaf, reason: "\(error)"))
        }
        var id: EventID?
        var signer: Participant?
        switch record.kind {
        case .event:
            id = try? EventID.compute(for: record.payload, context: record.payload["@context"])
            if let key = record.signer { signer = try? registry.signer(key, atLeaf: leaf).get().1 }
        case .registry:
            id = EventID(digest: try SHA256.hash(bytes))
        case .genesis:
            break
        }
        return RecordView(leafIndex: leaf, blockHeight: blockHeight, record: record, recordBytes: bytes, eventID: id, signer: signer)
    }

    /// A block and the leaves it holds.
    public func blockView(height: UInt64) throws -> BlockView {
        BlockView(block: try block(height: height))
    }
}

/// A block as shown: the signed block and its leaf range.
public struct BlockView: Sendable {
    public let block: SignedBlock
    public var header: BlockHeader { block.header }
    /// The leaves the block holds, in order.
    public var leaves: Range<UInt64> { header.firstLeaf..<header.treeSize }
}
