// The record-by-record part of bundle verification: from the trust anchor to the genesis record
// (GenesisCheck), then each record in leaf order — what it is, who signed it, the registry as it
// stood at its leaf, and its inclusion in the checkpoint's tree (RecordReplay).
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// Trust anchor → block 0 → leaf 0 → genesis (sequencer and authority keys, origin).
enum GenesisCheck {
    static func run(_ bundle: TraceBundle, trust: TrustAnchor) throws(BundleFailure) -> (Genesis, SHA256Digest) {
        let headerBytes = bundle.genesisBlock.headerBytes
        let ledgerID = try BundleVerifier.crypto { () throws(CryptoError) in try SHA256.hash(headerBytes) }
        if case let .genesisHash(trusted) = trust, ledgerID != trusted {
            throw BundleFailure(.trustAnchor, path: "genesisBlock.header",
                                reason: "the bundle is of another ledger: its genesis block hashes to \(ledgerID.hex), the trusted genesis hash is \(trusted.hex)")
        }
        guard let first = bundle.records.first, first.leaf == 0 else {
            throw BundleFailure(.genesisRecord, leaf: 0, path: "records[0]", reason: "the bundle does not start with the genesis record (leaf 0)")
        }
        let genesis = try readGenesis(first.recordBytes)
        if case let .verifierKey(key) = trust {
            guard genesis.origin == key.name else {
                throw BundleFailure(.trustAnchor, leaf: 0, reason: "the bundle is of ledger \"\(genesis.origin)\", but the trusted verifier key is of \"\(key.name)\"")
            }
            guard genesis.sequencerKey == key.key else {
                throw BundleFailure(.trustAnchor, leaf: 0,
                                    reason: "the bundle's genesis names sequencer key \(genesis.sequencerKey.keyID), but the trusted verifier key is \(key.key.keyID)")
            }
        }
        try checkHeader(bundle.genesisBlock, genesis: genesis, genesisRecord: first.recordBytes)
        return (genesis, ledgerID)
    }

    private static func readGenesis(_ bytes: [UInt8]) throws(BundleFailure) -> Genesis {
        func fail(_ reason: String) -> BundleFailure { BundleFailure(.genesisRecord, leaf: 0, path: "records[0].record", reason: reason) }
        let record: SignedRecord
        do { record = try SignedRecord(recordBytes: bytes) } catch { throw fail("not a record: \(error)") }
        guard record.kind == .genesis else { throw fail("leaf 0 must be the genesis record, not a \(record.kind.rawValue) record") }
        guard record.recordBytes == bytes else { throw fail("the genesis record is not in canonical (RFC 8785) form") }
        do { return try Genesis(json: record.payload) } catch { throw fail("not a valid genesis document: \(error)") }
    }

    /// Block 0 holds exactly leaf 0 and is signed by the genesis sequencer key.
    private static func checkHeader(_ block: TraceBundle.GenesisBlock, genesis: Genesis, genesisRecord: [UInt8]) throws(BundleFailure) {
        func fail(_ reason: String) -> BundleFailure { BundleFailure(.genesisBlock, path: "genesisBlock", reason: reason) }
        let header: BlockHeader
        do { header = try BlockHeader(json: try JSONParser.parse(block.headerBytes)) } catch { throw fail("the header is not a block header: \(error)") }
        guard header.canonicalBytes == block.headerBytes else { throw fail("the header is not in canonical (RFC 8785) form") }
        guard header.height == 0, header.firstLeaf == 0, header.recordCount == 1, header.treeSize == 1, header.previousHash == zeroDigest else {
            throw fail("not a genesis block header (height 0, firstLeaf 0, recordCount 1, treeSize 1, previousHash of zeros)")
        }
        let leafHash = try BundleVerifier.crypto { () throws(CryptoError) in try MerkleHash.leaf(genesisRecord) }
        guard header.rootHash == leafHash else {
            throw fail("block 0's root \(header.rootHash.hex) is not the leaf hash of the bundle's genesis record (\(leafHash.hex))")
        }
        guard header.sequencer == genesis.sequencerKey.keyID else {
            throw fail("block 0 names sequencer \(header.sequencer), but the genesis sequencer key is \(genesis.sequencerKey.keyID)")
        }
        let message = header.signingMessage(origin: genesis.origin)
        guard try BundleVerifier.crypto({ () throws(CryptoError) in try genesis.sequencerKey.isValidSignature(block.signature, for: message) }) else {
            throw fail("block 0's signature does not verify with the genesis sequencer key \(genesis.sequencerKey.keyID)")
        }
    }
}

