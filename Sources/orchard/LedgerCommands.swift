// init, keygen, sign, append, import: creating a ledger and putting signed events into it.
import ArgumentParser
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a ledger from a genesis configuration.",
        discussion: """
        Writes block 0 (the genesis record, signed by the sequencer) into a new ledger directory and keeps a copy of the sequencer key there (mode 0600).

        EXAMPLES
          orchard init --genesis Genesis/duoduo-orchard.json
          orchard --ledger /srv/orchard init --genesis my.json --sequencer-key keys/sequencer.pem
        """)

    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("Genesis configuration (JSON).", valueName: "FILE")) var genesis: String
    @Option(help: ArgumentHelp("The sequencer's private key (PEM). Default: demo-keys/sequencer.pem beside the genesis file (demo only).", valueName: "FILE"))
    var sequencerKey: String?

    func run() throws {
        try runCommand(json: options.json) {
            let json = try JSONParser.parse(try readInput(genesis))
            let keyPath = sequencerKey ?? (URL(fileURLWithPath: genesis).deletingLastPathComponent().path + "/demo-keys/sequencer.pem")
            if sequencerKey == nil && !options.json {
                FileHandle.standardError.write(Data("note: using the DEMO sequencer key \(keyPath) (never for real produce)\n".utf8))
            }
            let store = try LedgerStore.create(directory: options.directory, genesisJSON: json, sequencerKey: try loadKey(keyPath),
                                               nowMillis: currentMillis())
            let head = try store.head()
            if options.json {
                outJSON(["ledger": .string(options.directory), "origin": .string(store.genesis.origin),
                         "genesisHash": .string(store.genesisHash.hex), "checkpoint": .string(head.checkpoint.text)])
            } else {
                out("created ledger \(options.directory)")
                out("origin:       \(store.genesis.origin)")
                out("genesis hash: \(store.genesisHash.hex)")
                out("participants: \(store.genesis.participants.count), products: \(store.genesis.products.count)")
            }
        }
    }
}

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate an Ed25519 key pair.",
        discussion: """
        Writes the private key as PKCS#8 PEM (mode 0600, the format of `openssl genpkey -algorithm ed25519`) and the public key beside it as FILE.pub (SPKI PEM). Prints the key ID and the base64 public key that genesis files and registry records use.

        EXAMPLE
          orchard keygen --out keys/farm-42.pem
        """)

    @OptionGroup var options: LedgerOptions
    @Option(name: .customLong("out"), help: ArgumentHelp("Where to write the private key (must not exist).", valueName: "FILE"))
    var output: String

    func run() throws {
        try runCommand(json: options.json) {
            let key = try Ed25519PrivateKey.generate(writingTo: output)
            let raw = Base64.encode(key.publicKey.rawRepresentation)
            if options.json {
                outJSON(["keyID": .string(key.publicKey.keyID.rawValue), "publicKey": .string(raw),
                         "privateKeyFile": .string(output), "publicKeyFile": .string(output + ".pub")])
            } else {
                out("private key: \(output) (0600)")
                out("public key:  \(output).pub")
                out("key ID:      \(key.publicKey.keyID)")
                out("publicKey (for genesis / registry records): \(raw)")
            }
        }
    }
}

/// The origin to sign for: --origin, else the ledger's.
func signingOrigin(_ origin: String?, _ options: LedgerOptions) throws -> String {
    if let origin { return origin }
    do { return try options.open().genesis.origin } catch {
        throw UsageFailure(description: "cannot tell which ledger to sign for: \(error); pass --origin ORIGIN or --ledger DIR")
    }
}

