// registry list|show|add|rotate|revoke: the participant registry and its authority-signed changes.
import ArgumentParser
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore

struct RegistryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "List participants and change the registry (changes signed by the programme authority).",
        subcommands: [List.self, ShowParticipant.self, Add.self, Rotate.self, Revoke.self])

    static func participantJSON(_ p: Participant, registry: Registry) -> JSONValue {
        let keys = registry.keys.filter { $0.value.participantID == p.id }.sorted { $0.value.validFrom < $1.value.validFrom }
        return ["id": .string(p.id), "name": .string(p.name), "role": .string(p.role), "gln": p.gln.map { .string($0) } ?? .null,
                "province": p.province.map { .string($0) } ?? .null, "location": p.location.map { .string($0) } ?? .null,
                "permittedBizSteps": .array((registry.roles[p.role]?.bizSteps.sorted() ?? []).map { .string($0) }),
                "keys": .array(keys.map { k, s in
                    ["keyID": .string(k.rawValue), "publicKey": .string(Base64.encode(s.key.rawRepresentation)),
                     "validFromLeaf": .number(JSONNumber(Int(s.validFrom))),
                     "revokedAtLeaf": s.revokedAt.map { .number(JSONNumber(Int($0))) } ?? .null]
                })]
    }

    /// Signs a registry change with the authority key and appends it.
    static func submit(_ change: JSONValue, key path: String, options: LedgerOptions) throws {
        let store = try options.open()
        let key = try loadKey(path)
        guard key.publicKey == store.genesis.authorityKey else {
            throw CommandFailure(code: Exit.rejected, description: "\(path) is not the programme authority's key (\(store.genesis.authorityKey.keyID)); registry changes need it")
        }
        let record = try SignedRecord.sign(kind: .registry, payload: change, origin: store.genesis.origin, key: key)
        let receipts = try store.append([.json(record.json)])
        if options.json { outJSON(.object([JSONMember("change", change), JSONMember("receipt", receipts[0].json)])) }
        else { out("registry \(change["op"]?.stringValue ?? "change") recorded at leaf \(receipts[0].leafIndex), block \(receipts[0].blockHeight)") }
    }

    static var now: JSONValue { .string(UTCTime.format(millis: currentMillis())) }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List participants.", discussion: "EXAMPLE\n  orchard registry list --json")
        @OptionGroup var options: LedgerOptions
        func run() throws {
            try runCommand(json: options.json) {
                let store = try options.open()
                let people = store.registry.participants.values.sorted { $0.id < $1.id }
                if options.json { outJSON(.array(people.map { participantJSON($0, registry: store.registry) })); return }
                for p in people {
                    out("\(p.id.padding(toLength: 26, withPad: " ", startingAt: 0)) \(p.role.padding(toLength: 12, withPad: " ", startingAt: 0)) \(p.province ?? "-")  \(p.name)")
                }
                out("\(people.count) participants")
            }
        }
    }

    struct ShowParticipant: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one participant, its keys and permitted steps.",
                                                        discussion: "EXAMPLE\n  orchard registry show farm-sn-luochuan-01")
        @OptionGroup var options: LedgerOptions
        @Argument(help: "Participant ID.") var id: String
        func run() throws {
            try runCommand(json: options.json) {
                let store = try options.open()
                guard let p = store.registry.participant(id) else { throw CommandFailure(code: Exit.notFound, description: "no participant \(id)") }
                let j = participantJSON(p, registry: store.registry)
                if options.json { outJSON(j) } else { out(JSONWriter.pretty(j)) }
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a participant.",
            discussion: """
            FILE holds the participant: {"id", "name", "role", "gln", "province", "location", "publicKeys": [base64]}.

            EXAMPLE
              orchard registry add --key Genesis/demo-keys/authority.pem farm-42.json
            """)
        @OptionGroup var options: LedgerOptions
        @Option(help: ArgumentHelp("The programme authority's private key.", valueName: "FILE")) var key: String
        @Argument(help: ArgumentHelp("Participant JSON.", valueName: "FILE")) var participant: String
        func run() throws {
            try runCommand(json: options.json) {
                let p = try JSONParser.parse(try readInput(participant))
                try submit(["op": "add", "participant": p, "issuedAt": now], key: key, options: options)
            }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a participant's keys with a new one (old keys stop signing from here on).",
            discussion: "EXAMPLE\n  orchard registry rotate --key authority.pem --participant farm-42 --public-key new.pem.pub")
        @OptionGroup var options: LedgerOptions
        @Option(help: ArgumentHelp("The programme authority's private key.", valueName: "FILE")) var key: String
        @Option(help: "Participant ID.") var participant: String
        @Option(help: ArgumentHelp("The new public key (SPKI PEM, e.g. from `orchard keygen`).", valueName: "FILE")) var publicKey: String
        func run() throws {
            try runCommand(json: options.json) {
                let pub = try Ed25519PublicKey(pem: String(decoding: try readInput(publicKey), as: UTF8.self))
                try submit(["op": "rotate", "participant": .string(participant), "publicKey": .string(Base64.encode(pub.rawRepresentation)),
                            "issuedAt": now], key: key, options: options)
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke one key of a participant (it cannot sign from here on).",
            discussion: "EXAMPLE\n  orchard registry revoke --key authority.pem --participant farm-42 --key-id ed25519:… --reason 'lost phone'")
        @OptionGroup var options: LedgerOptions
        @Option(help: ArgumentHelp("The programme authority's private key.", valueName: "FILE")) var key: String
        @Option(help: "Participant ID.") var participant: String
        @Option(help: "The key ID to revoke.") var keyID: String
        @Option(help: "Why (kept in the record).") var reason: String = "unspecified"
        func run() throws {
            try runCommand(json: options.json) {
                try submit(["op": "revoke", "participant": .string(participant), "keyID": .string(keyID), "reason": .string(reason),
                            "issuedAt": now], key: key, options: options)
            }
        }
    }
}