/// Replays the bundle's records in leaf order, keeping the registry as it stands at each leaf.
struct RecordReplay {
    let genesis: Genesis
    let checkpoint: Checkpoint
    let hashes: [SHA256Digest]
    private(set) var registry: Registry
    private(set) var events = [TraceRecord]()
    private(set) var registryLeaves = [UInt64]()
    private var previousLeaf: UInt64?

    /// Signature verdicts worked out ahead on all cores, by leaf, with the key each was checked with.
    private let presigned: [UInt64: (key: Ed25519PublicKey, valid: Bool)]

    init(genesis: Genesis, checkpoint: Checkpoint, hashes: [SHA256Digest], presigned: [UInt64: (key: Ed25519PublicKey, valid: Bool)] = [:]) {
        self.genesis = genesis
        self.checkpoint = checkpoint
        self.hashes = hashes
        self.presigned = presigned
        registry = Registry(genesis: genesis)
    }

    /// Checks the event records' signatures on all cores before the replay (which then only
    /// looks them up): each with the key its signer key ID names in genesis or in a carried
    /// registry record. Whether that key was valid at the leaf is still the replay's question.
    static func presign(_ entries: [TraceBundle.Entry], genesis: Genesis) -> [UInt64: (key: Ed25519PublicKey, valid: Bool)] {
        var keys = [KeyID: Ed25519PublicKey]()
        for p in genesis.participants { for k in p.keys { keys[k.keyID] = k } }
        keys[genesis.authorityKey.keyID] = genesis.authorityKey
        var events = [(leaf: UInt64, record: SignedRecord)]()
        for e in entries where e.leaf > 0 {
            guard let r = try? SignedRecord(recordBytes: e.recordBytes) else { continue }
            switch r.kind {
            case .registry: for k in Registry.keysIntroduced(by: r.payload) { keys[k.keyID] = k }
            case .event: events.append((e.leaf, r))
            case .genesis: break
            }
        }
        let origin = genesis.origin
        let known = keys
        let verdicts = parallelMap(events, minChunk: 4) { item -> (UInt64, Ed25519PublicKey, Bool)? in
            guard let id = item.record.signer, let key = known[id] else { return nil }
            return (item.leaf, key, (try? item.record.hasValidSignature(by: key, origin: origin)) ?? false)
        }
        var out = [UInt64: (key: Ed25519PublicKey, valid: Bool)]()
        for case let (leaf, key, valid)? in verdicts { out[leaf] = (key, valid) }
        return out
    }

    mutating func check(_ entry: TraceBundle.Entry, index: Int) throws(BundleFailure) {
        let path = "records[\(index)]"
        if let previousLeaf, entry.leaf <= previousLeaf {
            throw BundleFailure(.recordLeaf, leaf: entry.leaf, path: "\(path).leaf",
                                reason: "records must be in increasing leaf order, each leaf once: leaf \(entry.leaf) comes after leaf \(previousLeaf)")
        }
        previousLeaf = entry.leaf
        guard entry.leaf < checkpoint.treeSize else {
            throw BundleFailure(.recordLeaf, leaf: entry.leaf, path: "\(path).leaf",
                                reason: "leaf \(entry.leaf) is not in the checkpoint's tree of \(checkpoint.treeSize) leaves")
        }
        // Leaf 0 was read and judged by GenesisCheck; only its inclusion is left.
        if entry.leaf == 0 { return try include(entry, path: path, eventID: nil) }
        let record: SignedRecord
        do { record = try SignedRecord(recordBytes: entry.recordBytes) } catch {
            throw BundleFailure(.recordUnreadable, leaf: entry.leaf, path: "\(path).record", reason: "not a signed record: \(error)")
        }
        switch record.kind {
        case .genesis:
            throw BundleFailure(.recordUnreadable, leaf: entry.leaf, path: "\(path).record", reason: "a genesis record: only leaf 0 holds genesis")
        case .registry:
            try registryRecord(record, entry, path: path)
        case .event:
            try eventRecord(entry, path: path)
        }
    }

