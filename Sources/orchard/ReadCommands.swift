// show, checkpoint, proof, verify, event-id: reading and checking the ledger. Each command calls
// one OrchardQuery/OrchardStore function and renders its result.
import ArgumentParser
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore

func printBlock(_ view: BlockView) throws {
    let h = view.header
    out("block \(h.height)  \(h.time)")
    out("  hash          \(try h.hash.hex)")
    out("  previous      \(h.previousHash.hex)")
    out("  records       \(h.recordCount) (leaves \(h.firstLeaf)–\(h.treeSize - 1))")
    out("  tree size     \(h.treeSize)")
    out("  root          \(h.rootHash.hex)")
    out("  sequencer     \(h.sequencer)")
}

func printRecord(_ view: RecordView) throws {
    let r = view.record
    switch r.kind {
    case .event: out("event \(view.eventID?.uri ?? "(ID cannot be computed)")")
    case .registry: out("registry change (record digest \(view.eventID?.digest.hex ?? "?"))")
    case .genesis: out("genesis record")
    }
    out("  leaf \(view.leafIndex), block \(view.blockHeight), leaf hash \(try view.leafHash.hex)")
    if let signer = r.signer {
        let who = view.signer.map { "\($0.name) (\($0.id), \($0.role))" } ?? (r.kind == .registry ? "the programme authority" : "?")
        out("  signed by \(who) key \(signer.rawValue)")
        out("  signature \(Base64.encode(r.signature))")
    }
    if let d = view.declaredErroneous {
        let who = d.declaredBy ?? "the programme authority"
        let why = d.declaration.reason.map { ", reason \($0)" } ?? ""
        out("  ⚠ DECLARED ERRONEOUS by \(who) at leaf \(d.leafIndex) (block \(d.blockHeight)), \(d.declaration.declarationTime)\(why)")
        for id in d.declaration.correctiveEventIDs { out("    corrected by \(id)") }
    }
    if let d = view.declaration {
        out("  this record declares the event with this ID erroneous (\(d.declarationTime)\(d.reason.map { ", reason \($0)" } ?? ""))")
    }
    out(JSONWriter.pretty(r.payload))
}

