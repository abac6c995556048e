// show, checkpoint, proof, verify, event-id: reading and checking the ledger.
import ArgumentParser
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore

/// Finds an event by its ID, as a not-found failure when absent.
func locate(_ text: String, in store: LedgerStore) throws -> EventLocation {
    guard let id = EventID(uri: text) else {
        throw CommandFailure(code: Exit.usage, description: "not an event ID: \(text) (expected ni:///sha-256;<64 hex>?ver=CBV2.0)")
    }
    guard let loc = try store.location(of: id) else { throw CommandFailure(code: Exit.notFound, description: "no event \(text) in this ledger") }
    return loc
}

func blockJSON(_ b: SignedBlock) -> JSONValue {
    ["height": .number(JSONNumber(Int(b.header.height))), "hash": .string(b.header.hash.hex), "header": b.header.json,
     "signature": .string(Base64.encode(b.signature)), "checkpoint": .string(b.checkpoint.text)]
}

func printBlock(_ b: SignedBlock) {
    let h = b.header
    out("block \(h.height)  \(h.time)")
    out("  hash          \(h.hash.hex)")
    out("  previous      \(h.previousHash.hex)")
    out("  records       \(h.recordCount) (leaves \(h.firstLeaf)–\(h.treeSize - 1))")
    out("  tree size     \(h.treeSize)")
    out("  root          \(h.rootHash.hex)")
    out("  sequencer     \(h.sequencer)")
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the head, a block, or an event.",
        discussion: """
        EXAMPLES
          orchard show head
          orchard show block 12
          orchard show event 'ni:///sha-256;3f…?ver=CBV2.0' --json
        """)

    @OptionGroup var options: LedgerOptions
    @Argument(help: "head | block | event") var what: String
    @Argument(help: "Block height or event ID.") var id: String?

    func run() throws {
        try runCommand(json: options.json) {
            let store = try options.open()
            switch (what, id) {
            case ("head", nil):
                let b = try store.head()
                if options.json { outJSON(blockJSON(b)) } else { out("ledger \(store.genesis.origin)"); printBlock(b) }
            case let ("block", n?):
                guard let height = UInt64(n) else { throw CommandFailure(code: Exit.usage, description: "block height must be a number") }
                let b = try store.block(height: height)
                if options.json { outJSON(blockJSON(b)) } else { printBlock(b) }
            case let ("event", text?):
                let loc = try locate(text, in: store)
                let record = try store.record(leaf: loc.leafIndex)
                let signer = record.signer.flatMap { try? store.registry.signer($0, atLeaf: loc.leafIndex).get().1 }
                if options.json {
                    outJSON(["eventID": .string(text), "leafIndex": .number(JSONNumber(Int(loc.leafIndex))),
                             "blockHeight": .number(JSONNumber(Int(loc.blockHeight))),
                             "signer": .string(record.signer?.rawValue ?? ""), "participant": .string(signer?.id ?? ""),
                             "event": record.payload])
                } else {
                    out("event \(text)")
                    out("  leaf \(loc.leafIndex), block \(loc.blockHeight)")
                    out("  signed by \(signer.map { "\($0.name) (\($0.id), \($0.role))" } ?? "?") key \(record.signer?.rawValue ?? "?")")
                    out(JSONWriter.pretty(record.payload))
                }
            default:
                throw CommandFailure(code: Exit.usage, description: "usage: orchard show head | block N | event ID")
            }
        }
    }
}

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the latest signed checkpoint (C2SP tlog-checkpoint signed note).",
        discussion: """
        Keep it: a later `orchard proof consistency --from SIZE` shows the ledger still extends it.

        EXAMPLE
          orchard checkpoint > checkpoint-2026-09-14.txt
        """)

    @OptionGroup var options: LedgerOptions

    func run() throws {
        try runCommand(json: options.json) {
            let b = try options.open().head()
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
            abstract: "Prove that an event is in the ledger's tree.",
            discussion: """
            Prints the leaf index, tree size, leaf hash, audit path and the signed checkpoint whose root the path leads to. The proof is checked before it is printed.

            EXAMPLE
              orchard proof inclusion 'ni:///sha-256;3f…?ver=CBV2.0' --json
            """)

        @OptionGroup var options: LedgerOptions
        @Argument(help: "The event's CBV 2.0 hash ID.") var eventID: String

        func run() throws {
            try runCommand(json: options.json) {
                let store = try options.open()
                let loc = try locate(eventID, in: store)
                let head = try store.head()
                let (size, proof) = try store.inclusionProof(leaf: loc.leafIndex, treeSize: head.header.treeSize)
                let leafHash = MerkleHash.leaf(try store.recordBytes(leaf: loc.leafIndex))
                try MerkleVerifier.verifyInclusion(leafHash: leafHash, leafIndex: loc.leafIndex, treeSize: size, proof: proof, root: head.header.rootHash)
                if options.json {
                    outJSON(["eventID": .string(eventID), "leafIndex": .number(JSONNumber(Int(loc.leafIndex))),
                             "treeSize": .number(JSONNumber(Int(size))), "leafHash": .string(leafHash.hex),
                             "proof": .array(proof.map { .string($0.hex) }), "rootHash": .string(head.header.rootHash.hex),
                             "checkpoint": .string(head.checkpoint.text)])
                } else {
                    out("event \(eventID)")
                    out("leaf index \(loc.leafIndex) of tree size \(size)")
                    out("leaf hash  \(leafHash.hex)")
                    out("audit path (\(proof.count) hashes):")
                    for p in proof { out("  \(p.hex)") }
                    out("root       \(head.header.rootHash.hex)  ✓ verified")
                    out("checkpoint:")
                    print(head.checkpoint.text, terminator: "")
                }
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
        @Option(help: "The earlier tree size (e.g. from a kept checkpoint).") var from: UInt64
        @Option(help: "The later tree size (default: the head's).") var to: UInt64?

        func run() throws {
            try runCommand(json: options.json) {
                let store = try options.open()
                let (size, proof) = try store.consistencyProof(from: from, to: to)
                let oldRoot = try store.rootHash(treeSize: from), newRoot = try store.rootHash(treeSize: size)
                try MerkleVerifier.verifyConsistency(oldSize: from, newSize: size, oldRoot: oldRoot, newRoot: newRoot, proof: proof)
                if options.json {
                    outJSON(["from": .number(JSONNumber(Int(from))), "to": .number(JSONNumber(Int(size))),
                             "oldRoot": .string(oldRoot.hex), "newRoot": .string(newRoot.hex), "proof": .array(proof.map { .string($0.hex) })])
                } else {
                    out("tree \(from) → \(size)")
                    out("old root \(oldRoot.hex)")
                    out("new root \(newRoot.hex)")
                    out("consistency proof (\(proof.count) hashes):")
                    for p in proof { out("  \(p.hex)") }
                    out("✓ verified")
                }
            }
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Quick check of the genesis block, the head and recent blocks.",
        discussion: """
        Recomputes hashes, links, roots, checkpoint and record signatures of block 0 and the last --blocks blocks. Exit code 2 names the first failing block. (A full replay is the audit.)

        EXAMPLE
          orchard verify --blocks 100
        """)

    @OptionGroup var options: LedgerOptions
    @Option(help: "How many recent blocks to check.") var blocks: UInt64 = 16

    func run() throws {
        try runCommand(json: options.json) {
            let report = try options.open().verifyRecent(blocks: blocks)
            if options.json {
                var m: [JSONMember] = [JSONMember("ok", .bool(report.ok)),
                                       JSONMember("blocksChecked", .array(report.blocksChecked.map { .number(JSONNumber(Int($0))) })),
                                       JSONMember("recordsChecked", .number(JSONNumber(report.recordsChecked)))]
                if let f = report.failure { m += [JSONMember("failedBlock", .number(JSONNumber(Int(f.height)))), JSONMember("reason", .string(f.reason))] }
                outJSON(.object(m))
            } else if report.ok {
                out("✓ ledger verified: \(report.blocksChecked.count) blocks, \(report.recordsChecked) records checked")
            }
            if let f = report.failure {
                throw CommandFailure(code: Exit.verificationFailed, description: "verification failed at block \(f.height): \(f.reason)")
            }
        }
    }
}

struct EventIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event-id",
        abstract: "Compute the CBV 2.0 hash ID of each event, in document order.",
        discussion: """
        Input: an EPCIS document, an event or an array of events (JSON-LD). Needs no ledger.

        EXAMPLES
          orchard event-id Example_9.6.1-ObjectEvent.jsonld
          orchard event-id --prehash - < event.json
        """)

    @Flag(help: "Also print each event's pre-hash string.") var prehash = false
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: ArgumentHelp("Events (default: standard input).", valueName: "FILE")) var input: String?

    func run() throws {
        try runCommand(json: json) {
            var rows = [JSONValue]()
            for value in try parseJSONOrLines(try readInput(input)) {
                let doc = try EPCISInput(json: value)
                for event in doc.events {
                    let pre = try EventID.preHashString(for: event, context: event["@context"] ?? doc.context)
                    let id = EventID(digest: SHA256.hash(pre))
                    if json {
                        rows.append(prehash ? ["eventID": .string(id.uri), "prehash": .string(pre)] : ["eventID": .string(id.uri)])
                    } else {
                        out(id.uri)
                        if prehash { out(pre) }
                    }
                }
            }
            if json { outJSON(.array(rows)) }
        }
    }
}