    /// Signed by the authority, in the tree, and a change that applies from the next leaf.
    private mutating func registryRecord(_ record: SignedRecord, _ entry: TraceBundle.Entry, path: String) throws(BundleFailure) {
        let leaf = entry.leaf
        guard record.recordBytes == entry.recordBytes else {
            throw BundleFailure(.recordUnreadable, leaf: leaf, path: "\(path).record", reason: "the registry record is not in canonical (RFC 8785) form")
        }
        let authority = genesis.authorityKey
        guard record.signer == authority.keyID,
              try BundleVerifier.crypto({ () throws(CryptoError) in try record.hasValidSignature(by: authority, origin: genesis.origin) }) else {
            throw BundleFailure(.registrySignature, leaf: leaf, path: "\(path).record",
                                reason: "the registry change is not signed by the programme authority's key \(authority.keyID): it was changed after signing, or signed by someone else")
        }
        try include(entry, path: path, eventID: nil)
        do { try registry.apply(record.payload, atLeaf: leaf) } catch {
            throw BundleFailure(.registryChange, leaf: leaf, path: "\(path).record", reason: "the registry change does not apply: \(error)")
        }
        registryLeaves.append(leaf)
    }

    /// A canonical EPCIS event, signed by a key valid at its leaf, and in the tree.
    private mutating func eventRecord(_ entry: TraceBundle.Entry, path: String) throws(BundleFailure) {
        let leaf = entry.leaf
        let trace: TraceRecord
        do { trace = try TraceRecord(leafIndex: leaf, recordBytes: entry.recordBytes) } catch {
            throw BundleFailure(.recordUnreadable, leaf: leaf, path: "\(path).record", reason: error.reason)
        }
        let id = trace.eventID
        guard let keyID = trace.record.signer else {
            throw BundleFailure(.recordUnreadable, leaf: leaf, eventID: id, path: "\(path).record", reason: "the event record names no signer")
        }
        let key: Ed25519PublicKey, who: String
        if trace.event.errorDeclaration != nil, keyID == genesis.authorityKey.keyID {
            // An error declaration may be made by the programme authority (FORMAT.md §6 rule 8).
            (key, who) = (genesis.authorityKey, "the programme authority")
        } else {
            switch registry.signer(keyID, atLeaf: leaf) {
            case let .success((state, participant)): (key, who) = (state.key, "\(participant.name) (\(participant.id))")
            case let .failure(error):
                throw BundleFailure(.signerKey, leaf: leaf, eventID: id, path: "\(path).record",
                                    reason: "\(error.reason), so it could not sign at leaf \(leaf)")
            }
        }
        let record = trace.record
        let valid: Bool
        if let done = presigned[leaf], done.key == key { valid = done.valid } else {
            valid = try BundleVerifier.crypto({ () throws(CryptoError) in try record.hasValidSignature(by: key, origin: genesis.origin) })
        }
        guard valid else {
            throw BundleFailure(.recordSignature, leaf: leaf, eventID: id, path: "\(path).record",
                                reason: "the event is not what \(who) signed with key \(keyID): it was changed after signing")
        }
        try include(entry, path: path, eventID: id)
        events.append(trace)
    }

    /// The RFC 9162 path from the record's leaf hash to the checkpoint's root.
    private func include(_ entry: TraceBundle.Entry, path: String, eventID: EventID?) throws(BundleFailure) {
        let leaf = entry.leaf, size = checkpoint.treeSize
        var proof = [SHA256Digest]()
        for (k, index) in entry.proof.enumerated() {
            guard index >= 0, index < hashes.count else {
                throw BundleFailure(.inclusionProof, leaf: leaf, eventID: eventID, path: "\(path).proof[\(k)]",
                                    reason: "proof step \(k) refers to hash \(index), but the bundle has \(hashes.count) hashes")
            }
            proof.append(hashes[index])
        }
        let bytes = entry.recordBytes
        let leafHash = try BundleVerifier.crypto { () throws(CryptoError) in try MerkleHash.leaf(bytes) }
        do {
            try MerkleVerifier.verifyInclusion(leafHash: leafHash, leafIndex: leaf, treeSize: size, proof: proof, root: checkpoint.rootHash)
        } catch {
            let reason = switch error as? MerkleError {
            case let .wrongProofLength(expected, actual)?:
                "the inclusion proof has \(actual) hashes, but leaf \(leaf) of a tree of \(size) leaves needs \(expected): a step is missing or extra"
            case .rootMismatch?:
                "the record's hash and its inclusion proof do not lead to the checkpoint's root: the ledger does not hold these bytes at leaf \(leaf), or the proof is wrong"
            default:
                "the inclusion proof does not check out: \(error)"
            }
            throw BundleFailure(.inclusionProof, leaf: leaf, eventID: eventID, path: "\(path).proof", reason: reason)
        }
    }
}
