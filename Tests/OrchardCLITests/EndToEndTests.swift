import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardTesting

/// Drives the real `orchard` binary: init → keygen → sign → append → show → proof, and bad inputs.
@Suite(.serialized)
struct EndToEndTests {
    let farmKey = "Genesis/demo-keys/farm-sn-luochuan-01.pem"
    let harvest = "Tools/demo-events/1-farm-harvest.jsonld"

    @Test("A farm's signed harvest is appended, shown, and proven included under the signed checkpoint")
    func happyPath() throws {
        let h = try CLIHarness()
        try h.initLedger()
        let signed = try h.run(["sign", "--key", h.repoPath(farmKey), h.repoPath(harvest)])
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(signed.stdout.split(separator: "\n").count == 2)
        let appended = try h.run(["append", "--json", "-"], stdin: signed.stdout)
        #expect(appended.status == 0, "\(appended.stderr)")
        let receipts = try #require(try appended.json()["receipts"]?.arrayValue)
        #expect(receipts.count == 2)
        #expect(receipts.map { $0["leafIndex"]?.doubleValue } == [1, 2])
        let id = try #require(receipts[0]["eventID"]?.stringValue)

        let head = try h.run(["show", "head", "--json"]).json()
        #expect(head["header"]?["treeSize"]?.doubleValue == 3)

        let shown = try h.run(["show", "event", id, "--json"])
        #expect(shown.status == 0)
        #expect(try shown.json()["participant"]?.stringValue == "farm-sn-luochuan-01")

        // The proof is checked here with the library's verifier, against the checkpoint's root.
        let proof = try h.run(["proof", "inclusion", id, "--json"]).json()
        let checkpoint = try Checkpoint(text: try #require(proof["checkpoint"]?.stringValue))
        let genesis = try Genesis(json: try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: h.repoPath("Genesis/duoduo-orchard.json"))))))
        #expect(try checkpoint.isSigned(by: genesis.sequencerKey))
        let path = try #require(proof["proof"]?.arrayValue).map { try SHA256Digest(bytes: Hex.decode($0.stringValue ?? "") ?? []) }
        let leaf = try SHA256Digest(bytes: Hex.decode(try #require(proof["leafHash"]?.stringValue)) ?? [])
        try MerkleVerifier.verifyInclusion(leafHash: leaf, leafIndex: 1, treeSize: checkpoint.treeSize, proof: path, root: checkpoint.rootHash)

        #expect(try h.run(["verify"]).status == 0)
        #expect(try h.run(["proof", "consistency", "--from", "1"]).status == 0)
    }

    @Test("Appending the same signed events twice returns the original receipts")
    func duplicateAppend() throws {
        let h = try CLIHarness()
        try h.initLedger()
        let signed = try h.run(["sign", "--key", h.repoPath(farmKey), h.repoPath(harvest)]).stdout
        _ = try h.run(["append", "-"], stdin: signed)
        let again = try h.run(["append", "--json", "-"], stdin: signed)
        #expect(again.status == 0)
        let receipts = try #require(try again.json()["receipts"]?.arrayValue)
        #expect(receipts.allSatisfy { $0["duplicate"]?.boolValue == true })
        #expect(receipts.map { $0["leafIndex"]?.doubleValue } == [1, 2])
    }

    @Test("An event changed after signing is refused, exit 1, and the ledger file is unchanged")
    func tamperedEvent() throws {
        let h = try CLIHarness()
        try h.initLedger()
        let signed = try h.run(["sign", "--key", h.repoPath(farmKey), h.repoPath(harvest)]).stdout
        let before = try h.ledgerBytes()
        let r = try h.run(["append", "--json", "-"], stdin: signed.replacingOccurrences(of: "\"quantity\":1200", with: "\"quantity\":1300"))
        #expect(r.status == 1)
        let problems = try #require(try JSONParser.parse(r.stderr)["problems"]?.arrayValue)
        #expect(problems.first?["path"]?.stringValue == "sig")
        #expect(problems.first?["index"]?.doubleValue == 0)
        #expect(try h.ledgerBytes() == before)
    }

    @Test("A key that is not registered cannot append, and the error says so")
    func unknownKey() throws {
        let h = try CLIHarness()
        try h.initLedger()
        let kg = try h.run(["keygen", "--out", h.path("stranger.pem")])
        #expect(kg.status == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: h.path("stranger.pem"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let signed = try h.run(["sign", "--key", h.path("stranger.pem"), h.repoPath(harvest)]).stdout
        let before = try h.ledgerBytes()
        let r = try h.run(["append", "-"], stdin: signed)
        #expect(r.status == 1)
        #expect(r.stderr.contains("unknown key"))
        #expect(try h.ledgerBytes() == before)
    }

    @Test("A participant cannot sign a step its role does not permit")
    func rolePermits() throws {
        let h = try CLIHarness()
        try h.initLedger()
        let retailer = h.repoPath("Genesis/demo-keys/retail-bj-chaoyang.pem")
        let r = try h.run(["import", "--key", retailer, h.repoPath(harvest)])
        #expect(r.status == 1)
        #expect(r.stderr.contains("bizStep") && r.stderr.contains("may not sign commissioning"))
    }

    @Test("Shipping a lot that was never harvested is refused")
    func unknownLot() throws {
        let h = try CLIHarness()
        try h.initLedger()
        let r = try h.run(["import", "--key", h.repoPath("Genesis/demo-keys/wh-bj-daxing.pem"), h.repoPath("Tools/demo-events/4-warehouse.jsonld")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("quantityList[0].epcClass") && r.stderr.contains("does not exist"))
    }

    @Test("Malformed JSON, a missing ledger and an unknown event give their documented exit codes")
    func exitCodes() throws {
        let h = try CLIHarness()
        #expect(try h.run(["show", "head"]).status == 4)
        try h.initLedger()
        let bad = try h.run(["append", "-"], stdin: "{\"type\": \"event\",")
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("invalid JSON"))
        let missing = try h.run(["show", "event", "ni:///sha-256;" + String(repeating: "ab", count: 32) + "?ver=CBV2.0"])
        #expect(missing.status == 3)
        #expect(try h.run(["init", "--genesis", h.repoPath("Genesis/duoduo-orchard.json")]).status == 4)
    }

    @Test("The whole demo chain of custody appends, and verify checks it")
    func demoChain() throws {
        let h = try CLIHarness()
        try h.initLedger()
        for (key, file) in [("farm-sn-luochuan-01", "1-farm-harvest"), ("pack-sn-xian", "2-packhouse"),
                            ("carrier-coldchain-north", "3-carrier"), ("wh-bj-daxing", "4-warehouse"),
                            ("retail-bj-chaoyang", "5-retailer")] {
            let r = try h.run(["import", "--key", h.repoPath("Genesis/demo-keys/\(key).pem"), h.repoPath("Tools/demo-events/\(file).jsonld")])
            #expect(r.status == 0, "\(file): \(r.stderr)")
        }
        let v = try h.run(["verify", "--json"]).json()
        #expect(v["ok"]?.boolValue == true)
        #expect(v["recordsChecked"]?.doubleValue == 13)
    }
}