/// A block height or leaf index given as a positional argument: a whole number ≥ 0, else a usage error.
func wholeArgument(_ text: String, _ what: String) throws -> UInt64 {
    do { return try parseWholeNumber(text) } catch {
        throw UsageFailure(description: "\(what) \(error) (heights and leaf indexes count from 0)")
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the head, a block, a record (by event ID or leaf), or the registry's change log.",
        discussion: """
        `show event` and `show leaf` print the record with its exact bytes (base64, under --json), leaf hash, signer and signature: enough to check it without reading the ledger's files. `show block --records` adds every record of the block.

        EXAMPLES
          orchard show head
          orchard show block 12 --records --json
          orchard show event 'ni:///sha-256;3f…?ver=CBV2.0' --json
          orchard show leaf 0 --json            # the genesis record
          orchard show registry                 # registry changes, by leaf
        """)

    @OptionGroup var options: LedgerOptions
    @Argument(help: "head | block | event | leaf | registry") var what: String
    // Captured with .allUnrecognized so that `show block -1` reaches run() and is answered in words
    // (a plain positional would make swift-argument-parser read -1 as an unknown option).
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Block height, event ID or leaf index.", valueName: "id"))
    var ids: [String] = []
    var id: String? { ids.first }

    func validate() throws {
        if ids.count > 1 { throw ValidationError("show takes one block height, event ID or leaf index; got \(ids.joined(separator: " "))") }
    }
    @Flag(help: "With `block`: also print each record of the block.") var records = false

    func run() throws {
        try runCommand(json: options.json) {
            let store = try options.open()
            switch (what, id) {
            case ("head", nil):
                let view = try store.blockView(height: try store.head().header.height)
                if options.json { outJSON(try view.json) } else { out("ledger \(store.genesis.origin)"); try printBlock(view) }
            case let ("block", n?):
                let height = try wholeArgument(n, "block height")
                let view = try store.blockView(height: height)
                let rows = records ? try view.leaves.map { try store.record(atLeaf: $0) } : []
                if options.json {
                    var m = try view.json.objectMembers ?? []
                    if records { m.append(JSONMember("records", .array(try rows.map { try $0.json }))) }
                    outJSON(.object(m))
                } else {
                    try printBlock(view)
                    for r in rows { try printRecord(r) }
                }
            case let ("event", text?):
                let view = try store.event(text)
                if options.json { outJSON(try view.json) } else { try printRecord(view) }
            case let ("leaf", n?):
                let leaf = try wholeArgument(n, "leaf index")
                let view = try store.record(atLeaf: leaf)
                if options.json { outJSON(try view.json) } else { try printRecord(view) }
            case ("registry", nil):
                let changes = try store.registryChanges()
                if options.json { outJSON(.array(changes.map { registryChangeJSON(leaf: $0.leaf, change: $0.change) })); return }
                for c in changes { out("leaf \(c.leaf)  \(c.change.op.padding(toLength: 6, withPad: " ", startingAt: 0)) \(c.change.participantID)  issued \(c.change.issuedAt)") }
                out("\(changes.count) registry changes after genesis")
            default:
                throw UsageFailure(description: "usage: orchard show head | block N [--records] | event ID | leaf N | registry")
            }
        }
    }
}

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the latest signed checkpoint (C2SP tlog-checkpoint signed note), or the key that verifies it.",
        discussion: """
        Keep it: a later `orchard proof consistency --from SIZE` shows the ledger still extends it.

        With --verifier-key, prints instead the ledger's C2SP signed-note verifier key (c2sp.org/signed-note), one line <origin>+<key hash>+<base64 key>: the origin and the genesis sequencer key, which verifies every checkpoint the ledger signs. Hand it to whoever checks proofs offline (`orchard proof inclusion ID --tlog-proof`).

        EXAMPLES
          orchard checkpoint > checkpoint-2026-09-14.txt
          orchard checkpoint --verifier-key
          orchard.example/duoduo-orchard+c3ffe336+AZpHvteaNnO5gQl33xqjE7/kO4b3UYkpmyV6wUzOjQP0
        """)

    @OptionGroup var options: LedgerOptions
    @Flag(help: "Print the ledger's C2SP verifier key (origin + sequencer key) instead of the checkpoint.")
    var verifierKey = false

    func run() throws {
        try runCommand(json: options.json) {
            let store = try options.open()
            if verifierKey {
                let key = store.verifierKey
                if options.json {
                    outJSON(["verifierKey": .string(key.description), "name": .string(key.name),
                             "keyID": .string(key.key.keyID.description)])
                } else {
                    out(key.description)
                }
                return
            }
            let b = try store.head()
            if options.json {
                outJSON(["origin": .string(b.checkpoint.origin), "treeSize": .number(JSONNumber(Int(b.checkpoint.treeSize))),
                         "rootHash": .string(b.checkpoint.rootHash.hex), "blockHeight": .number(JSONNumber(Int(b.header.height))),
                         "note": .string(b.checkpoint.text)])
            } else {
                print(b.checkpoint.text, terminator: "")
            }
        }
    }
}

