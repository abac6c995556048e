// What a verification found wrong, as data: where (block, leaf, event), which check, what was
// expected and what was found. `verify`, the audit and bundle verification share it; it prints
// as one line for people and as JSON for programs.
import OrchardCrypto
import OrchardModel

/// One failed check.
public struct VerificationFinding: Error, CategorizedError, Hashable, Sendable {
    /// Which check failed. The raw values are stable names programs may act on.
    public enum Check: String, Sendable, CaseIterable {
        case blockSignature = "block.signature"
        case genesisHash = "block.genesis-hash"
        case previousHash = "block.previous-hash"
        case firstLeaf = "block.first-leaf"
        case treeSize = "block.tree-size"
        case rootHash = "block.root-hash"
        /// A block header's lot map root is not the root recomputed from the records.
        case lotMapRoot = "block.lot-map-root"
        /// A stored lot map node is not what the records make it (or is missing, or extra).
        case lotMapNode = "lotmap.node"
        /// A block header names another sequencer key than the genesis's.
        case blockSequencer = "block.sequencer"
        /// A block stored under one height names another.
        case blockHeight = "block.height"
        /// A block holds more records than the genesis rules let a block hold, or fewer than it says.
        case blockRecordCount = "block.record-count"
        /// The ledger's head (meta/head) is not the last block the records make.
        case ledgerHead = "ledger.head"
        case checkpointContent = "checkpoint.content"
        case checkpointSignature = "checkpoint.signature"
        /// Stored records do not hash to the stored subtree over them.
        case subtreeHash = "tree.subtree-hash"
        case recordCanonical = "record.canonical"
        case recordKind = "record.kind"
        /// A stored record that is not in the form its content makes (not canonical, or not decodable).
        case recordForm = "record.form"
        /// A record the append rules refuse at its leaf (roles, lots, custody, mass balance, time).
        case recordRule = "record.rule"
        /// A record stored twice.
        case recordDuplicate = "record.duplicate"
        /// A leaf the block says is there, with no record.
        case recordMissing = "record.missing"
        /// Records stored past the last block.
        case recordBeyondHead = "record.beyond-head"
        case signerKey = "record.signer-key"
        case recordSignature = "record.signature"
        /// An index answered with a record that is not what it was asked for.
        case indexEntry = "index.entry"
        /// An index lacks an entry the records make.
        case indexMissing = "index.missing"
        /// An index has an entry no record makes.
        case indexExtra = "index.extra"
        /// A saved audit state that cannot be used (another ledger, unreadable).
        case auditState = "audit.state"
        case inclusionProof = "proof.inclusion"
        case consistencyProof = "proof.consistency"
        /// Stored data could not be read at all.
        case unreadable = "data.unreadable"
    }

    public let check: Check
    public var blockHeight: UInt64?
    public var leafIndex: UInt64?
    public var eventID: EventID?
    /// What the check expected (a hash, a key ID, a size), when there is one thing to name.
    public var expected: String?
    /// What it found instead.
    public var found: String?
    /// What went wrong, in words.
    public var detail: String

    public init(_ check: Check, blockHeight: UInt64? = nil, leafIndex: UInt64? = nil, eventID: EventID? = nil,
                expected: String? = nil, found: String? = nil, detail: String) {
        self.check = check
        self.blockHeight = blockHeight
        self.leafIndex = leafIndex
        self.eventID = eventID
        self.expected = expected
        self.found = found
        self.detail = detail
    }

    public var category: FailureCategory { .verificationFailed }

    /// One line: `block 6, leaf 301 (ni:///…): record.signature: … (expected X, found Y)`.
    public var description: String {
        var place = [String]()
        if let blockHeight { place.append("block \(blockHeight)") }
        if let leafIndex { place.append("leaf \(leafIndex)") }
        var at = place.joined(separator: ", ")
        if let eventID { at += at.isEmpty ? "event \(eventID.uri)" : " (\(eventID.uri))" }
        var line = at.isEmpty ? "\(check.rawValue): \(detail)" : "\(at): \(check.rawValue): \(detail)"
        switch (expected, found) {
        case let (e?, f?): line += " (expected \(e), found \(f))"
        case let (e?, nil): line += " (expected \(e))"
        case let (nil, f?): line += " (found \(f))"
        default: break
        }
        return line
    }

    /// As JSON: `{"check", "blockHeight"?, "leafIndex"?, "eventID"?, "expected"?, "found"?, "detail"}`.
    public var json: JSONValue {
        var m = [JSONMember("check", .string(check.rawValue))]
        if let blockHeight { m.append(JSONMember("blockHeight", .number(JSONNumber(Int(blockHeight))))) }
        if let leafIndex { m.append(JSONMember("leafIndex", .number(JSONNumber(Int(leafIndex))))) }
        if let eventID { m.append(JSONMember("eventID", .string(eventID.uri))) }
        if let expected { m.append(JSONMember("expected", .string(expected))) }
        if let found { m.append(JSONMember("found", .string(found))) }
        m.append(JSONMember("detail", .string(detail)))
        return .object(m)
    }
}

/// The outcome of a verification: what was checked and every finding.
public struct VerificationReport: Sendable {
    /// Blocks checked, in height order.
    public var blocksChecked: [UInt64] = []
    public var recordsChecked = 0
    /// Everything found wrong, in the order found; empty when all checked out.
    public var findings: [VerificationFinding] = []
    public var ok: Bool { findings.isEmpty }

    public init() {}

    public var json: JSONValue {
        .object([JSONMember("ok", .bool(ok)),
                 JSONMember("blocksChecked", .array(blocksChecked.map { .number(JSONNumber(Int($0))) })),
                 JSONMember("recordsChecked", .number(JSONNumber(recordsChecked))),
                 JSONMember("findings", .array(findings.map(\.json)))])
    }
}
