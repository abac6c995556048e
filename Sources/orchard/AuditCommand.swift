// `orchard audit`: the whole ledger replayed from genesis (or from a saved audit state), every
// index compared, and a report. The replay is LedgerStore.audit; this file parses arguments,
// shows progress and prints.
import ArgumentParser
import Foundation
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay the whole ledger from genesis and check everything: an auditor's report.",
        discussion: """
        Uses only the stored records and block headers: every leaf hash, the Merkle tree, every \
        block's root, lot map root, hash link and checkpoint are recomputed; every signature is \
        checked with the key the registry held at that leaf (rotations and revocations replayed \
        from the records); every append rule is applied again (roles, lots, custody, mass \
        balance, time). The replay builds its own copy of every index in a work directory, then \
        compares the ledger's databases with it entry by entry: an entry that is missing, extra \
        or says otherwise is a finding. Signatures are checked on all cores.

        The report names the first failing block and record (leaf index and event ID) and every \
        finding with its check. Docs/AUDIT.md says what the audit proves and what it cannot.

        --save-state DIR keeps the rebuilt state after a clean audit; --since DIR starts the next \
        audit there: it proves (RFC 9162 consistency) that today's ledger extends the checkpoint \
        the state ended at, then replays only the records after it.

        --checkpoint FILE also checks checkpoints kept from earlier (a signed note as `orchard \
        checkpoint` prints it, or the JSON Lines of `orchard export --checkpoints`): this ledger \
        must extend each, or the report names the tree sizes between which history was rewritten.

        Exit 0 all verified; 2 findings (or a kept checkpoint this ledger does not extend); 1 a \
        --checkpoint file that holds no checkpoint; 4 the ledger or a file cannot be read; 64 bad \
        arguments.

        EXAMPLES
          orchard audit --ledger ledger
          orchard audit --json > audit.json
          orchard audit --save-state audit-state
          orchard audit --since audit-state --save-state audit-state
          orchard audit --checkpoint checkpoint-2026-06-30.txt
        """)

    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("Start from the state a clean audit saved (--save-state).", valueName: "DIR"))
    var since: String?
    @Option(name: .customLong("save-state"), help: ArgumentHelp("After a clean audit, keep its rebuilt state here for the next audit.", valueName: "DIR"))
    var saveState: String?
    @Option(help: ArgumentHelp("Checkpoints kept from earlier (signed note, or JSON Lines of `export --checkpoints`).", valueName: "FILE"))
    var checkpoint: String?
    @Option(help: ArgumentHelp("Where to build the replay's state (default: a temporary directory).", valueName: "DIR"))
    var work: String?
    @Option(name: .customLong("max-findings"), help: ArgumentHelp("Findings to list (all are counted).", valueName: "N"),
            transform: wholeNumber())
    var maxFindings: UInt64 = 200
    @Flag(help: "No progress on standard error.") var quiet = false

    func run() throws {
        try runCommand(json: options.json) {
            // A kept-checkpoint file is read first: a malformed one is refused before the replay.
            let keptFile = try checkpoint.map { try KeptCheckpoints.read(String(decoding: try readInput($0), as: UTF8.self)) }
            let store = try options.open()
            let kept = try keptFile.map { try store.checkKept($0) }
            var auditOptions = AuditOptions()
            auditOptions.since = since
            // A ledger that does not extend a kept checkpoint is no base for the next audit.
            auditOptions.saveState = kept?.isConsistent ?? true ? saveState : nil
            auditOptions.workDirectory = work
            auditOptions.findingLimit = Int(min(maxFindings, UInt64(Int.max)))
            let bar = ProgressBox(enabled: !quiet)
            auditOptions.progress = { p in if p.stage == .replay { bar.update(done: p.done, total: p.total) } }
            let report = try store.audit(auditOptions)
            bar.finish(report.recordsReplayed)
            // For `Tools/bench --audit`: the signature checks' thread CPU, beside the process's.
            if let file = ProcessInfo.processInfo.environment["ORCHARD_BENCH_SIGNATURE_CPU_FILE"] {
                try? Data("\(report.signatureCPUSeconds)\n".utf8).write(to: URL(fileURLWithPath: file))
            }
            if options.json {
                var m = report.json.objectMembers ?? []
                if let kept { m.append(JSONMember("keptCheckpoints", Verify.json(kept))) }
                outJSON(.object(m))
            } else {
                report.lines().forEach(out)
                if let kept { Verify.lines(kept).forEach(out) }
                if let saved = report.savedState {
                    out("state saved to \(saved): next time, `orchard audit --since \(saved)` replays only what comes after")
                } else if let saveState {
                    out("state not saved to \(saveState): only a clean audit of a ledger that extends every kept checkpoint is kept")
                }
                if report.ok, let cp = report.checkpoint {
                    out("")
                    out("checkpoint at the head (keep it: `orchard audit --checkpoint FILE` later shows whether this history was rewritten):")
                    print(cp.text, terminator: "")
                }
            }
            guard report.ok, kept?.isConsistent ?? true else {
                fflush(nil)   // the report before the error line, also when both go to one file
                if options.json { throw ExitCode(Exit.code(.verificationFailed)) }
                throw CheckFailed(description: report.ok ? "this ledger does not extend every kept checkpoint"
                                  : "the audit found \(report.findingCount) problem\(report.findingCount == 1 ? "" : "s") (listed above)")
            }
        }
    }
}

/// The progress bar of a replay whose total is known once it starts (the records after the
/// saved state, for an incremental audit). Called from the audit's thread only. The bar is made
/// at the first report (a stretch into the replay), but its rate counts from the audit's start.
private final class ProgressBox: @unchecked Sendable {
    private let enabled: Bool
    private var bar: Progress?
    private let started = Date()

    init(enabled: Bool) { self.enabled = enabled }

    func update(done: UInt64, total: UInt64) {
        if bar == nil { bar = Progress(total: Int(total), enabled: enabled, label: "audit", approximate: false, began: started) }
        bar?.update(Int(done))
    }

    func finish(_ done: UInt64) { bar?.finish(Int(done)) }
}
