// Why a bundle did not verify, as data: which check, which record (leaf, event ID), where in the
// file, and a reason a person understands. The CLI prints it as one line or as JSON; an app can
// act on the stable check names.
import OrchardCrypto
import OrchardModel

/// One failed check of a bundle (Docs/BUNDLE.md §3 lists them in the order they are made).
public struct BundleFailure: Error, CategorizedError, Hashable, Sendable {
    /// Which check failed. The raw values are stable names programs may act on.
    public enum Check: String, Sendable, CaseIterable {
        /// The file is not an `orchard-bundle/1` JSON object of the documented shape.
        case format = "bundle.format"
        /// The genesis block does not hash to the trusted genesis hash, or the genesis names
        /// another origin or sequencer key than the trusted verifier key.
        case trustAnchor = "trust.anchor"
        /// Block 0's header or its sequencer signature is not what a genesis block must be.
        case genesisBlock = "genesis.block"
        /// Leaf 0 is missing or is not a valid genesis record.
        case genesisRecord = "genesis.record"
        /// The bundle's `origin` is not the genesis origin.
        case origin = "bundle.origin"
        /// The checkpoint text is not a checkpoint note.
        case checkpointFormat = "checkpoint.format"
        /// The checkpoint belongs to another ledger (another origin).
        case checkpointOrigin = "checkpoint.origin"
        /// The checkpoint is not signed by the genesis sequencer key.
        case checkpointSignature = "checkpoint.signature"
        /// Records are not in increasing leaf order, or a leaf is outside the checkpoint's tree.
        case recordLeaf = "record.leaf"
        /// Record bytes that are not a canonical record of a kind this place allows.
        case recordUnreadable = "record.unreadable"
        /// A registry record not signed by the programme authority.
        case registrySignature = "registry.signature"
        /// A registry change that does not apply to the registry replayed so far.
        case registryChange = "registry.change"
        /// An event signed with a key that was not valid at its leaf (unknown, revoked, not yet valid).
        case signerKey = "record.signer-key"
        /// An event whose signature does not verify: it is not what its signer signed.
        case recordSignature = "record.signature"
        /// An inclusion proof that does not lead from the record to the checkpoint's root.
        case inclusionProof = "proof.inclusion"
        /// The events name an identifier, or name it at a leaf, that `lots` does not list.
        case lotsUnclaimed = "lots.unclaimed"
        /// `lots` lists something no event of the bundle says.
        case lotsUnsupported = "lots.unsupported"
        /// A transformation input or aggregated child that no earlier event of the bundle names.
        case lineageUnlinked = "lineage.unlinked"
        /// No event of the bundle names its subject.
        case subjectUnnamed = "subject.unnamed"
        /// The lot map block is not the checkpoint's block, not signed, or not a version 2 header.
        case lotMapBlock = "lotmap.block"
        /// A lot map opening does not fold to a value the map proof proves under the block's root.
        case lotMapProof = "lotmap.proof"
        /// The ledger commits to an event of the journey that the bundle does not carry (or to an
        /// identifier it carries no opening for): the journey is incomplete.
        case incomplete = "lotmap.incomplete"
        /// The bundle carries an event that is not part of the subject's journey.
        case extraEvent = "lotmap.extra"
        /// The newer checkpoint is of another ledger, unsigned by the sequencer, or smaller.
        case newerCheckpoint = "newer-checkpoint"
        /// The consistency proof does not show the newer tree extending the bundle's.
        case consistencyProof = "proof.consistency"
        /// Fewer registered witnesses cosigned the checkpoint than required.
        case witnesses = "witness.cosignatures"
        /// The log was rolled back or forked since a checkpoint the client remembers.
        case logRollback = "log.consistency"
        /// libcrypto failed (not the bundle's fault).
        case system = "system.crypto"
    }

    public let check: Check
    /// The leaf of the record at fault, when there is one.
    public var leaf: UInt64?
    /// The event ID recomputed from the record at fault, when it could be.
    public var eventID: EventID?
    /// Where in the bundle file: `records[3].proof[2]`, `lots[0].namedBy`, `checkpoint`.
    public var path: String?
    /// What is wrong, in words.
    public var reason: String

    public init(_ check: Check, leaf: UInt64? = nil, eventID: EventID? = nil, path: String? = nil, reason: String) {
        self.check = check
        self.leaf = leaf
        self.eventID = eventID
        self.path = path
        self.reason = reason
    }

    /// A file that is not a bundle cannot be read (exit 4); everything else did not verify (exit 2).
    public var category: FailureCategory {
        switch check {
        case .format, .system: .ledgerError
        default: .verificationFailed
        }
    }

    /// One line: `leaf 5 (ni:///…): record.signature: … [records[3]]`.
    public var description: String {
        var at = leaf.map { "leaf \($0)" } ?? ""
        if let eventID { at += at.isEmpty ? "event \(eventID.uri)" : " (\(eventID.uri))" }
        var line = at.isEmpty ? "\(check.rawValue): \(reason)" : "\(at): \(check.rawValue): \(reason)"
        if let path { line += " [\(path)]" }
        return line
    }

    /// `{"check", "leaf"?, "eventID"?, "path"?, "reason"}`.
    public var json: JSONValue {
        var m = [JSONMember("check", .string(check.rawValue))]
        if let leaf { m.append(JSONMember("leaf", .number(JSONNumber(Int(leaf))))) }
        if let eventID { m.append(JSONMember("eventID", .string(eventID.uri))) }
        if let path { m.append(JSONMember("path", .string(path))) }
        m.append(JSONMember("reason", .string(reason)))
        return .object(m)
    }
}
