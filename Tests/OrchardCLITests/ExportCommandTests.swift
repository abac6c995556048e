import Foundation
import Testing
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore
import OrchardTesting

/// `orchard export` driven as an auditor or another EPCIS system's operator would.
@Suite(.serialized)
struct ExportCommandTests {
    let h: CLIHarness
    init() throws {
        h = try CLIHarness()
        try h.initSimulatedLedger(["--events", "1500", "--seed", "6", "--farms", "20", "--start", "2026-06-01", "--days", "60", "--chunk", "500"])
    }

    /// The ledger's event IDs in leaf order (read through the library after the CLI has run).
    func ledgerEventIDs(leaves: Set<UInt64>? = nil) throws -> [String] {
        let store = try LedgerStore.open(directory: h.ledger)
        let size = try store.head().header.treeSize
        return try (1..<size).filter { leaves?.contains($0) ?? true }.compactMap { leaf -> String? in
            let view = try store.record(atLeaf: leaf)
            return view.record.kind == .event ? view.eventID?.uri : nil
        }
    }

    @Test("The exported EPCIS document reads back in `orchard event-id` with the ledger's event IDs, and is valid against the EPCIS 2.0 JSON schema")
    func wholeLedger() throws {
        let r = try h.run(["export", "--epcis", h.path("season.jsonld")])
        #expect(r.status == 0, "\(r.stderr)")
        let ids = try h.run(["event-id", "--json", h.path("season.jsonld")])
        #expect(ids.status == 0, "\(ids.stderr)")
        let computed = try ids.json().arrayValue?.compactMap { $0["eventID"]?.stringValue } ?? []
        #expect(computed == (try ledgerEventIDs()))
        #expect(computed.count > 1000)
        // Each event carries the ID and the block's recordTime.
        let doc = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: h.path("season.jsonld")))))
        let events = doc["epcisBody"]?["eventList"]?.arrayValue ?? []
        #expect(events.map { $0["eventID"]?.stringValue ?? "" } == computed)
        #expect(events.allSatisfy { $0["recordTime"]?.stringValue?.hasSuffix("Z") == true })
        // Another EPCIS system's view: the GS1 EPCIS 2.0 JSON schema (conformance vectors).
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
            jsonschema.validate(doc, schema); print("valid")
            """, Conformance.url("epcis/schema/EPCIS-JSON-Schema.json").path, h.path("season.jsonld")]
        let pipe = Pipe(), errors = Pipe()
        check.standardOutput = pipe
        check.standardError = errors
        try check.run()
        check.waitUntilExit()
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(check.terminationStatus == 0, "schema validation: \(err.suffix(2000))")
    }

    @Test("--lot exports the lot's journey, --from/--to the events of those local dates; --checkpoints one signed note per block")
    func selections() throws {
        let cold = try h.run(["stats", "coldchain", "--json", "--quiet"]).json()
        let fallback = try Self.anyGradedLot(h)
        let lot = cold["legs"]?.arrayValue?.first?["lot"]?.stringValue ?? fallback
        #expect(!lot.isEmpty)
        let r = try h.run(["export", "--epcis", "-", "--lot", lot])
        #expect(r.status == 0, "\(r.stderr)")
        let store = try LedgerStore.open(directory: h.ledger)
        let leaves = Set(try store.traceLeaves(of: TraceKey(lot), direction: .backward))
        let exported = try r.json()["epcisBody"]?["eventList"]?.arrayValue?.compactMap { $0["eventID"]?.stringValue } ?? []
        let expected = try ledgerEventIDs(leaves: leaves)
        #expect(!exported.isEmpty && exported == expected)

        let june = try h.run(["export", "--epcis", "-", "--from", "2026-06-10", "--to", "2026-06-12"])
        let days = try june.json()["epcisBody"]?["eventList"]?.arrayValue?.compactMap { $0["eventTime"]?.stringValue } ?? []
        #expect(!days.isEmpty)
        #expect(days.allSatisfy { $0.hasPrefix("2026-06-10") || $0.hasPrefix("2026-06-11") || $0.hasPrefix("2026-06-12") }, "\(days.prefix(3))")

        let cps = try h.run(["export", "--checkpoints", h.path("checkpoints.jsonl")])
        #expect(cps.status == 0)
        let lines = try String(contentsOfFile: h.path("checkpoints.jsonl"), encoding: .utf8).split(separator: "\n")
        let head = try store.head().header
        #expect(lines.count == Int(head.height) + 1)
        let genesis = store.genesis
        var previous: UInt64 = 0
        for line in lines {
            let v = try JSONParser.parse(String(line))
            let cp = try Checkpoint(text: try #require(v["checkpoint"]?.stringValue))
            #expect(try cp.isSigned(by: genesis.sequencerKey))
            #expect(cp.treeSize > previous)
            previous = cp.treeSize
        }
        #expect(previous == head.treeSize)
        // Refusals: nothing to write, a selection without --epcis, a bad date.
        #expect(try h.run(["export"]).status == 64)
        #expect(try h.run(["export", "--checkpoints", "-", "--lot", lot]).status == 64)
        let bad = try h.run(["export", "--epcis", "-", "--from", "2026-02-30"])
        #expect(bad.status == 64 && bad.stderr.contains("--from 2026-02-30: expected a date"))
    }

    static func anyGradedLot(_ h: CLIHarness) throws -> String {
        let store = try LedgerStore.open(directory: h.ledger)
        for leaf in UInt64(1)..<(try store.head().header.treeSize) {
            let r = try store.record(atLeaf: leaf).record
            if r.payload["type"]?.stringValue == "TransformationEvent", let c = r.payload["outputQuantityList"]?.arrayValue?.first?["epcClass"]?.stringValue {
                return c
            }
        }
        return ""
    }
}
