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
            let directory = options.directory
            if pathKind(directory) == .file {
                throw FileFailure(description: "cannot create a ledger at \(directory): it is a file, not a directory (init makes a new ledger directory; give --ledger a path that does not exist yet)")
            }
            if let blocking = fileOnPath(directory) {
                throw FileFailure(description: "cannot create a ledger at \(directory): \(blocking) is a file, not a directory")
            }
            if pathKind(directory + "/data") != nil && pathKind(directory + "/data/data.mdb") == nil {
                throw FileFailure(description: "cannot create a ledger at \(directory): it already has a data entry that is not a ledger; give --ledger a path that does not exist yet")
            }
            // What is wrong with the genesis file comes first, named by its path, before its key is looked for.
            let bytes = try readInput(genesis)
            let json: JSONValue
            do { json = try JSONParser.parse(bytes) } catch { throw RejectedInput(description: "\(genesis) is not a genesis file: \(error)") }
            do { _ = try Genesis(json: json) } catch { throw RejectedInput(description: "\(genesis) is not a valid genesis file: \(error)") }
            let keyPath = sequencerKey ?? (URL(fileURLWithPath: genesis).deletingLastPathComponent().path + "/demo-keys/sequencer.pem")
            if sequencerKey == nil && !options.json {
                FileHandle.standardError.write(Data("note: using the DEMO sequencer key \(keyPath) (never for real produce)\n".utf8))
            }
            let key = try loadKey(keyPath)
            // What this command creates (the first missing directory on the path) is removed again
            // if the ledger cannot be made, so a failed init leaves nothing behind.
            let created = firstMissingAncestor(of: directory)
            let store: LedgerStore
            do {
                store = try LedgerStore.create(directory: directory, genesisJSON: json, sequencerKey: key, nowMillis: currentMillis())
            } catch {
                if let created { try? FileManager.default.removeItem(atPath: created) }
                if let plain = plainFileError(error) { throw FileFailure(description: "cannot create a ledger at \(directory): \(plain)") }
                throw error
            }
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
            try checkKeyDestination(output)
            let key: Ed25519PrivateKey
            do { key = try Ed25519PrivateKey.generate(writingTo: output) } catch {
                // generate() removes the private key itself when the public key cannot be written.
                if case let .fileError(path, reason)? = error as? CryptoError { throw FileFailure(description: "cannot write the key to \(path): \(reason)") }
                throw FileFailure(description: "cannot write the key to \(output): \(error)")
            }
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

/// Refuses a keygen destination before anything is written: its directory must exist, and
/// neither FILE nor FILE.pub may (a key is never overwritten).
func checkKeyDestination(_ path: String) throws {
    let directory = parentDirectory(path)
    switch pathKind(directory) {
    case nil: throw FileFailure(description: "cannot write the key to \(path): the directory \(directory) does not exist (create it first, e.g. mkdir -p \(directory))")
    case .file?: throw FileFailure(description: "cannot write the key to \(path): \(directory) is a file, not a directory")
    case .directory?: break
    }
    for file in [path, path + ".pub"] {
        switch pathKind(file) {
        case .directory?: throw FileFailure(description: "cannot write the key to \(file): it is a directory; --out names the private key file to create")
        case .file?: throw FileFailure(description: "cannot write the key to \(path): \(file) already exists, and keygen never overwrites a key (choose another --out, or move the old file away)")
        case nil: break
        }
    }
}

/// The directory `path` is in: "." for a bare name, "/" at the root. (Not NSString's
/// deletingLastPathComponent, which traps on some relative paths in this Foundation.)
func parentDirectory(_ path: String) -> String {
    var p = Substring(path)
    while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
    guard let slash = p.lastIndex(of: "/") else { return "." }
    let parent = p[..<slash]
    return parent.isEmpty ? "/" : String(parent)
}

/// The nearest existing entry above `path` when it is a file (so no directory can be made
/// under it), else nil.
func fileOnPath(_ path: String) -> String? {
    var current = path
    while true {
        let parent = parentDirectory(current)
        if parent == current { return nil }
        switch pathKind(parent) {
        case .file?: return parent
        case .directory?: return nil
        case nil: current = parent
        }
    }
}

/// The topmost directory on `path` that does not exist yet (what creating `path` would make), or
/// nil when `path` exists.
func firstMissingAncestor(of path: String) -> String? {
    guard pathKind(path) == nil else { return nil }
    var missing = path
    var current = path
    while true {
        let parent = parentDirectory(current)
        if parent == current || pathKind(parent) != nil { return missing }
        missing = parent
        current = parent
    }
}

/// Splits append input into records. A record pretty-printed over several lines that is not
/// valid JSON is one problem, saying where in the file and how records are laid out, rather than
/// a syntax error for every one of its lines (as JSON Lines would be read); input with no
/// records is refused, not appended as nothing.
func splitRecords(_ bytes: [UInt8], name: String) throws -> [RecordInput] {
    do {
        return try RecordInputs.split(bytes)
    } catch {
        // Name the input in "holds no records": `standard input holds no records (…)`.
        let problem = error
        guard problem.reason.hasPrefix("the input holds no records") else { throw problem }
        throw EventProblem(index: problem.index, code: problem.code, path: problem.path,
                           reason: name + String(problem.reason.dropFirst(9)))
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
/// `lines` finds each record's line in the input; it is only called when a record is refused.
func appendAndReport(_ inputs: [RecordInput], lines: () -> [Int]? = { nil }, options: LedgerOptions, batchSize: Int = Int.max) throws {
    let receipts: [Receipt]
    do { receipts = try options.open().append(inputs, batchSize: batchSize) } catch let rejection as AppendRejection {
        throw rejection.locating(lines: lines())
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
    @Option(parsing: .unconditional, help: ArgumentHelp("Records per all-or-nothing batch (bounds memory on very large inputs; at least 1).", valueName: "N"),
            transform: wholeInt(atLeast: 1))
    var batchSize = 100_000
    @Argument(help: ArgumentHelp("Signed records (default: standard input).", valueName: "FILE")) var input: String?

    func run() throws {
        try runCommand(json: options.json) {
            var trace = StageTrace(options.logger)
            let bytes = try readInput(input)
            let inputs = try splitRecords(bytes, name: inputName(input))
            trace.mark("read and split input")
            try appendAndReport(inputs, lines: { RecordInputs.lineNumbers(of: bytes, records: inputs) }, options: options, batchSize: batchSize)
            trace.mark("append and report")
        }
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
