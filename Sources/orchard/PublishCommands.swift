// `orchard publish` (the ledger as a static C2SP tlog-tiles log on object storage) and
// `orchard witness` (a supply-chain participant cosigning the ledger's checkpoints). The work is
// OrchardPublish's and OrchardNode's; this parses arguments and prints.
import ArgumentParser
import Foundation
import Logging
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardNode
import OrchardObjectStore
import OrchardPublish
import OrchardStore

/// Runs async library work from a synchronous command (the work runs off the main thread).
func awaitResult<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: Result<T, any Error>?
    Task.detached {
        do { result = .success(try await work()) } catch { result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try result!.get()
}

struct Publish: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish the ledger as a static C2SP tlog-tiles log on object storage.",
        discussion: """
        Writes hash tiles (tile/<L>/<N>), entry bundles with the exact record bytes \
        (tile/entries/<N>), block headers (block/<N>), every lot's bundle at its Digital Link path \
        (01/<gtin>/10/<lot>, the current one, cached briefly) and at its tree size \
        (bundle/<size>/01/…, immutable), the consumer page (page/lot.html) and the verifier key, \
        and the checkpoint last. Immutable objects are created only where nothing is \
        (If-None-Match: *); one already there must hold the same bytes, else the publish stops \
        (an alarm, never an overwrite). A second publish writes only what is new: the bucket's \
        checkpoint says how far it goes, and must be this ledger's. Docs/PUBLISH.md.

        --to s3://BUCKET/PREFIX with --endpoint URL (credentials from AWS_ACCESS_KEY_ID and \
        AWS_SECRET_ACCESS_KEY, region AWS_REGION, default us-east-1), or --to DIR for a directory \
        any static web server can serve. With --witness URL (repeatable) each witness must \
        cosign the checkpoint before it is published; the checkpoint and the lot bundles carry \
        the cosignatures.

        Exit 0 published; 2 the bucket holds another log or a different object at an immutable \
        name; 4 the store or a witness could not be reached; 64 bad arguments.

        EXAMPLES
          orchard publish --to s3://orchard/ --endpoint http://127.0.0.1:8333
          orchard publish --to ./site --public-host https://trace.example
          orchard publish --to s3://orchard/log --endpoint "$S3" --witness http://coop.example:8090 --witness http://regulator.example:8090
        """)

    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("Where: s3://BUCKET/PREFIX, or a directory.", valueName: "TARGET")) var to: String
    @Option(help: ArgumentHelp("The S3 endpoint (http://HOST:PORT) for s3:// targets.", valueName: "URL")) var endpoint: String?
    @Option(name: .customLong("public-host"), help: ArgumentHelp("The origin consumers reach the published log at (the code carried in each bundle).", valueName: "URL"))
    var publicHost: String?
    @Option(name: .customLong("witness"), help: ArgumentHelp("A witness to cosign the checkpoint (repeatable).", valueName: "URL"))
    var witnesses: [String] = []

    func run() throws {
        try runCommand(json: options.json) {
            let store = try options.open()
            let sink = try makeSink(to: to, endpoint: endpoint)
            var publishOptions = PublishOptions()
            publishOptions.publicHost = publicHost.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            publishOptions.staticObjects = ConsumerPageFiles.objects(verifierKey: store.verifierKey)
            // Progress on a terminal only, one line rewritten in place.
            if !options.json, isatty(2) == 1 {
                publishOptions.progress = { line in FileHandle.standardError.write(Data(("\r\u{1B}[K  " + line).utf8)) }
            }
            if !witnesses.isEmpty {
                let clients = witnesses.map { WitnessClient(url: $0) }
                publishOptions.cosign = { checkpoint in
                    var lines = [String]()
                    for client in clients {
                        lines += try await client.cosign(checkpoint) { old in try store.consistencyProof(from: old, to: checkpoint.treeSize).proof }
                    }
                    return try checkpoint.adding(signatureLines: lines)
                }
            }
            let report = try awaitResult { [publishOptions] in try await Publisher(store: store, sink: sink, options: publishOptions).publish() }
            if !options.json, isatty(2) == 1 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if options.json {
                outJSON(.object([
                    JSONMember("format", .string("orchard-publish/1")),
                    JSONMember("target", .string(to)),
                    JSONMember("previousTreeSize", .number(JSONNumber(Int(report.previousTreeSize)))),
                    JSONMember("treeSize", .number(JSONNumber(Int(report.treeSize)))),
                    JSONMember("objectsWritten", .number(JSONNumber(report.written))),
                    JSONMember("objectsAlreadyThere", .number(JSONNumber(report.alreadyThere))),
                    JSONMember("bytesWritten", .number(JSONNumber(report.bytesWritten))),
                    JSONMember("tiles", .number(JSONNumber(report.tiles))),
                    JSONMember("entryBundles", .number(JSONNumber(report.entryBundles))),
                    JSONMember("blocks", .number(JSONNumber(report.blocks))),
                    JSONMember("lotBundles", .number(JSONNumber(report.lotBundles))),
                    JSONMember("witnesses", .number(JSONNumber(witnesses.count))),
                    JSONMember("seconds", .number(JSONNumber(report.seconds))),
                ]))
            } else {
                out("published \(to): tree \(report.previousTreeSize) → \(report.treeSize) leaves")
                out("  \(report.written) objects written (\(report.bytesWritten) bytes), \(report.alreadyThere) already there")
                out("  \(report.tiles) tiles, \(report.entryBundles) entry bundles, \(report.blocks) block headers, \(report.lotBundles) lot bundles")
                if !witnesses.isEmpty { out("  checkpoint cosigned by \(witnesses.count) witness\(witnesses.count == 1 ? "" : "es")") }
                out(String(format: "  %.1f s", report.seconds))
            }
        }
    }
}