struct Sign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign EPCIS events as a participant; print signed records as JSON Lines.",
        discussion: """
        Input: one EPCIS 2.0 event, a JSON array of events, or an EPCIS document (JSON-LD). Each event is signed over its RFC 8785 canonical bytes under the ledger's origin, so a signature cannot be replayed on another ledger. Output lines are ready for `orchard append`.

        EXAMPLES
          orchard sign --key Genesis/demo-keys/farm-sn-luochuan-01.pem harvest.jsonld > signed.jsonl
          cat events.json | orchard sign --key k.pem --origin orchard.example/duoduo-orchard -
        """)

    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("The signer's private key (PEM).", valueName: "FILE")) var key: String
    @Option(help: ArgumentHelp("Ledger origin to sign for (default: the --ledger's).", valueName: "ORIGIN")) var origin: String?
    @Argument(help: ArgumentHelp("Events to sign (default: standard input).", valueName: "EVENTS")) var input: String?

    func run() throws {
        try runCommand(json: options.json) {
            let records = try EventSigning.sign(try readInput(input), key: try loadKey(key), origin: try signingOrigin(origin, options))
            for r in records { print(JSONWriter.compactString(r.json)) }
        }
    }
}

/// Appends records in batches and prints the receipts; a refusal names each record's line.
func appendAndReport(_ inputs: [RecordInput], lines: [Int]? = nil, options: LedgerOptions, batchSize: Int = Int.max) throws {
    let receipts: [Receipt]
    do { receipts = try options.open().append(inputs, batchSize: batchSize) } catch let rejection as AppendRejection {
        throw rejection.locating(lines: lines)
    }
    if options.json {
        outJSON(.object([JSONMember("receipts", .array(receipts.map(\.json)))]))
        return
    }
    for r in receipts.prefix(20) { out(r.line) }
    if receipts.count > 20 { out("… \(receipts.count - 20) more") }
    let fresh = receipts.filter { !$0.duplicate }.count
    if let last = receipts.last {
        out("\(fresh) new, \(receipts.count - fresh) already present; checkpoint:")
        print(last.checkpoint.text, terminator: "")
    }
}

struct Append: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate and append signed records (all or nothing).",
        discussion: """
        Input: JSON Lines of signed records (as `orchard sign` writes), or a JSON array of them. Every record is checked (signature by a registered, unrevoked key; role; lots; mass balance; time); if any fails, every problem is listed, nothing is written and the exit code is 1. Appending an event that is already in the ledger returns its original receipt. An input of more than --batch-size records is appended as consecutive batches, each all or nothing; if one is refused, the error says which records had already landed.

        EXAMPLES
          orchard append signed.jsonl
          orchard sign --key k.pem event.json | orchard append --json
          orchard append --batch-size 50000 season.jsonl
        """)

    @OptionGroup var options: LedgerOptions
    @Option(help: "Records per all-or-nothing batch (bounds memory on very large inputs; at least 1).") var batchSize = 100_000
    @Argument(help: ArgumentHelp("Signed records (default: standard input).", valueName: "FILE")) var input: String?

    func run() throws {
        try runCommand(json: options.json) {
            var trace = StageTrace(options.logger)
            let bytes = try readInput(input)
            let inputs = try RecordInputs.split(bytes)
            trace.mark("read and split input")
            try appendAndReport(inputs, lines: RecordInputs.lineNumbers(of: bytes, records: inputs), options: options, batchSize: batchSize)
            trace.mark("append and report")
        }
    }

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1 (got \(batchSize))") }
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign the events of an EPCIS document with one key and append them.",
        discussion: """
        `orchard import --key K DOC` is `orchard sign --key K DOC | orchard append`, in one step.

        EXAMPLE
          orchard import --key Genesis/demo-keys/pack-sn-xian.pem packing-2026-09-14.jsonld
        """)

    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("The signer's private key (PEM).", valueName: "FILE")) var key: String
    @Argument(help: ArgumentHelp("EPCIS document, event or array of events.", valueName: "EPCIS-DOC")) var document: String

    func run() throws {
        try runCommand(json: options.json) {
            let origin = try options.open().genesis.origin
            let records = try EventSigning.sign(try readInput(document), key: try loadKey(key), origin: origin)
            try appendAndReport(records.map { .json($0.json) }, options: options)
        }
    }
}
