// The `orchard` command: a thin layer over OrchardStore and OrchardLedger. Every command parses
// its arguments, calls the library, and prints the result for people or, with --json, machines.
import ArgumentParser

@main
struct Orchard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchard",
        abstract: "A verifiable provenance ledger for farm-to-consumer supply chains.",
        discussion: """
        Events are GS1 EPCIS 2.0 (JSON-LD), signed by their actor (Ed25519), validated, batched into hash-chained blocks signed by the sequencer, and kept in an RFC 9162 Merkle tree in LMDB.

        The ledger directory is --ledger DIR, else $ORCHARD_LEDGER, else ./ledger.

        EXIT CODES
          0   success
          1   input rejected (bad record, signature or rule); ledger unchanged
          2   verification failed (a proof, signature or hash)
          3   not found (event, block, leaf, participant)
          4   ledger or file error (not a ledger, corrupt, unreadable)
          64  usage error (bad arguments)

        EXAMPLES
          orchard init --genesis Genesis/duoduo-orchard.json
          orchard sign --key farm.pem harvest.jsonld > signed.jsonl
          orchard append signed.jsonl
          orchard proof inclusion 'ni:///sha-256;…?ver=CBV2.0'
        """,
        subcommands: [Init.self, Keygen.self, Sign.self, Append.self, Import.self, Show.self, CheckpointCommand.self,
                      Proof.self, Verify.self, TraceCommand.self, BundleCommand.self, VerifyBundle.self, RegistryCommand.self,
                      EventIDCommand.self, Simulate.self, Stats.self, Export.self, Audit.self, Label.self, Serve.self,
                      Publish.self, MirrorCommand.self, WitnessCommand.self]
    )
}