/// The sink a `--to` names.
func makeSink(to: String, endpoint: String?) throws -> any ObjectSink {
    if to.hasPrefix("s3://") {
        do { return try S3Sink.make(url: to, endpoint: endpoint) } catch let e as S3SinkUsage {
            throw UsageFailure(description: "--to: \(e.description)")
        } catch let e as S3LocationError {
            throw UsageFailure(description: "--to: \(e)")
        }
    }
    guard endpoint == nil else { throw UsageFailure(description: "--endpoint is for s3:// targets") }
    return DirectorySink(directory: to.hasPrefix("file://") ? String(to.dropFirst("file://".count)) : to)
}

struct MirrorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "Follow a published log as a read replica, re-verifying everything it fetches.",
        discussion: """
        Fetches the log's checkpoint (it must be signed by --trust), proves that it extends what \
        the mirror holds (a consistency proof from the tiles), checks the new entry bundles \
        against the tiles, and appends the records in the published blocks to the mirror's own \
        ledger as an append would check them: each signature with the key the registry gave its \
        signer at its leaf, every append rule, and each block header (previous hash, tree root, \
        lot map root) and its sequencer signature against what the records make. A log that does \
        not verify is refused and reported (exit 2), and the mirror stays as it was. \
        `orchard serve --ledger DIR` then serves the mirror read-only (capture answers 405).

        With --follow SECONDS it keeps following, one checkpoint behind the source at most.

        EXAMPLES
          orchard mirror --from http://cdn.example/orchard --ledger replica --trust "$(cat anchor.txt)"
          orchard mirror --from http://cdn.example/orchard --ledger replica --trust "$KEY" --follow 10
        """)

    @Option(help: ArgumentHelp("The published log: its URL prefix, or a directory.", valueName: "URL")) var from: String
    @Option(help: ArgumentHelp("The mirror's ledger directory (created on the first run).", valueName: "DIR")) var ledger: String
    @Option(help: ArgumentHelp("The ledger's verifier key (orchard checkpoint --verifier-key).", valueName: "VKEY")) var trust: String
    @Option(help: ArgumentHelp("Keep following, checking every SECONDS.", valueName: "SECONDS"), transform: wholeNumber())
    var follow: UInt64?
    @Flag(help: "Print machine-readable JSON instead of text.") var json = false

    func run() throws {
        try runCommand(json: json) {
            let key: VerifierKey
            do { key = try VerifierKey(trust) } catch { throw UsageFailure(description: "--trust: \(error)") }
            let source: any ObjectSource = from.hasPrefix("http://") || from.hasPrefix("https://")
                ? HTTPObjectSource(base: from) : DirectorySink(directory: from)
            let mirror = Mirror(source: source, trust: key, directory: ledger)
            while true {
                let report: MirrorReport
                do { report = try awaitResult { try await mirror.follow() } } catch let failure as LogFailure {
                    throw MirrorRefusal(height: nil, leaf: nil, reason: "the published log does not verify: \(failure)")
                } catch let failure as FetchFailure {
                    throw FileFailure(description: "cannot fetch from the log: \(failure)")
                }
                if json {
                    outJSON(.object([
                        JSONMember("format", .string("orchard-mirror/1")),
                        JSONMember("created", .bool(report.created)),
                        JSONMember("previousTreeSize", .number(JSONNumber(Int(report.previousTreeSize)))),
                        JSONMember("treeSize", .number(JSONNumber(Int(report.treeSize)))),
                        JSONMember("blocks", .number(JSONNumber(report.blocks))),
                        JSONMember("records", .number(JSONNumber(report.records))),
                    ]))
                } else {
                    out("mirror \(ledger): tree \(report.previousTreeSize) → \(report.treeSize) leaves (\(report.blocks) blocks, \(report.records) records verified and applied)")
                }
                guard let follow else { break }
                fflush(nil)
                Thread.sleep(forTimeInterval: Double(max(1, follow)))
            }
        }
    }
}

