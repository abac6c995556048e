// What an audit is asked to do and what it reports, as data. The replay itself is in
// LedgerStore+Audit.swift; Docs/AUDIT.md says what it proves and what it cannot.
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// How to run an audit.
public struct AuditOptions: Sendable {
    /// Where the audit rebuilds the ledger's state (a directory it creates; default: a new
    /// temporary directory, removed afterwards). It needs about the size of the ledger's indexes.
    public var workDirectory: String?
    /// A state an earlier audit saved (``saveState``): the replay starts where that audit ended,
    /// after proving that today's ledger extends the checkpoint it ended at.
    public var since: String?
    /// Where to keep the rebuilt state when the audit finds nothing, for the next audit to start
    /// from (replaced only after a clean audit).
    public var saveState: String?
    /// Records replayed per stretch (memory is proportional to it, not to the ledger).
    public var stretchRecords = 8192
    /// The first size of the rebuilt state's map (it grows by doubling as the state does; a
    /// sparse file, so the size costs no disk until it is written).
    public var scratchMapBytes = 1 << 30
    /// At most this many findings are kept in the report (all are counted).
    public var findingLimit = 1000
    /// Called after each stretch of the replay and each index compared.
    public var progress: (@Sendable (AuditProgress) -> Void)?

    public init() {}
}

/// How far an audit has come.
public struct AuditProgress: Sendable {
    public enum Stage: String, Sendable {
        /// Records replayed, of the records the ledger holds past the starting point.
        case replay
        /// Indexes compared, of the indexes there are.
        case indexes
    }
    public let stage: Stage
    public let done: UInt64
    public let total: UInt64
}

/// One registry change as the replay applied it.
public struct AuditRegistryEntry: Sendable, Hashable {
    public let leaf: UInt64
    /// `add`, `rotate` or `revoke`.
    public let op: String
    public let participantID: String
    public let issuedAt: String
}

/// What an audit checked and found.
public struct AuditReport: Sendable {
    /// The ledger's origin line (its name in checkpoints).
    public var origin = ""
    /// The hash of block 0, the ledger's identity.
    public var genesisHash: SHA256Digest?
    public var sequencerKey: KeyID?
    public var authorityKey: KeyID?
    /// The tree size and height of the saved state the replay started from (nil: from genesis).
    public var startedAtTreeSize: UInt64?
    public var startedAtHeight: UInt64?
    /// Blocks and records replayed by this audit (not those before its starting point).
    public var blocksReplayed: UInt64 = 0
    public var recordsReplayed: UInt64 = 0
    /// Signatures checked: records', block headers' and checkpoints'.
    public var signaturesChecked: UInt64 = 0
    /// Thread CPU seconds the records' signature checks took on stage A's threads (OpenSSL's
    /// verification and the message put together for it): beside the process's CPU time, what
    /// the rest of the audit costs (`Tools/bench --audit`). Not part of the rendered report, which
    /// says the same for the same ledger every time.
    public var signatureCPUSeconds: Double = 0
    /// The head the replay reached.
    public var height: UInt64 = 0
    public var treeSize: UInt64 = 0
    public var rootHash: SHA256Digest?
    /// The checkpoint of the last block, as signed (a signed note): what to keep for next time.
    public var checkpoint: Checkpoint?
    /// Times of the first and last block replayed.
    public var firstBlockTime: String?
    public var lastBlockTime: String?
    /// Participants at the head, by role (from the registry as replayed).
    public var participantsByRole: [String: Int] = [:]
    /// Every registry change the replay applied, in leaf order.
    public var registryHistory: [AuditRegistryEntry] = []
    /// Entries compared, per index (both sides counted once when equal).
    public var indexEntriesCompared: [String: UInt64] = [:]
    /// Whether the replay reached the last block (an unreadable block header stops it; the
    /// indexes are then not compared).
    public var replayComplete = true
    /// The findings kept (at most the limit), ordered by leaf, then block.
    public var findings: [VerificationFinding] = []
    /// Every finding, counted.
    public var findingCount = 0
    /// Where the rebuilt state was saved, when it was.
    public var savedState: String?

