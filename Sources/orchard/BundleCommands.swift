// `orchard verify-bundle`: checks a bundle file offline against a trust anchor — no ledger, no
// network. The checks are the library's (BundleVerifier); this reads files and prints.
import ArgumentParser
import Foundation
import OrchardQuery
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardTrace

struct VerifyBundle: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-bundle",
        abstract: "Verify a provenance bundle offline against the ledger's trust anchor.",
        discussion: """
        A bundle (Docs/BUNDLE.md) carries a lot's journey: the genesis record, the registry records that establish its signers' keys, the events, an inclusion proof of each against one signed checkpoint, and the lineage it claims. Every signature, proof and claim is checked from the trust anchor alone; nothing is fetched.

        --trust is the ledger's verifier key `<origin>+<key hash>+<base64 key>` (the sequencer's), or its genesis hash (64 hex digits: the hash of block 0). With --checkpoint and --consistency, the bundle is also shown to stay valid in a newer tree: the files are what `orchard checkpoint` and `orchard proof consistency --from SIZE` print (text or --json).

        An orchard-bundle/1 file (no lot map openings) proves no completeness and is refused unless --without-completeness is given.

        Exit 0 verified; 2 not verified (the message names the record and the check); 4 the file cannot be read or is not a bundle; 64 bad arguments.

        EXAMPLES
          orchard verify-bundle lot.json --trust 'orchard.example/duoduo-orchard+c3ffe336+AZpHvteaNnO5gQl33xqjE7/kO4b3UYkpmyV6wUzOjQP0'
          orchard verify-bundle lot.json --trust 02bc…41db --json
          orchard verify-bundle lot.json --trust "$KEY" --checkpoint today.txt --consistency proof.txt
        """)

    @Argument(help: ArgumentHelp("The bundle file (JSON).", valueName: "FILE")) var file: String
    @Option(help: ArgumentHelp("The ledger's verifier key, or its genesis hash (64 hex digits).", valueName: "ANCHOR")) var trust: String
    @Option(help: ArgumentHelp("A newer signed checkpoint (as `orchard checkpoint` prints it).", valueName: "FILE")) var checkpoint: String?
    @Option(help: ArgumentHelp("The consistency proof from the bundle's tree size to the newer checkpoint's (as `orchard proof consistency` prints it).",
                               valueName: "FILE")) var consistency: String?
    @Flag(help: "Print machine-readable JSON instead of text.") var json = false
    @Flag(name: .customLong("without-completeness"),
          help: "Accept an orchard-bundle/1 file, which carries no lot map openings (nothing then shows that no event was left out).")
    var withoutCompleteness = false

    func validate() throws {
        guard (checkpoint == nil) == (consistency == nil) else { throw ValidationError("give --checkpoint and --consistency together") }
    }

    func run() throws {
        try runCommand(json: json) {
            let anchor: TrustAnchor
            do { anchor = try TrustAnchor(trust) } catch let e as TrustAnchor.Malformed { throw UsageFailure(description: "--trust: \(e.reason)") }
            let bundle = try TraceBundle(bytes: try readInput(file))
            var newer: NewerCheckpoint?
            if let checkpoint, let consistency {
                let checkpointText = String(decoding: try readInput(checkpoint), as: UTF8.self)
                let proofText = String(decoding: try readInput(consistency), as: UTF8.self)
                do { newer = try NewerCheckpoint(checkpointText: checkpointText, consistencyProofText: proofText) } catch let e as NewerCheckpoint.Unreadable {
                    throw FileFailure(description: e.reason)
                }
            }
            do {
                // An older bundle cannot show that nothing was left out: refused unless asked for,
                // so a bundle stripped of its openings is not mistaken for a complete one.
                if bundle.lotMap == nil, !withoutCompleteness {
                    throw BundleFailure(.incomplete, path: "lotMap",
                                        reason: "an orchard-bundle/1 file carries no lot map openings, so nothing shows that no event of the journey was left out (--without-completeness checks the rest)")
                }
                let verified = try BundleVerifier.verify(bundle, trust: anchor, newerCheckpoint: newer)
                if json {
                    var m = verified.summaryJSON.objectMembers ?? []
                    m.append(JSONMember("journey", verified.journey.json))
                    outJSON(.object(m))
                } else {
                    verified.summaryLines.forEach(out)
                    out("")
                    print(verified.journey.timeline(verifiedAgainst: verified.checkpoint.treeSize), terminator: "")
                }
            } catch let failure as BundleFailure {
                if json { outJSON(.object([JSONMember("verified", .bool(false)), JSONMember("failure", failure.json)])) }
                throw failure
            }
        }
    }
}

struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Write a lot's journey as one self-contained file that verifies offline.",
        discussion: """
        The bundle (Docs/BUNDLE.md) holds the backward journey of CODE (as `orchard trace` finds it), or with --forward everything made from it (a recall): the signed records, one signed checkpoint, an inclusion proof of every record (shared hashes stored once), the genesis record and the registry records that establish each signer's key at its leaf, and for every lot and container of the journey the lot map opening (Docs/LOTMAP.md) that proves no event of it was left out. Anyone can check it with `orchard verify-bundle FILE --trust ANCHOR`, where ANCHOR is what `orchard checkpoint --verifier-key` prints (or the genesis hash).

        CODE takes every form `orchard trace` does. Exit 3 when no event names it, 64 when it is malformed.

        EXAMPLES
          orchard bundle 'https://fruit.example/01/06971230000013/10/260603-1A' --out lot.json
          orchard checkpoint --verifier-key > anchor.txt
          orchard verify-bundle lot.json --trust "$(cat anchor.txt)"
        """)

    @OptionGroup var options: LedgerOptions
    @Argument(help: ArgumentHelp("The trace code.", valueName: "code")) var code: String
    @Option(help: ArgumentHelp("Where to write the bundle (- for standard output).", valueName: "FILE")) var out: String
    @Flag(help: "A recall bundle: everything made from the lot since, proved complete at the head block.") var forward = false

    func run() throws {
        try runCommand(json: options.json) {
            let store = try options.open()
            let key = try traceKey(code)
            // Checked offline, as a consumer's app will check it, before the file exists.
            let bundle = try store.verifiedBundle(for: key, code: code, direction: forward ? .forward : .backward)
            let text = bundle.text
            if out == "-" { print(text, terminator: "") } else {
                do { try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                    throw FileFailure(description: "\(out): \(plainFileError(error).map { "\($0)" } ?? "\(error)")")
                }
                let events = bundle.lots.reduce(into: Set<UInt64>()) { $0.formUnion($1.namedBy.map(\.leaf)) }.count
                if options.json {
                    outJSON(.object([JSONMember("file", .string(out)), JSONMember("bytes", .number(JSONNumber(text.utf8.count))),
                                     JSONMember("records", .number(JSONNumber(bundle.records.count))), JSONMember("events", .number(JSONNumber(events))),
                                     JSONMember("proofHashes", .number(JSONNumber(bundle.hashes.count)))]))
                } else {
                    orchard.out("wrote \(out): \(events) events, \(bundle.records.count) records with the genesis and registry, \(bundle.hashes.count) proof hashes, \(text.utf8.count) bytes")
                }
            }
        }
    }
}
