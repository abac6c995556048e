// Checkpoints kept from earlier (on a receipt, in a newspaper, from a witness, or the history
// `orchard export --checkpoints` wrote) against today's ledger: does it extend each of them? The
// roots are recomputed from the records themselves (not the stored tree), so a history rewritten
// underneath — records changed, dropped or reordered, tree tiles patched to match — shows, and
// with several kept checkpoints, between which two tree sizes it was rewritten.
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore

/// What today's ledger says of one kept checkpoint.
public struct KeptCheckpointVerdict: Sendable {
    public enum Status: Sendable, Equatable {
        /// This ledger's records give the checkpoint's root at its tree size.
        case consistent
        /// They give another root: a different history up to that size.
        case diverged(recomputed: SHA256Digest)
        /// The checkpoint is larger than this ledger (a rollback, or an older copy).
        case ahead(head: UInt64)
        /// Not signed by this ledger's sequencer (or of another origin).
        case notThisLedger(String)
    }
    public let checkpoint: Checkpoint
    public let status: Status
}

/// Every kept checkpoint's verdict, and where a rewritten history lies.
public struct KeptCheckpointReport: Sendable {
    public let verdicts: [KeptCheckpointVerdict]
    public let headTreeSize: UInt64
    /// The largest kept tree size this ledger reproduces below the first one it does not.
    public let agreesUpTo: UInt64?
    /// The smallest kept tree size whose root this ledger does not reproduce.
    public let differsBy: UInt64?
    /// Tree sizes where the stored tree's root differs from the records' (tampered tiles).
    public let storedTreeDiffers: [UInt64]

    public var isConsistent: Bool { verdicts.allSatisfy { $0.status == .consistent } && storedTreeDiffers.isEmpty }
}

/// Reads kept checkpoints: one signed note, or JSON Lines with a `checkpoint` member each (as
/// `orchard export --checkpoints` writes).
public enum KeptCheckpoints {
    public struct Unreadable: Error, CategorizedError {
        public let description: String
        public var category: FailureCategory { .rejected }
    }

    public static func read(_ text: String) throws(Unreadable) -> [Checkpoint] {
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        if trimmed.first == "{" {
            var out = [Checkpoint]()
            for (n, line) in text.split(separator: "\n").enumerated() where !line.allSatisfy(\.isWhitespace) {
                guard let note = (try? JSONParser.parse(String(line)))?["checkpoint"]?.stringValue, let cp = try? Checkpoint(text: note) else {
                    throw Unreadable(description: "line \(n + 1): expected {\"checkpoint\": \"<signed note>\"} (as orchard export --checkpoints writes)")
                }
                out.append(cp)
            }
            guard !out.isEmpty else { throw Unreadable(description: "no checkpoint in the file") }
            return out
        }
        do { return [try Checkpoint(text: String(trimmed))] } catch {
            throw Unreadable(description: "not a checkpoint (a C2SP signed note as `orchard checkpoint` prints it, or JSON Lines of them): \(error)")
        }
    }
}

extension LedgerStore {
    /// Checks today's ledger against checkpoints kept from earlier (``KeptCheckpointReport``).
    public func checkKept(_ checkpoints: [Checkpoint]) throws -> KeptCheckpointReport {
        let head = try self.head().header.treeSize
        let key = genesis.sequencerKey
        var statuses = [Int: KeptCheckpointVerdict.Status]()
        var wanted = Set<UInt64>()
        for (i, cp) in checkpoints.enumerated() {
            if cp.origin != genesis.origin {
                statuses[i] = .notThisLedger("a checkpoint of \(cp.origin), not of \(genesis.origin)")
            } else if (try? cp.isSigned(by: key)) != true {
                statuses[i] = .notThisLedger("not signed by this ledger's sequencer")
            } else if cp.treeSize > head {
                statuses[i] = .ahead(head: head)
            } else if cp.treeSize > 0 {
                wanted.insert(cp.treeSize)
            }
        }
        // Roots from the records themselves, at every wanted size.
        var roots = [UInt64: SHA256Digest]()
        if let last = wanted.max() {
            var frontier = MerkleFrontier()
            try scanRecords(0..<last) { _, records in
                for r in records {
                    _ = try frontier.append(leafHash: try MerkleHash.leaf(r))
                    if wanted.contains(frontier.treeSize) { roots[frontier.treeSize] = try frontier.rootHash }
                }
                return true
            }
        }
        var verdicts = [KeptCheckpointVerdict]()
        var storedDiffers = [UInt64]()
        for (i, cp) in checkpoints.enumerated() {
            if let s = statuses[i] { verdicts.append(KeptCheckpointVerdict(checkpoint: cp, status: s)); continue }
            guard let root = roots[cp.treeSize] else {
                verdicts.append(KeptCheckpointVerdict(checkpoint: cp, status: .notThisLedger("tree size 0"))); continue
            }
            verdicts.append(KeptCheckpointVerdict(checkpoint: cp, status: root == cp.rootHash ? .consistent : .diverged(recomputed: root)))
            if (try? rootHash(treeSize: cp.treeSize)) != root, !storedDiffers.contains(cp.treeSize) { storedDiffers.append(cp.treeSize) }
        }
        verdicts.sort { $0.checkpoint.treeSize < $1.checkpoint.treeSize }
        let judged = verdicts.filter { if case .consistent = $0.status { true } else if case .diverged = $0.status { true } else { false } }
        let firstDiverged = judged.first { if case .diverged = $0.status { true } else { false } }?.checkpoint.treeSize
        let agrees = judged.last { v in v.status == .consistent && (firstDiverged.map { v.checkpoint.treeSize < $0 } ?? true) }?.checkpoint.treeSize
        return KeptCheckpointReport(verdicts: verdicts, headTreeSize: head, agreesUpTo: agrees, differsBy: firstDiverged,
                                    storedTreeDiffers: storedDiffers.sorted())
    }
}