struct Proof: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "RFC 9162 inclusion and consistency proofs.",
        subcommands: [Inclusion.self, Consistency.self])

    struct Inclusion: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that an event (or any record, by leaf) is in the ledger's tree.",
            discussion: """
            Prints the leaf index, tree size, leaf hash, audit path and the signed checkpoint whose root the path leads to. The proof is checked before it is printed (exit 2 if it does not check out).

            With --tlog-proof, prints it as a C2SP tlog-proof (c2sp.org/tlog-proof) that generic transparency-log tools check offline with the ledger's verifier key (`orchard checkpoint --verifier-key`). Its `extra` line is the record's exact bytes in base64, so the leaf hash is SHA-256(0x00 ‖ extra); read the record to see it is the event you mean.

            EXAMPLES
              orchard proof inclusion 'ni:///sha-256;3f…?ver=CBV2.0' --json
              orchard proof inclusion --leaf 0     # the genesis record
              orchard proof inclusion 'ni:///sha-256;3f…?ver=CBV2.0' --tlog-proof > harvest.tlog-proof
              c2sp.org/tlog-proof@v1
              extra eyJldmVudCI6…
              index 1
              qF3b…=
              …
            """)

        @OptionGroup var options: LedgerOptions
        @Argument(help: "The event's CBV 2.0 hash ID.") var eventID: String?
        @Option(parsing: .unconditional, help: ArgumentHelp("Prove the record at this leaf index instead (genesis is leaf 0).", valueName: "N"),
                transform: wholeNumber())
        var leaf: UInt64?
        @Flag(help: "Print the proof as a C2SP tlog-proof (text; not with --json).")
        var tlogProof = false

        func validate() throws {
            guard (eventID == nil) != (leaf == nil) else { throw ValidationError("give an event ID or --leaf N (one of them)") }
            guard !(tlogProof && options.json) else { throw ValidationError("--tlog-proof prints text: give it or --json, not both") }
        }

        func run() throws {
            try runCommand(json: options.json) {
                let store = try options.open()
                let proof = if let leaf { try store.verifiedInclusion(ofLeaf: leaf) } else { try store.verifiedInclusion(of: try store.event(eventID!).eventID!) }
                if options.json { outJSON(proof.json); return }
                if tlogProof { print(proof.tlogProof.text, terminator: ""); return }
                if let id = proof.record.eventID, proof.record.record.kind == .event { out("event \(id.uri)") }
                out("leaf index \(proof.record.leafIndex) of tree size \(proof.treeSize)")
                out("leaf hash  \(proof.leafHash.hex)")
                out("audit path (\(proof.proof.count) hashes):")
                for p in proof.proof { out("  \(p.hex)") }
                out("root       \(proof.rootHash.hex)  ✓ verified")
                out("checkpoint:")
                print(proof.checkpoint.text, terminator: "")
            }
        }
    }

    struct Consistency: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that the tree of one size is a prefix of a later one.",
            discussion: """
            EXAMPLE
              orchard proof consistency --from 1200 --to 5000
            """)

        @OptionGroup var options: LedgerOptions
        @Option(parsing: .unconditional, help: ArgumentHelp("The earlier tree size (e.g. from a kept checkpoint; at least 1).", valueName: "SIZE"),
                transform: wholeNumber())
        var from: UInt64
        @Option(parsing: .unconditional, help: ArgumentHelp("The later tree size (default: the head's).", valueName: "SIZE"), transform: wholeNumber())
        var to: UInt64?

        func run() throws {
            try runCommand(json: options.json) {
                let c = try options.open().verifiedConsistency(from: from, to: to)
                if options.json { outJSON(c.json); return }
                out("tree \(c.fromSize) → \(c.toSize)")
                out("old root \(c.oldRoot.hex)")
                out("new root \(c.newRoot.hex)")
                out("consistency proof (\(c.proof.count) hashes):")
                for p in c.proof { out("  \(p.hex)") }
                out("✓ verified")
            }
        }
    }
}

/// A verification that found problems: exit 2, with every finding.
struct VerificationFailed: Error, CategorizedError {
    let findings: [VerificationFinding]
    var category: FailureCategory { .verificationFailed }
    var description: String {
        "verification failed: \(findings.count) finding\(findings.count == 1 ? "" : "s")\n" + findings.map { "  " + $0.description }.joined(separator: "\n")
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Quick check of the genesis block, the head and recent blocks.",
        discussion: """
        Recomputes hashes, links, roots, checkpoints, each record's canonical form and signature (with the key valid at its leaf) and the stored subtree hashes, for block 0 and the last --blocks blocks. Every finding names its block, leaf and check; exit code 2 if there is any. (A full replay is the audit.)

        --lot-map also rebuilds the lot map (Docs/LOTMAP.md) from every record since genesis, compares each block's committed lotMapRoot with it (the first block that differs is named) and every stored map node (by path): a value or node changed on disk is found and located.

        --checkpoint FILE checks checkpoints kept from earlier (one signed note as `orchard checkpoint` prints it, or the JSON Lines `orchard export --checkpoints` writes): each must be signed by this ledger's sequencer, and this ledger's records — rehashed from genesis, not read from the stored tree — must give its root at its tree size. A different root is a rewritten history; with several kept checkpoints the report names the last tree size that agrees and the first that does not.

        EXAMPLES
          orchard verify --blocks 100 --json
          orchard verify --lot-map
          orchard verify --checkpoint checkpoint-2026-06-30.txt
          orchard verify --checkpoint checkpoints.jsonl
        """)

    @OptionGroup var options: LedgerOptions
    @Option(parsing: .unconditional, help: ArgumentHelp("How many recent blocks to check.", valueName: "N"), transform: wholeNumber())
    var blocks: UInt64 = 16
    @Flag(name: .customLong("lot-map"), help: "Also rebuild the lot map from all records and compare every committed root and stored node.")
    var lotMap = false
    @Option(help: ArgumentHelp("Checkpoints kept from earlier: a signed note, or JSON Lines from `orchard export --checkpoints`.", valueName: "FILE"))
    var checkpoint: String?

