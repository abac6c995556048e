// registry list|show|add|rotate|revoke: the participant registry and its authority-signed changes.
import ArgumentParser
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore

struct RegistryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "List participants and change the registry (changes signed by the programme authority).",
        discussion: "The changes recorded so far, by leaf: `orchard show registry`.",
        subcommands: [List.self, ShowParticipant.self, Add.self, Rotate.self, Revoke.self])

    /// Signs a registry change with the authority key, appends it and prints the receipt.
    static func submit(_ change: RegistryChange, key path: String, options: LedgerOptions) throws {
        let receipt = try options.open().submit(change, authorityKey: try loadKey(path))
        if options.json { outJSON(.object([JSONMember("change", change.json), JSONMember("receipt", receipt.json)])) }
        else { out("registry \(change.op) of \(change.participantID) recorded at leaf \(receipt.leafIndex), block \(receipt.blockHeight)") }
    }

    static var now: String { UTCTime.format(millis: currentMillis()) }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List participants.", discussion: "EXAMPLE\n  orchard registry list --json")
        @OptionGroup var options: LedgerOptions
        func run() throws {
            try runCommand(json: options.json) {
                let registry = try options.open().registry
                let people = registry.participants.values.sorted { $0.id < $1.id }
                if options.json { outJSON(.array(people.map { $0.json(in: registry) })); return }
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
                let j = try store.participant(id).json(in: try store.registry)
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
                let json = try JSONParser.parse(try readInput(participant))
                try submit(try .add(participantJSON: json, issuedAt: now), key: key, options: options)
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
                let pub = try loadPublicKey(publicKey)
                try submit(.rotate(participantID: participant, publicKey: pub, issuedAt: now), key: key, options: options)
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
                guard let kid = KeyID(keyID) else { throw UsageFailure(description: "not a key ID: \(keyID) (expected ed25519:<32 hex digits>)") }
                try submit(.revoke(participantID: participant, keyID: kid, reason: reason, issuedAt: now), key: key, options: options)
            }
        }
    }
}