    public init() {}

    /// Nothing found.
    public var ok: Bool { findingCount == 0 }

    /// The first failing record: the finding with the lowest leaf (of all found, kept or not).
    public var firstFailingRecord: VerificationFinding?

    /// The first failing block: the lowest block any finding names (of all found).
    public var firstFailingBlock: UInt64?

    /// For programs: `orchard-audit/1`.
    public var json: JSONValue {
        func n(_ v: UInt64) -> JSONValue { .number(JSONNumber(Int(v))) }
        var m: [JSONMember] = [JSONMember("format", .string("orchard-audit/1")), JSONMember("ok", .bool(ok)),
                               JSONMember("origin", .string(origin))]
        if let genesisHash { m.append(JSONMember("genesisHash", .string(genesisHash.hex))) }
        if let sequencerKey { m.append(JSONMember("sequencerKey", .string(sequencerKey.rawValue))) }
        if let authorityKey { m.append(JSONMember("authorityKey", .string(authorityKey.rawValue))) }
        if let startedAtTreeSize, let startedAtHeight {
            m.append(JSONMember("since", .object([JSONMember("treeSize", n(startedAtTreeSize)), JSONMember("height", n(startedAtHeight))])))
        }
        m += [JSONMember("height", n(height)), JSONMember("treeSize", n(treeSize))]
        if let rootHash { m.append(JSONMember("rootHash", .string(rootHash.hex))) }
        if let checkpoint { m.append(JSONMember("checkpoint", .string(checkpoint.text))) }
        m += [JSONMember("blocksReplayed", n(blocksReplayed)), JSONMember("recordsReplayed", n(recordsReplayed)),
              JSONMember("signaturesChecked", n(signaturesChecked)), JSONMember("replayComplete", .bool(replayComplete))]
        if let firstBlockTime { m.append(JSONMember("firstBlockTime", .string(firstBlockTime))) }
        if let lastBlockTime { m.append(JSONMember("lastBlockTime", .string(lastBlockTime))) }
        m.append(JSONMember("participantsByRole", .object(participantsByRole.sorted { $0.key < $1.key }.map { JSONMember($0.key, .number(JSONNumber($0.value))) })))
        m.append(JSONMember("registryHistory", .array(registryHistory.map {
            .object([JSONMember("leaf", n($0.leaf)), JSONMember("op", .string($0.op)), JSONMember("participant", .string($0.participantID)),
                     JSONMember("issuedAt", .string($0.issuedAt))])
        })))
        m.append(JSONMember("indexEntriesCompared", .object(indexEntriesCompared.sorted { $0.key < $1.key }.map { JSONMember($0.key, n($0.value)) })))
        m.append(JSONMember("findingCount", .number(JSONNumber(findingCount))))
        m.append(JSONMember("findings", .array(findings.map(\.json))))
        if let firstFailingBlock { m.append(JSONMember("firstFailingBlock", n(firstFailingBlock))) }
        if let firstFailingRecord { m.append(JSONMember("firstFailingRecord", firstFailingRecord.json)) }
        if let savedState { m.append(JSONMember("savedState", .string(savedState))) }
        return .object(m)
    }
}

/// Findings as they come: all counted, the first `limit` kept.
struct FindingCollector {
    let limit: Int
    private(set) var kept: [VerificationFinding] = []
    private(set) var count = 0
    /// The finding with the lowest leaf, and the lowest block named, of all (kept or not).
    private(set) var lowestLeaf: VerificationFinding?
    private(set) var lowestBlock: UInt64?

    init(limit: Int) { self.limit = limit }

    mutating func add(_ f: VerificationFinding) {
        count += 1
        if kept.count < limit { kept.append(f) }
        if let leaf = f.leafIndex, leaf < lowestLeaf?.leafIndex ?? .max { lowestLeaf = f }
        if let block = f.blockHeight, block < lowestBlock ?? .max { lowestBlock = block }
    }
}