    func run() throws {
        try runCommand(json: options.json) {
            let store = try options.open()
            var report = try store.verifyRecent(blocks: blocks)
            if lotMap {
                let map = try store.verifyLotMap()
                report.findings += map.findings
                if !options.json { out("lot map rebuilt from \(map.recordsChecked) records in \(map.blocksChecked.count) blocks") }
            }
            var kept: KeptCheckpointReport?
            if let checkpoint {
                kept = try store.checkKept(try KeptCheckpoints.read(String(decoding: try readInput(checkpoint), as: UTF8.self)))
            }
            if options.json {
                var m = report.json.objectMembers ?? []
                if let kept { m.append(JSONMember("keptCheckpoints", Self.json(kept))) }
                outJSON(.object(m))
            } else if let kept {
                for line in Self.lines(kept) { out(line) }
            }
            guard report.ok, kept?.isConsistent ?? true else {
                if options.json { throw ExitCode(Exit.code(.verificationFailed)) }
                if !report.ok { throw VerificationFailed(findings: report.findings) }
                throw CheckFailed(description: "this ledger does not extend every kept checkpoint")
            }
            if !options.json { out("✓ ledger verified: \(report.blocksChecked.count) blocks, \(report.recordsChecked) records checked") }
        }
    }
}

extension Verify {
    static func lines(_ r: KeptCheckpointReport) -> [String] {
        var out = [String]()
        for v in r.verdicts {
            let size = v.checkpoint.treeSize
            switch v.status {
            case .consistent: out.append("✓ kept checkpoint at tree size \(size): this ledger extends it (root recomputed from the records)")
            case let .diverged(root): out.append("✗ kept checkpoint at tree size \(size): DIFFERENT HISTORY — its root \(v.checkpoint.rootHash.hex.prefix(16))…, the records give \(root.hex.prefix(16))…")
            case let .ahead(head): out.append("✗ kept checkpoint at tree size \(size): beyond this ledger's tree size \(head) (rolled back, or an older copy)")
            case let .notThisLedger(why): out.append("✗ kept checkpoint at tree size \(size): \(why)")
            }
        }
        if let differs = r.differsBy {
            out.append(r.agreesUpTo.map { "the histories agree up to tree size \($0) and differ by tree size \(differs): the history between was rewritten" }
                ?? "the histories differ by tree size \(differs) (no earlier kept checkpoint agrees)")
        }
        for size in r.storedTreeDiffers { out.append("✗ the stored tree's root at tree size \(size) is not the records' (tree tiles changed)") }
        return out
    }

    static func json(_ r: KeptCheckpointReport) -> JSONValue {
        .object([
            JSONMember("consistent", .bool(r.isConsistent)), JSONMember("headTreeSize", .number(JSONNumber(Int(r.headTreeSize)))),
            JSONMember("agreesUpTo", r.agreesUpTo.map { .number(JSONNumber(Int($0))) } ?? .null),
            JSONMember("differsBy", r.differsBy.map { .number(JSONNumber(Int($0))) } ?? .null),
            JSONMember("storedTreeDiffers", .array(r.storedTreeDiffers.map { .number(JSONNumber(Int($0))) })),
            JSONMember("checkpoints", .array(r.verdicts.map { v in
                let (status, detail): (String, String?) = switch v.status {
                case .consistent: ("consistent", nil)
                case let .diverged(root): ("diverged", root.hex)
                case let .ahead(head): ("ahead", String(head))
                case let .notThisLedger(why): ("notThisLedger", why)
                }
                return .object([JSONMember("treeSize", .number(JSONNumber(Int(v.checkpoint.treeSize)))), JSONMember("rootHash", .string(v.checkpoint.rootHash.hex)),
                                JSONMember("status", .string(status)), JSONMember("detail", detail.map(JSONValue.string) ?? .null)])
            })),
        ])
    }
}

struct EventIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event-id",
        abstract: "Compute the CBV 2.0 hash ID of each event, in document order.",
        discussion: """
        Input: an EPCIS document, an event or an array of events (JSON-LD). Needs no ledger. The rules are in Docs/EVENT-HASH.md.

        EXAMPLES
          orchard event-id Example_9.6.1-ObjectEvent.jsonld
          orchard event-id --prehash - < event.json
        """)

    @Flag(help: "Also print each event's pre-hash string.") var prehash = false
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: ArgumentHelp("Events (default: standard input).", valueName: "FILE")) var input: String?

    func run() throws {
        try runCommand(json: json) {
            let rows = try EventID.identify(try readInput(input))
            if json {
                outJSON(.array(rows.map { prehash ? ["eventID": .string($0.id.uri), "prehash": .string($0.preHash)] : ["eventID": .string($0.id.uri)] }))
                return
            }
            for r in rows {
                out(r.id.uri)
                if prehash { out(r.preHash) }
            }
        }
    }
}