struct WitnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Cosign the ledger's checkpoints as a witness (C2SP tlog-witness).",
        subcommands: [WitnessServe.self, WitnessKey.self])
}

struct WitnessKey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Print a witness's cosigner key, to register as the participant's `witness` member.",
        discussion: """
        Prints <name>+<key ID>+<base64(0x04 ‖ key)> (c2sp.org/tlog-cosignature). Register it in \
        the participant's entry (genesis, or a registry `add`) as "witness": "<that line>"; \
        `orchard verify-bundle --witnesses N` then counts the participant's cosignatures.

        EXAMPLES
          orchard keygen --out coop-witness.pem
          orchard witness key --key coop-witness.pem --name witness.orchard.example/coop-sx-01
        """)

    @Option(help: ArgumentHelp("The witness's private key (PEM).", valueName: "FILE")) var key: String
    @Option(help: ArgumentHelp("The witness's name (a schema-less URL).", valueName: "NAME")) var name: String

    func run() throws {
        try runCommand(json: false) {
            out(CosignerKey(name: name, key: try loadKey(key).publicKey).description)
        }
    }
}

struct WitnessServe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a witness: POST /add-checkpoint answers a cosignature for a consistent checkpoint.",
        discussion: """
        The witness keeps the last checkpoint it cosigned (in --state, fsynced before it answers) \
        and cosigns a new one only when a consistency proof from that one verifies: a request \
        with another old size gets 409 and the size it knows (text/x.tlog.size), an inconsistent \
        proof 422, a checkpoint not signed by the log's key 403, another log's origin 404 \
        (c2sp.org/tlog-witness). So it never cosigns two histories of the ledger. The first line \
        on standard output says where it listens.

        EXAMPLES
          orchard witness serve --key coop-witness.pem --name witness.orchard.example/coop-sx-01 \\
            --ledger-origin orchard.example/duoduo-orchard --log-key "$(orchard checkpoint --verifier-key)" \\
            --state coop-witness-state --port 8090
        """)

    @Option(help: ArgumentHelp("The witness's private key (PEM).", valueName: "FILE")) var key: String
    @Option(help: ArgumentHelp("The witness's name (the cosignature's key name).", valueName: "NAME")) var name: String
    @Option(name: .customLong("ledger-origin"), help: ArgumentHelp("The origin of the ledger it witnesses.", valueName: "ORIGIN"))
    var ledgerOrigin: String
    @Option(name: .customLong("log-key"), help: ArgumentHelp("The ledger's verifier key (orchard checkpoint --verifier-key).", valueName: "VKEY"))
    var logKey: String
    @Option(help: ArgumentHelp("Directory of the witness's state.", valueName: "DIR")) var state: String
    @Option(help: ArgumentHelp("Address to listen on.", valueName: "ADDR")) var host = "127.0.0.1"
    @Option(help: ArgumentHelp("Port (0: any free one).", valueName: "PORT"), transform: wholeNumber()) var port: UInt64 = 8090

    func run() throws {
        try runCommand(json: false) {
            let log: VerifierKey
            do { log = try VerifierKey(logKey) } catch { throw UsageFailure(description: "--log-key: \(error)") }
            guard log.name == ledgerOrigin else {
                throw UsageFailure(description: "--log-key is for \(log.name), not --ledger-origin \(ledgerOrigin)")
            }
            var configuration = WitnessConfiguration(name: name, key: try loadKey(key), log: log, stateDirectory: state)
            configuration.host = host
            configuration.port = Int(port)
            let witness = try Witness(configuration: configuration)
            LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
            let logger = Logger(label: "orchard.witness")
            let host = self.host
            let cosigner = configuration.cosigner
            let app = witness.application(logger: logger) { port in
                print("orchard witness listening on http://\(host):\(port) (\(cosigner))")
                fflush(nil)
            }
            try awaitResult { try await app.runService() }
        }
    }
}