/// Large inputs are appended in consecutive all-or-nothing batches.
@Suite(.serialized)
struct BatchedAppendTests {
    @Test("A refused batch after an accepted one says which records landed, and only those did")
    func laterBatchRefused() throws {
        let h = try CLIHarness()
        try h.initLedger()
        var lines = try (0..<5).map { i in
            JSONWriter.compactString(try Fixtures.sign(FixtureEvents.harvest(lot: "BA\(i)", kilograms: 10), as: "farm-sn-luochuan-01").json)
        }
        // Record 4 ships a lot nobody harvested.
        lines[4] = JSONWriter.compactString(try Fixtures.sign(FixtureEvents.shipping(lot: "NOPE", kilograms: 1), as: "farm-sn-luochuan-01").json)
        let r = try h.run(["append", "--batch-size", "3", "--json", "-"], stdin: lines.joined(separator: "\n"))
        #expect(r.status == 1)
        let error = try JSONParser.parse(r.stderr)
        #expect(error["error"]?.stringValue?.contains("records 1–3 were appended by earlier batches") == true)
        #expect(error["problems"]?.arrayValue?.first?["line"]?.doubleValue == 5)
        #expect(error["problems"]?.arrayValue?.first?["index"]?.doubleValue == 4)
        let size = try h.run(["show", "head", "--json"]).json()["header"]?["treeSize"]?.doubleValue
        #expect(size == 4)
    }
}

/// Exit codes of edge cases found in review.
struct CLIEdgeCaseTests {
    @Test("verify --blocks 0 checks block 0 only instead of crashing")
    func verifyZeroBlocks() throws {
        let h = try CLIHarness()
        try h.initLedger()
        #expect(try h.run(["verify", "--blocks", "0"]).status == 0)
    }

    @Test("A consistency proof from size 0 or beyond the head is a usage error (64)")
    func consistencyUsage() throws {
        let h = try CLIHarness()
        try h.initLedger()
        #expect(try h.run(["proof", "consistency", "--from", "0"]).status == 64)
        #expect(try h.run(["proof", "consistency", "--from", "50"]).status == 64)
    }

    @Test("sign names the right event of an array when one is malformed")
    func signIndex() throws {
        let h = try CLIHarness()
        try h.initLedger()
        let good = JSONWriter.compactString(FixtureEvents.harvest(lot: "S1", kilograms: 1))
        let bad = JSONWriter.compactString(FixtureEvents.harvest(lot: "S2", kilograms: 1).removing("eventTimeZoneOffset"))
        let r = try h.run(["sign", "--key", h.repoPath("Genesis/demo-keys/farm-sn-luochuan-01.pem"), "-"], stdin: "[\(good),\(good),\(bad)]")
        #expect(r.status == 1)
        #expect(r.stderr.contains("record 3"))
    }

    @Test("An unknown loss parameter is a usage error (64)")
    func simulateUsage() throws {
        let h = try CLIHarness()
        #expect(try h.run(["simulate", "--events", "10", "--loss", "bogus=1"]).status == 64)
    }
}
