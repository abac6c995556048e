// The audit report for people: what was replayed, who is in the registry and how it changed,
// and either "all verified" or every finding, first failing block and record first.
import OrchardLedger
import OrchardStore

extension AuditReport {
    /// The report as lines of text (`registryLimit` registry changes shown, then a count).
    public func lines(registryLimit: Int = 20) -> [String] {
        func grouped(_ n: UInt64) -> String {
            let s = String(n)
            return s.enumerated().map { i, c in (i > 0 && (s.count - i) % 3 == 0 ? "," : "") + String(c) }.joined()
        }
        var out = ["Audit of ledger \(origin)"]
        if let genesisHash { out.append("  genesis hash    \(genesisHash.hex)") }
        if let sequencerKey { out.append("  sequencer key   \(sequencerKey.rawValue)") }
        if let authorityKey { out.append("  authority key   \(authorityKey.rawValue)") }
        if let startedAtTreeSize, let startedAtHeight {
            out.append("  replayed        from the saved audit state at tree size \(grouped(startedAtTreeSize)) (block \(startedAtHeight)), after proving this ledger extends it")
        } else {
            out.append("  replayed        from genesis")
        }
        out.append("  blocks          \(grouped(blocksReplayed)) replayed; head block \(height)")
        out.append("  records         \(grouped(recordsReplayed)) replayed; tree size \(grouped(treeSize))")
        out.append("  signatures      \(grouped(signaturesChecked)) checked (records, block headers, checkpoints)")
        if let firstBlockTime, let lastBlockTime { out.append("  time span       \(firstBlockTime) → \(lastBlockTime) (block times)") }
        if let rootHash { out.append("  root hash       \(rootHash.hex)") }
        let people = participantsByRole.values.reduce(0, +)
        let roles = participantsByRole.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        out.append("  participants    \(people) (\(roles))")
        out.append("  registry        \(registryHistory.count) change\(registryHistory.count == 1 ? "" : "s") replayed\(registryHistory.isEmpty ? "" : ":")")
        for e in registryHistory.prefix(registryLimit) {
            out.append("                  leaf \(e.leaf): \(e.op) \(e.participantID) (issued \(e.issuedAt))")
        }
        if registryHistory.count > registryLimit { out.append("                  … and \(registryHistory.count - registryLimit) more (--json lists them all)") }
        if !indexEntriesCompared.isEmpty {
            let compared = indexEntriesCompared.sorted { $0.key < $1.key }.map { "\($0.key) \(grouped($0.value))" }.joined(separator: ", ")
            out.append("  compared        \(compared) entries")
        } else if !replayComplete {
            out.append("  compared        nothing: the replay stopped, so the indexes were not compared")
        }
        out.append("")
        if ok {
            out.append("✓ all verified: every record's form, signature and append rules, every block header, chain link, tree root, "
                       + "lot map root and checkpoint, and every index entry agree with a replay from \(startedAtTreeSize == nil ? "genesis" : "the saved state")")
        } else {
            var first = [String]()
            if let b = firstFailingBlock { first.append("first failing block \(b)") }
            if let r = firstFailingRecord, let leaf = r.leafIndex { first.append("first failing record at leaf \(leaf)" + (r.eventID.map { " (\($0.uri))" } ?? "")) }
            out.append("✗ \(findingCount) finding\(findingCount == 1 ? "" : "s")" + (first.isEmpty ? "" : ": " + first.joined(separator: ", ")))
            for f in findings { out.append("  " + f.description) }
            if findingCount > findings.count { out.append("  … and \(findingCount - findings.count) more (--max-findings raises the limit)") }
        }
        return out
    }
}
