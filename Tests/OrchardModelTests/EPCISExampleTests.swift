import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardTesting

/// The official GS1 EPCIS 2.0 JSON-LD examples (../shared/conformance/epcis/examples) decode, and
/// every field survives signing, canonical storage and reading back.
struct EPCISExampleTests {
    static let files: [String] = Conformance.files(under: "epcis/examples", ext: "jsonld").map {
        String($0.path.dropFirst(Conformance.url("epcis/examples").path.count + 1))
    }.filter { !Conformance.epcisExamplesWithRepeatedNames.contains($0) }

    @Test("All 36 official examples are present")
    func count() { #expect(Self.files.count + Conformance.epcisExamplesWithRepeatedNames.count == 36) }

    @Test("The one official example that repeats a member name in an object is refused, naming it")
    func repeatedNameRefused() throws {
        for file in Conformance.epcisExamplesWithRepeatedNames {
            let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(try Conformance.data("epcis/examples/\(file)"))) }
            #expect(error?.reason.contains("duplicate member name \"eventID\"") == true)
        }
    }

    @Test("Each official example decodes into events without losing a member", arguments: files)
    func decodesLosslessly(file: String) throws {
        let bytes = Array(try Conformance.data("epcis/examples/\(file)"))
        let document = try JSONParser.parse(bytes)
        // Compact output re-parses to the identical value: member order, strings, numbers kept.
        #expect(try JSONParser.parse(JSONWriter.compact(document)) == document)
        let input = try EPCISInput(json: document)
        #expect(!input.events.isEmpty)
        for (i, json) in input.events.enumerated() {
            let event = try EPCISEvent(json: json, index: i)
            #expect(event.json == json)
            // Every quantity element of the source is extracted.
            let sourceQuantities = ["quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"]
                .reduce(0) { $0 + (json[$1]?.arrayValue?.count ?? 0) }
            #expect(event.quantities.count == sourceQuantities)
        }
    }

    @Test("Each official example's events survive sign → record bytes → read back unchanged", arguments: files)
    func survivesStorage(file: String) throws {
        let document = try JSONParser.parse(Array(try Conformance.data("epcis/examples/\(file)")))
        let key = try Ed25519PrivateKey()
        for event in try EPCISInput(json: document).events {
            let record = try SignedRecord.sign(kind: .event, payload: event, origin: "test.example/log", key: key)
            let back = try SignedRecord(recordBytes: record.recordBytes)
            // JSON objects are unordered: the stored canonical form has the same members and values.
            #expect(JSONWriter.canonical(back.payload) == JSONWriter.canonical(event))
            #expect(try back.hasValidSignature(by: key.publicKey, origin: "test.example/log"))
            #expect(try EventID.compute(for: back.payload) == EventID.compute(for: event))
        }
    }
}
