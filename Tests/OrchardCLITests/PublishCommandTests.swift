import Foundation
import Testing
import OrchardModel
import OrchardTesting

/// A running `orchard witness serve` on a loopback port.
final class RunningWitness: @unchecked Sendable {
    let process = Process()
    let url: String

    init(_ h: CLIHarness, key: String, name: String, state: String) throws {
        let vkey = try h.run(["checkpoint", "--verifier-key"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let origin = String(vkey.split(separator: "+")[0])
        process.executableURL = CLIHarness.binary
        process.arguments = ["witness", "serve", "--key", key, "--name", name, "--ledger-origin", origin, "--log-key", vkey,
                             "--state", state, "--port", "0"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let port = try announcedPort(process, out, what: "the witness")
        url = "http://127.0.0.1:\(port)"
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
}

/// `orchard publish` to a directory, `orchard witness serve`, and `verify-bundle --witnesses`:
/// the real binary end to end (the bucket and cache versions are in ObjectStorePublishTests).
@Suite(.serialized) struct PublishCommandTests {
    /// A ledger whose genesis registers two witnesses (a cooperative and a retailer), with their
    /// keys; a season of `events` records of which the last `later` are kept back in a file.
    static func witnessedLedger(_ h: CLIHarness, events: Int, later: Int, seed: Int = 3) throws -> (keys: [String], names: [String], later: String) {
        var keys = [String](), names = [String](), vkeys = [String]()
        for (i, who) in ["coop", "retail"].enumerated() {
            let key = h.path("\(who)-witness.pem")
            #expect(try h.run(["keygen", "--out", key]).status == 0)
            let name = "witness.orchard.example/\(who)-\(i)"
            let r = try h.run(["witness", "key", "--key", key, "--name", name])
            #expect(r.status == 0, "\(r.stderr)")
            keys.append(key); names.append(name); vkeys.append(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard case .object(var members) = try JSONParser.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: h.repoPath("Genesis/duoduo-orchard.json"))))),
              let at = members.firstIndex(where: { $0.key == "participants" }), case .array(var participants) = members[at].value else {
            throw NodeTestError("genesis has no participants")
        }
        var given = 0
        for (i, p) in participants.enumerated() where given < 2 {
            guard case .object(var m) = p, let role = p["role"]?.stringValue, role == (given == 0 ? "cooperative" : "retailer") else { continue }
            m.append(JSONMember("witness", .string(vkeys[given])))
            participants[i] = .object(m)
            given += 1
        }
        #expect(given == 2)
        members[at] = JSONMember("participants", .array(participants))
        let genesis = h.path("genesis-witnesses.json")
        // The demo keys are found beside the genesis file.
        try FileManager.default.createSymbolicLink(atPath: h.path("demo-keys"), withDestinationPath: h.repoPath("Genesis/demo-keys"))
        try Data(JSONWriter.pretty(.object(members)).utf8).write(to: URL(fileURLWithPath: genesis))
        let i = try h.run(["init", "--genesis", genesis])
        #expect(i.status == 0, "\(i.stderr)")
        let season = try h.run(["simulate", "--genesis", genesis, "--events", String(events), "--seed", String(seed), "--quiet"])
        #expect(season.status == 0, "\(season.stderr)")
        let lines = season.stdout.split(separator: "\n")
        try Data((lines.dropLast(later).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: h.path("first.jsonl")))
        try Data((lines.suffix(later).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: h.path("later.jsonl")))
        let a = try h.run(["append", h.path("first.jsonl")])
        #expect(a.status == 0, "\(a.stderr)")
        return (keys, names, h.path("later.jsonl"))
    }

    static func lotBundle(_ site: String) throws -> String {
        let lots = site + "/01/06971230000013/10"
        let lot = try #require(try FileManager.default.contentsOfDirectory(atPath: lots).sorted().first)
        return lots + "/" + lot
    }

    @Test func bundlesCarryWitnessCosignaturesAndTwoAreRequiredWhenAskedFor() throws {
        let h = try CLIHarness()
        let (keys, names, later) = try Self.witnessedLedger(h, events: 900, later: 300)
        let w1 = try RunningWitness(h, key: keys[0], name: names[0], state: h.path("w1"))
        let w2 = try RunningWitness(h, key: keys[1], name: names[1], state: h.path("w2"))
        let trust = try h.run(["checkpoint", "--verifier-key"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let site = h.path("site")

        // One witness: the bundles carry one cosignature.
        let p1 = try h.run(["publish", "--to", site, "--witness", w1.url, "--json"])
        #expect(p1.status == 0, "\(p1.stderr)")
        #expect(try p1.json()["witnesses"]?.doubleValue == 1)
        let checkpoint = String(decoding: try Data(contentsOf: URL(fileURLWithPath: site + "/checkpoint")), as: UTF8.self)
        #expect(checkpoint.contains("\u{2014} \(names[0]) "))
        let bundle = try Self.lotBundle(site)
        let one = try h.run(["verify-bundle", bundle, "--trust", trust, "--witnesses", "1", "--json"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(try one.json()["witnesses"]?.arrayValue?.count == 1)
        let two = try h.run(["verify-bundle", bundle, "--trust", trust, "--witnesses", "2"])
        #expect(two.status == 2)
        #expect(two.stderr.contains("witness.cosignatures: 1 registered witness cosigned the checkpoint, 2 required"), "\(two.stderr)")

        // The ledger grows; both witnesses cosign (the first is caught up with a consistency proof).
        #expect(try h.run(["append", later]).status == 0)
        let p2 = try h.run(["publish", "--to", site, "--witness", w1.url, "--witness", w2.url, "--json"])
        #expect(p2.status == 0, "\(p2.stderr)")
        // A lot the new records touched: its bundle was written again at the new tree size.
        let size = try #require(try p2.json()["treeSize"]?.doubleValue).description.split(separator: ".")[0]
        let grown = try Self.lotBundle(site + "/bundle/\(size)")
        let both = try h.run(["verify-bundle", grown, "--trust", trust, "--witnesses", "2", "--json"])
        #expect(both.status == 0, "\(both.stderr)")
        #expect(Set(try both.json()["witnesses"]?.arrayValue?.compactMap { $0["witness"]?.stringValue?.split(separator: "+").first.map(String.init) } ?? []) == Set(names))
        // A cosignature line edited by one byte no longer counts.
        var text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: grown)), as: UTF8.self)
        let marker = "\u{2014} \(names[1]) "
        let at = try #require(text.range(of: marker))
        let flipAt = text.index(at.upperBound, offsetBy: 20)
        text.replaceSubrange(flipAt ... flipAt, with: text[flipAt] == "A" ? "B" : "A")
        try Data(text.utf8).write(to: URL(fileURLWithPath: h.path("edited.json")))
        let edited = try h.run(["verify-bundle", h.path("edited.json"), "--trust", trust, "--witnesses", "2"])
        #expect(edited.status == 2, "\(edited.stdout)")
    }

    @Test func aWitnessRefusesAnotherHistoryAndThePublishStops() throws {
        let h = try CLIHarness()
        let (keys, names, _) = try Self.witnessedLedger(h, events: 500, later: 100, seed: 3)
        let witness = try RunningWitness(h, key: keys[0], name: names[0], state: h.path("w1"))
        #expect(try h.run(["publish", "--to", h.path("site"), "--witness", witness.url]).status == 0)

        // Another ledger of the same genesis and sequencer key, with another season: a fork.
        let fork = try CLIHarness()
        try FileManager.default.copyItem(atPath: h.path("genesis-witnesses.json"), toPath: fork.path("genesis-witnesses.json"))
        try FileManager.default.createSymbolicLink(atPath: fork.path("demo-keys"), withDestinationPath: h.repoPath("Genesis/demo-keys"))
        #expect(try fork.run(["init", "--genesis", fork.path("genesis-witnesses.json")]).status == 0)
        let season = try fork.run(["simulate", "--genesis", fork.path("genesis-witnesses.json"), "--events", "700", "--seed", "9", "--append", "--quiet"])
        #expect(season.status == 0, "\(season.stderr)")
        let refused = try fork.run(["publish", "--to", fork.path("site"), "--witness", witness.url])
        #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("witness"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fork.path("site/checkpoint")), "a checkpoint the witness refused was published")

        // The witness kept its state across a restart (fsynced before it answered).
        let state = String(decoding: try Data(contentsOf: URL(fileURLWithPath: h.path("w1/checkpoint"))), as: UTF8.self)
        let published = String(decoding: try Data(contentsOf: URL(fileURLWithPath: h.path("site/checkpoint"))), as: UTF8.self)
        #expect(published.hasPrefix(state.components(separatedBy: "\n\n")[0]))
    }
}
