import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardTesting

/// Drives the real `orchard` binary for what a ledger hands to an offline checker: the verifier
/// key (`checkpoint --verifier-key`) and one event's C2SP tlog-proof (`proof inclusion --tlog-proof`).
@Suite(.serialized)
struct PortableProofTests {
    let farmKey = "Genesis/demo-keys/farm-sn-luochuan-01.pem"
    let harvest = "Tools/demo-events/1-farm-harvest.jsonld"

    /// A ledger with the demo harvest appended; returns the harness and the first event's ID.
    func ledgerWithHarvest() throws -> (CLIHarness, String) {
        let h = try CLIHarness()
        try h.initLedger()
        let signed = try h.run(["sign", "--key", h.repoPath(farmKey), h.repoPath(harvest)])
        #expect(signed.status == 0, "\(signed.stderr)")
        let appended = try h.run(["append", "--json", "-"], stdin: signed.stdout)
        #expect(appended.status == 0, "\(appended.stderr)")
        let id = try #require(try appended.json()["receipts"]?.arrayValue?.first?["eventID"]?.stringValue)
        return (h, id)
    }

    func genesis(_ h: CLIHarness) throws -> Genesis {
        try Genesis(json: try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: h.repoPath("Genesis/duoduo-orchard.json"))))))
    }

    @Test("checkpoint --verifier-key prints one line that names the origin and verifies the printed checkpoint")
    func verifierKey() throws {
        let (h, _) = try ledgerWithHarvest()
        let printed = try h.run(["checkpoint", "--verifier-key"])
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout.hasSuffix("\n") && printed.stdout.split(separator: "\n").count == 1)
        let key = try VerifierKey(printed.stdout.trimmingCharacters(in: .newlines))
        let checkpoint = try Checkpoint(text: try h.run(["checkpoint"]).stdout)
        #expect(key.name == checkpoint.origin)
        #expect(key.name == (try genesis(h)).origin)
        #expect(try checkpoint.isSigned(by: key.key))

        let json = try h.run(["checkpoint", "--verifier-key", "--json"]).json()
        #expect(json["verifierKey"]?.stringValue == key.description)
    }

    @Test("proof inclusion --tlog-proof prints a proof that verifies with the verifier key, its extra line the event's record")
    func tlogProof() throws {
        let (h, id) = try ledgerWithHarvest()
        let printed = try h.run(["proof", "inclusion", id, "--tlog-proof"])
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout.hasPrefix("c2sp.org/tlog-proof@v1\nextra "))
        let proof = try TlogProof(text: printed.stdout)
        #expect(proof.text == printed.stdout)
        let key = try VerifierKey(try h.run(["checkpoint", "--verifier-key"]).stdout.trimmingCharacters(in: .newlines))

        // The record the ledger shows for the event is the proof's extra data, and its leaf hash
        // verifies at the proof's index under the signed checkpoint.
        let shown = try h.run(["proof", "inclusion", id, "--json"]).json()
        #expect(shown["leafIndex"]?.doubleValue == Double(proof.index))
        let record = try proof.verifiedRecord(verifierKey: key)
        let leafHash = try MerkleHash.leaf(record)
        #expect(leafHash.hex == shown["leafHash"]?.stringValue)
        try proof.verify(leafHash: leafHash, verifierKey: key)
        // The record is the event asked for: its CBV 2.0 ID recomputed from the carried bytes.
        let signedRecord = try SignedRecord(recordBytes: record)
        #expect(try EventID.compute(for: signedRecord.payload, context: signedRecord.payload["@context"]).uri == id)

        // Another record's hash at this index does not verify.
        let genesisLeaf = try SHA256Digest(bytes: Hex.decode(try #require(
            try h.run(["proof", "inclusion", "--leaf", "0", "--json"]).json()["leafHash"]?.stringValue)) ?? [])
        #expect(throws: VerificationFinding.self) { try proof.verify(leafHash: genesisLeaf, verifierKey: key) }
    }

    @Test("--tlog-proof with --json is a usage error (exit 64)")
    func tlogProofWithJSON() throws {
        let (h, id) = try ledgerWithHarvest()
        let r = try h.run(["proof", "inclusion", id, "--tlog-proof", "--json"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--tlog-proof"))
    }
}
