// `orchard verify-bundle`: checks a bundle file offline against a trust anchor — no ledger, no
// network. The checks are the library's (BundleVerifier); this reads files and prints.
import ArgumentParser
import Foundation
import OrchardQuery
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardPublish
import OrchardTrace

struct VerifyBundle: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-bundle",
        abstract: "Verify a provenance bundle offline against the ledger's trust anchor.",
        discussion: """
        A bundle (Docs/BUNDLE.md) carries a lot's journey: the genesis record, the registry records that establish its signers' keys, the events, an inclusion proof of each against one signed checkpoint, and the lineage it claims. Every signature, proof and claim is checked from the trust anchor alone; nothing is fetched.

        --trust is the ledger's verifier key `<origin>+<key hash>+<base64 key>` (the sequencer's), or its genesis hash (64 hex digits: the hash of block 0). With --checkpoint and --consistency, the bundle is also shown to stay valid in a newer tree: the files are what `orchard checkpoint` and `orchard proof consistency --from SIZE` print (text or --json).

        FILE may be a URL (http:// or https://): the bundle is fetched with Accept: application/json, from the node's resolver or from a published log (`orchard publish`) at its Digital Link path. Then the log's current checkpoint is fetched too (the URL's part before /01/ is the log's prefix), and the bundle is shown consistent with it through a proof computed from the log's tiles. --remember FILE keeps the largest checkpoint seen: the next run refuses a log that went back to a smaller tree (rolled back) or whose tree does not extend the remembered one (forked). --witnesses N requires cosignatures (c2sp.org/tlog-cosignature) by N registered witnesses — participants whose registration names a witness key — on the bundle's checkpoint or the log's.

        An orchard-bundle/1 file (no lot map openings) proves no completeness and is refused unless --without-completeness is given.

        Exit 0 verified; 2 not verified (the message names the record and the check); 4 the file cannot be read or is not a bundle; 64 bad arguments.

        EXAMPLES
          orchard verify-bundle lot.json --trust 'orchard.example/duoduo-orchard+c3ffe336+AZpHvteaNnO5gQl33xqjE7/kO4b3UYkpmyV6wUzOjQP0'
          orchard verify-bundle lot.json --trust 02bc…41db --json
          orchard verify-bundle lot.json --trust "$KEY" --checkpoint today.txt --consistency proof.txt
          orchard verify-bundle http://127.0.0.1:8081/01/06971230000013/10/260603-1A --trust "$KEY" --remember seen.txt --witnesses 2
        """)

    @Argument(help: ArgumentHelp("The bundle file (JSON), or its URL.", valueName: "FILE")) var file: String
    @Option(help: ArgumentHelp("The ledger's verifier key, or its genesis hash (64 hex digits).", valueName: "ANCHOR")) var trust: String
    @Option(help: ArgumentHelp("A newer signed checkpoint (as `orchard checkpoint` prints it).", valueName: "FILE")) var checkpoint: String?
    @Option(help: ArgumentHelp("The consistency proof from the bundle's tree size to the newer checkpoint's (as `orchard proof consistency` prints it).",
                               valueName: "FILE")) var consistency: String?
    @Flag(help: "Print machine-readable JSON instead of text.") var json = false
    @Flag(name: .customLong("without-completeness"),
          help: "Accept an orchard-bundle/1 file, which carries no lot map openings (nothing then shows that no event was left out).")
    var withoutCompleteness = false
    @Option(help: ArgumentHelp("Cosignatures by this many registered witnesses required.", valueName: "N"), transform: wholeNumber())
    var witnesses: UInt64 = 0
    @Option(help: ArgumentHelp("A file keeping the largest log checkpoint seen (URL bundles): a rolled-back or forked log is refused.", valueName: "FILE"))
    var remember: String?

    var isURL: Bool { file.hasPrefix("http://") || file.hasPrefix("https://") }

    func validate() throws {
        guard (checkpoint == nil) == (consistency == nil) else { throw ValidationError("give --checkpoint and --consistency together") }
        guard remember == nil || isURL else { throw ValidationError("--remember is for a bundle fetched from a URL") }
        guard !isURL || checkpoint == nil else { throw ValidationError("for a URL the log's checkpoint is fetched; --checkpoint is for files") }
    }

    func run() throws {
        try runCommand(json: json) {
            let anchor: TrustAnchor
            do { anchor = try TrustAnchor(trust) } catch let e as TrustAnchor.Malformed { throw UsageFailure(description: "--trust: \(e.reason)") }
            let bundle = try TraceBundle(bytes: isURL ? try fetchBundle(file) : try readInput(file))
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
                var verified = try BundleVerifier.verify(bundle, trust: anchor, newerCheckpoint: newer)
                var logLines = [String]()
                if isURL {
                    let (log, logNewer, lines) = try checkLog(verified)
                    logLines = lines
                    verified = try BundleVerifier.verify(bundle, trust: anchor, newerCheckpoint: logNewer)
                    if let remember { try keep(log.checkpoint, in: remember) }
                }
                let cosigned = verified.witnessCosignatures
                if witnesses > 0 {
                    logLines.append("witnesses: \(cosigned.count) registered witness\(cosigned.count == 1 ? "" : "es") cosigned (\(witnesses) required)"
                                    + (cosigned.isEmpty ? "" : ": " + cosigned.map { "\($0.participant.name) (\($0.witness.name))" }.joined(separator: ", ")))
                    guard cosigned.count >= Int(witnesses) else {
                        throw BundleFailure(.witnesses, path: "checkpoint",
                                            reason: "\(cosigned.count) registered witness\(cosigned.count == 1 ? "" : "es") cosigned the checkpoint, \(witnesses) required"
                                                + (cosigned.isEmpty ? "" : " (" + cosigned.map(\.participant.id).joined(separator: ", ") + ")"))
                    }
                }
                if json {
                    var m = verified.summaryJSON.objectMembers ?? []
                    m.append(JSONMember("journey", verified.journey.json))
                    m.append(JSONMember("witnesses", .array(cosigned.map { .object([
                        JSONMember("participant", .string($0.participant.id)), JSONMember("witness", .string($0.witness.description)),
                        JSONMember("timestamp", .number(JSONNumber(Int($0.timestamp)))),
                    ]) })))
                    outJSON(.object(m))
                } else {
                    verified.summaryLines.forEach(out)
                    logLines.forEach(out)
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

extension VerifyBundle {
    /// The bundle at `url` (Accept: application/json); a 404 is "not found" (exit 3).
    func fetchBundle(_ url: String) throws -> [UInt8] {
        do {
            guard let bytes = try awaitResult({ try await HTTPObjectSource(base: url).get(url, accept: "application/json") }) else {
                throw QueryError.unknownCode("\(url) (404: no bundle there)")
            }
            return bytes
        } catch let failure as FetchFailure {
            throw FileFailure(description: "cannot fetch the bundle: \(failure)")
        }
    }

    /// The log the bundle was fetched from (the URL's prefix before the Digital Link path): its
    /// checkpoint, signed by the bundle's ledger, extending the bundle's and any remembered one.
    func checkLog(_ verified: VerifiedBundle) throws -> (PublishedLog, NewerCheckpoint?, [String]) {
        guard let cut = file.range(of: "/01/") ?? file.range(of: "/00/") else {
            throw UsageFailure(description: "\(file): not a Digital Link URL (/01/…), so the log's prefix is unknown")
        }
        let prefix = String(file[..<cut.lowerBound])
        let key = VerifierKey(name: verified.genesis.origin, key: verified.genesis.sequencerKey)
        let remembered = try remember.flatMap { path -> Checkpoint? in
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            do { return try Checkpoint(text: String(decoding: data, as: UTF8.self)) } catch {
                throw FileFailure(description: "--remember \(path): not a checkpoint: \(error)")
            }
        }
        let bundleSize = verified.checkpoint.treeSize
        let result: Result<(PublishedLog, [SHA256Digest]?, [SHA256Digest]?), any Error> = Result {
            try awaitResult {
                let log = try await PublishedLog(source: HTTPObjectSource(base: prefix), trust: key)
                let size = log.checkpoint.treeSize
                let fromBundle = bundleSize < size ? try await log.consistencyProof(from: bundleSize) : nil
                let fromRemembered = remembered.flatMap { $0.treeSize < size ? $0.treeSize : nil }
                var proof: [SHA256Digest]?
                if let fromRemembered { proof = try await log.consistencyProof(from: fromRemembered) }
                return (log, fromBundle, proof)
            }
        }
        let (log, fromBundle, fromRemembered): (PublishedLog, [SHA256Digest]?, [SHA256Digest]?)
        do { (log, fromBundle, fromRemembered) = try result.get() } catch let failure as LogFailure {
            throw BundleFailure(.newerCheckpoint, path: "log", reason: "the log at \(prefix) does not verify: \(failure)")
        } catch let failure as FetchFailure {
            throw FileFailure(description: "cannot fetch the log's checkpoint: \(failure)")
        }
        let size = log.checkpoint.treeSize
        var lines = ["log \(prefix): checkpoint of \(size) leaves, signed by \(key.name)"]
        if let remembered {
            guard remembered.origin == key.name, (try? remembered.isSigned(by: key.key)) == true else {
                throw BundleFailure(.logRollback, path: "remember", reason: "the remembered checkpoint is not this ledger's")
            }
            if remembered.treeSize > size {
                throw BundleFailure(.logRollback, path: "checkpoint", reason: "the log went back from \(remembered.treeSize) leaves (remembered) to \(size): rolled back")
            }
            if remembered.treeSize == size, remembered.rootHash != log.checkpoint.rootHash {
                throw BundleFailure(.logRollback, path: "checkpoint", reason: "the log's tree of \(size) leaves has another root than the one remembered: a forked history")
            }
            if let fromRemembered {
                do {
                    try MerkleVerifier.verifyConsistency(oldSize: remembered.treeSize, newSize: size, oldRoot: remembered.rootHash,
                                                         newRoot: log.checkpoint.rootHash, proof: fromRemembered)
                } catch {
                    throw BundleFailure(.logRollback, path: "checkpoint", reason: "the log's tree of \(size) leaves does not extend the remembered one of \(remembered.treeSize): a forked history")
                }
            }
            lines.append("  extends the remembered checkpoint of \(remembered.treeSize) leaves")
        }
        if bundleSize > size {
            // A publish under way writes bundles before the checkpoint: nothing to compare yet.
            lines.append("  the bundle's tree (\(bundleSize) leaves) is newer than the log's checkpoint: not compared (a publish under way?)")
            return (log, nil, lines)
        }
        return (log, fromBundle.map { NewerCheckpoint(checkpoint: log.checkpoint, consistencyProof: $0) }, lines)
    }

    /// Keeps `checkpoint` in `path` (replaced atomically).
    func keep(_ checkpoint: Checkpoint, in path: String) throws {
        do { try Data(checkpoint.text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw FileFailure(description: "--remember \(path): cannot write: \(error)")
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
