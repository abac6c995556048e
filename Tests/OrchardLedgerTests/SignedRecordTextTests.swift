import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardTesting

/// A record read from its text gives the same signed bytes whether the text is canonical (payload
/// bytes taken from the text) or not (payload written again).
struct SignedRecordTextTests {
    static let examples: [String] = Conformance.files(under: "epcis", ext: "jsonld").map { $0.path }.filter { !Conformance.repeatsAMemberName($0) }

    @Test("Canonical and re-spaced texts of a signed record yield the same canonical payload and record bytes", arguments: examples)
    func sameBytes(path: String) throws {
        let document = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let events = document["epcisBody"]?["eventList"]?.arrayValue ?? [document["epcisBody"]?["event"] ?? document]
        for event in events.prefix(3) {
            let record = try Fixtures.sign(event, as: "farm-sn-luochuan-01")
            let canonicalText = JSONWriter.canonical(record.json)
            let spacedText = Array(JSONWriter.pretty(record.json).utf8)
            // As `orchard simulate` writes records: members in another order, payload canonical.
            let simulatorText = Array(#"{"type":"event","event":"#.utf8) + record.canonicalPayload
                + Array(#","signer":"\#(record.signer!.rawValue)","sig":"\#(Base64.encode(record.signature))"}"#.utf8)
            for text in [canonicalText, spacedText, JSONWriter.compact(record.json), simulatorText] {
                let parsed = try JSONParser.parseDocument(text)
                let read = try SignedRecord(document: parsed, text: text, index: 0)
                #expect(read.canonicalPayload == record.canonicalPayload)
                #expect(read.recordBytes == record.recordBytes)
            }
            // (An example that repeats a member name is canonicalised without it being detected.)
            if Set(event.objectMembers?.map(\.key) ?? []).count == event.objectMembers?.count {
                #expect(try JSONParser.parseDocument(canonicalText).isCanonical)
            }
            #expect(try !JSONParser.parseDocument(spacedText).isCanonical)
        }
    }

    @Test("The leaf hash hashed part by part is the RFC 9162 leaf hash of the assembled record bytes")
    func leafHashOfParts() throws {
        let event = try Fixtures.sign(FixtureEvents.harvest(lot: "LEAF", kilograms: 12.5), as: "farm-sn-luochuan-01")
        let change = try Fixtures.signRegistryChange(["op": "revoke", "participant": "farm-sn-luochuan-01", "keyID": "ed25519:00000000000000000000000000000000"])
        let genesis = SignedRecord.genesis(try Fixtures.genesisJSON())
        for record in [event, change, genesis] {
            #expect(try record.leafHash == MerkleHash.leaf(record.recordBytes))
        }
    }
}
