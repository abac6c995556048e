import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import OrchardModel
import OrchardTesting

/// A running `orchard serve` on a loopback port, driven over HTTP: the real binary, the real
/// server, requests from many clients at once, SIGTERM and kill -9.
final class RunningNode: @unchecked Sendable {
    let process = Process()
    let port: Int
    let stderr: Pipe

    /// Starts `orchard serve --port 0` on the harness's ledger and waits for the line that says
    /// where it listens.
    init(_ h: CLIHarness, _ arguments: [String] = []) throws {
        process.executableURL = CLIHarness.binary
        process.arguments = ["serve", "--ledger", h.ledger, "--port", "0"] + arguments
        let out = Pipe()
        stderr = Pipe()
        process.standardOutput = out
        process.standardError = stderr
        try process.run()
        port = try announcedPort(process, out, what: "the node")
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// Sends `signal` and waits for the process to end; its exit status.
    func stop(_ signal: Int32 = SIGTERM) -> Int32 {
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The log lines the node wrote to standard error (call after it stopped).
    var log: String { String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }

    struct Reply {
        let status: Int
        let body: Data
        let contentType: String?
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> JSONValue { try JSONParser.parse([UInt8](body)) }
    }

    func request(_ method: String, _ path: String, body: Data? = nil) async throws -> Reply {
        var r = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        r.httpMethod = method
        r.httpBody = body
        r.timeoutInterval = 60
        let (data, response) = try await URLSession.shared.data(for: r)
        let http = response as! HTTPURLResponse
        return Reply(status: http.statusCode, body: data, contentType: http.value(forHTTPHeaderField: "Content-Type"))
    }

    func capture(_ lines: [String]) async throws -> Reply {
        try await request("POST", "/capture", body: Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}

/// The loopback port a server started by a test names on its first line of standard output
/// (`… listening on http://127.0.0.1:PORT …`); the process is ended when it names none.
func announcedPort(_ process: Process, _ out: Pipe, what: String) throws -> Int {
    var line = [UInt8]()
    while !line.contains(10) {
        let chunk = out.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        line += chunk
    }
    let text = String(decoding: line, as: UTF8.self)
    guard let range = text.range(of: "127.0.0.1:"), let port = Int(text[range.upperBound...].prefix { $0.isNumber }) else {
        process.terminate()
        throw NodeTestError("\(what) did not say where it listens: \(text)")
    }
    return port
}

struct NodeTestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A signed harvest of `lot`, as one line of JSON Lines.
func signedHarvest(_ lot: String, kilograms: Double = 100) throws -> String {
    JSONWriter.compactString(try Fixtures.sign(FixtureEvents.harvest(lot: lot, kilograms: kilograms), as: "farm-sn-luochuan-01").json)
}

@Suite(.serialized)
struct ServeTests {
    @Test("Reads: health, the checkpoint as the CLI prints it (text/plain), the head, a block, a leaf, 404 and 400 with JSON bodies")
    func reads() async throws {
        let h = try CLIHarness()
        try h.initLedger()
        let node = try RunningNode(h)
        let health = try await node.request("GET", "/health")
        #expect(health.status == 200)
        #expect(try health.json()["status"]?.stringValue == "ok")
        let checkpoint = try await node.request("GET", "/checkpoint")
        #expect(checkpoint.status == 200)
        #expect(checkpoint.contentType?.hasPrefix("text/plain") == true)
        #expect(checkpoint.text == (try h.run(["checkpoint"]).stdout))
        let head = try await node.request("GET", "/head")
        #expect(try head.json()["header"]?["treeSize"]?.doubleValue == 1)
        #expect(try await node.request("GET", "/blocks/0").status == 200)
        let leaf = try await node.request("GET", "/leaves/0")
        #expect(try leaf.json()["type"]?.stringValue == "genesis")
        let missing = try await node.request("GET", "/blocks/7")
        #expect(missing.status == 404)
        #expect(try missing.json()["category"]?.stringValue == "notFound")
        let bad = try await node.request("GET", "/leaves/x")
        #expect(bad.status == 400)
        #expect(bad.text.contains("leaf index"))
        #expect(node.stop() == 0)
    }

    @Test("Capture: receipts after the commit, the ledger holds them; a repeat gets the first receipts; refusals name the record and field, change nothing")
    func capture() async throws {
        let h = try CLIHarness()
        try h.initLedger()
        let node = try RunningNode(h, ["--max-request-bytes", "20000", "--max-request-records", "5"])
        let lines = [try signedHarvest("NODE-1"), try signedHarvest("NODE-2")]
        let ok = try await node.capture(lines)
        #expect(ok.status == 200, "\(ok.text)")
        let receipts = try #require(try ok.json()["receipts"]?.arrayValue)
        #expect(receipts.map { $0["leafIndex"]?.doubleValue } == [1, 2])
        #expect(try h.run(["show", "head", "--json"]).json()["header"]?["treeSize"]?.doubleValue == 3)
        let again = try await node.capture(lines)
        #expect(try again.json()["receipts"]?.arrayValue?.allSatisfy { $0["duplicate"] == .bool(true) } == true)
        let before = try h.ledgerBytes()
        // An unsigned EPCIS document: told how to sign.
        let unsigned = try await node.request("POST", "/capture", body: try Data(contentsOf: URL(fileURLWithPath: h.repoPath("Tools/demo-events/1-farm-harvest.jsonld"))))
        #expect(unsigned.status == 422)
        #expect(unsigned.text.contains("orchard sign"), "\(unsigned.text)")
        // A record breaking a rule: the record, the field, the code.
        let overdraw = JSONWriter.compactString(try Fixtures.sign(FixtureEvents.shipping(lot: "NODE-1", kilograms: 500), as: "farm-sn-luochuan-01").json)
        let refused = try await node.capture([overdraw])
        #expect(refused.status == 422)
        let problem = try #require(try refused.json()["problems"]?.arrayValue?.first)
        #expect(problem["code"]?.stringValue == "custody.not-held")
        #expect(problem["path"]?.stringValue == "quantityList[0].quantity")
        // Limits: 413 with the limit named.
        let many = try await node.capture(try (0..<6).map { try signedHarvest("MANY-\($0)") })
        #expect(many.status == 413)
        #expect(many.text.contains("at most 5"), "\(many.text)")
        let big = try await node.request("POST", "/capture", body: Data(repeating: 0x20, count: 30000))
        #expect(big.status == 413)
        #expect(try h.ledgerBytes() == before)
        #expect(node.stop() == 0)
        #expect(node.log.contains("path=/capture status=200"))
    }

    @Test("Concurrent capture from many clients shares blocks; one bad request among them is refused alone")
    func groupCommit() async throws {
        let h = try CLIHarness()
        try h.initLedger()
        let node = try RunningNode(h, ["--batch-wait-ms", "50"])
        let requests = try (0..<40).map { i in
            i == 17 ? [JSONWriter.compactString(try Fixtures.sign(FixtureEvents.shipping(lot: "NOWHERE", kilograms: 5), as: "farm-sn-luochuan-01").json)]
                : [try signedHarvest("GC-\(i)-A"), try signedHarvest("GC-\(i)-B")]
        }
        let replies = try await withThrowingTaskGroup(of: (Int, RunningNode.Reply).self) { group in
            for (i, r) in requests.enumerated() { group.addTask { (i, try await node.capture(r)) } }
            var out = [Int: RunningNode.Reply]()
            for try await (i, reply) in group { out[i] = reply }
            return out
        }
        var leaves = Set<Double>(), blocks = Set<Double>()
        for (i, reply) in replies {
            if i == 17 {
                #expect(reply.status == 422)
                #expect(reply.text.contains("lot.unknown"), "\(reply.text)")
                continue
            }
            #expect(reply.status == 200, "\(reply.text)")
            for r in try #require(try reply.json()["receipts"]?.arrayValue) {
                leaves.insert(try #require(r["leafIndex"]?.doubleValue))
                blocks.insert(try #require(r["blockHeight"]?.doubleValue))
            }
        }
        #expect(leaves.count == 78)
        #expect(blocks.count < 39, "requests share blocks: \(blocks.count) blocks for 39 requests")
        let head = try h.run(["show", "head", "--json"]).json()
        #expect(head["header"]?["treeSize"]?.doubleValue == 79)
        #expect(node.stop() == 0)
        #expect(try h.run(["verify"]).status == 0)
    }

    @Test("The read side answers as the CLI does: EPCIS event, proofs, trace, bundle, loss statistics, label; the resolver serves apps, browsers and linksets")
    func readSideAndResolver() async throws {
        let h = try CLIHarness()
        try h.initSimulatedLedger(["--events", "1500", "--seed", "4"])
        let node = try RunningNode(h, ["--public-host", "https://duoduo.example"])
        // The first event that names a lot, its ID and the lot.
        var found: (id: String, lot: String)?
        for n in 1...30 where found == nil {
            let view = try h.run(["show", "leaf", String(n), "--json"]).json()
            if let id = view["eventID"]?.stringValue, let lot = view["event"]?["quantityList"]?.arrayValue?.first?["epcClass"]?.stringValue {
                found = (id, lot)
            }
        }
        let (id, lotURN) = try #require(found)
        let event = try await node.request("GET", "/events/" + id.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        #expect(event.status == 200, "\(event.text)")
        #expect(event.contentType == "application/ld+json")
        #expect(try event.json()["eventID"]?.stringValue == id)
        #expect(try event.json()["recordTime"]?.stringValue != nil)
        // The event ID the JSON-LD reads back to, computed by the CLI from the document.
        try event.body.write(to: URL(fileURLWithPath: h.path("event.json")))
        #expect(try h.run(["event-id", h.path("event.json")]).stdout.hasPrefix(id))
        let inclusion = try await node.request("GET", "/proofs/inclusion/1")
        #expect(inclusion.status == 200)
        #expect(inclusion.text.contains("\"proof\""), "\(inclusion.text)")
        let consistency = try await node.request("GET", "/proofs/consistency?from=5")
        #expect(consistency.status == 200, "\(consistency.text)")
        #expect(try await node.request("GET", "/proofs/consistency?from=x").status == 400)

        let code = lotURN.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let trace = try await node.request("GET", "/trace?code=\(code)")
        #expect(trace.status == 200, "\(trace.text)")
        #expect(try trace.json() == (try h.run(["trace", lotURN, "--json"]).json()))
        let bundle = try await node.request("GET", "/bundle?code=\(code)")
        #expect(bundle.status == 200)
        try bundle.body.write(to: URL(fileURLWithPath: h.path("bundle.json")))
        let genesisHash = try #require(try h.run(["show", "block", "0", "--json"]).json()["hash"]?.stringValue)
        let checked = try h.run(["verify-bundle", h.path("bundle.json"), "--trust", genesisHash])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        let loss = try await node.request("GET", "/stats/loss?by=stage")
        #expect(loss.status == 200)
        let cli = try h.run(["stats", "loss", "--by", "stage", "--json", "--quiet"]).json()
        #expect(try loss.json()["total"] == cli["total"])
        #expect(try await node.request("GET", "/stats/loss?by=colour").status == 400)

        // The resolver, at the lot's Digital Link path.
        let gtinLot = try #require(digitalLinkPath(lotURN))
        let linkset = try await node.request("GET", gtinLot + "?linkType=all")
        #expect(linkset.contentType == "application/linkset+json")
        #expect(try linkset.json()["linkset"]?.arrayValue?.first?["anchor"]?.stringValue == "https://duoduo.example" + gtinLot)
        var app = URLRequest(url: URL(string: "http://127.0.0.1:\(node.port)\(gtinLot)")!)
        app.setValue("application/json", forHTTPHeaderField: "Accept")
        let (appData, appResponse) = try await URLSession.shared.data(for: app)
        #expect((appResponse as! HTTPURLResponse).statusCode == 200)
        #expect(try JSONParser.parse([UInt8](appData))["format"]?.stringValue == "orchard-bundle/2")
        var browser = URLRequest(url: URL(string: "http://127.0.0.1:\(node.port)\(gtinLot)")!)
        browser.setValue("en-GB,en;q=0.9", forHTTPHeaderField: "Accept-Language")
        let (pageData, pageResponse) = try await URLSession.shared.data(for: browser)
        let page = String(decoding: pageData, as: UTF8.self)
        #expect((pageResponse as! HTTPURLResponse).value(forHTTPHeaderField: "Content-Type")?.hasPrefix("text/html") == true)
        #expect(page.contains("<html lang=\"en\">") && page.contains("Where this came from"))
        #expect(!page.contains("<script src") && !page.contains("https://fonts"))
        let chinese = try await node.request("GET", gtinLot + "?lang=zh")
        #expect(chinese.text.contains("<html lang=\"zh-CN\">") && chinese.text.contains("产品溯源"))
        let unknown = try await node.request("GET", "/01/06971230000013/10/NO-SUCH-LOT?lang=zh-CN")
        #expect(unknown.status == 404)
        #expect(unknown.text.contains("未找到该批次"))
        let malformed = try await node.request("GET", "/01/06971230000012/10/X?lang=en")
        #expect(malformed.status == 400)
        #expect(malformed.text.contains("check digit should be 3"))
        let label = try await node.request("GET", "/label" + gtinLot + ".svg")
        #expect(label.status == 200)
        #expect(label.contentType == "image/svg+xml")
        #expect(label.text.contains("https://duoduo.example" + gtinLot))
        #expect(node.stop() == 0)
    }

    @Test("GET /events pages through the ledger in order, following Link rel=next, and filters as the EPCIS simple event query does")
    func epcisQueryInterface() async throws {
        let h = try CLIHarness()
        try h.initSimulatedLedger(["--events", "600", "--seed", "6"])
        let export = h.path("all.jsonld")
        #expect(try h.run(["export", "--epcis", export]).status == 0)
        let all = try #require(try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: export))))["epcisBody"]?["eventList"]?.arrayValue)
        let node = try RunningNode(h)
        func page(_ query: String) async throws -> (events: [JSONValue], next: String?) {
            var r = URLRequest(url: URL(string: "http://127.0.0.1:\(node.port)/events?\(query)")!)
            r.httpMethod = "GET"
            let (data, response) = try await URLSession.shared.data(for: r)
            let http = response as! HTTPURLResponse
            #expect(http.statusCode == 200, "\(String(decoding: data, as: UTF8.self))")
            let doc = try JSONParser.parse([UInt8](data))
            #expect(doc["type"]?.stringValue == "EPCISQueryDocument")
            let link = http.value(forHTTPHeaderField: "Link")
            let next = link.flatMap { l -> String? in
                guard let a = l.range(of: "/events?"), let b = l.range(of: ">; rel=\"next\"") else { return nil }
                return String(l[a.upperBound..<b.lowerBound])
            }
            return (doc["epcisBody"]?["queryResults"]?["resultsBody"]?["eventList"]?.arrayValue ?? [], next)
        }
        func everything(_ query: String) async throws -> [JSONValue] {
            var out = [JSONValue](), next: String? = query
            var pages = 0
            while let q = next {
                let p = try await page(q)
                out += p.events
                next = p.next
                pages += 1
                #expect(pages < 1000)
            }
            return out
        }
        // Every event, in ledger order, 37 a page: the export's events and IDs.
        let paged = try await everything("perPage=37")
        #expect(paged.map { $0["eventID"]?.stringValue } == all.map { $0["eventID"]?.stringValue })
        #expect(paged.first?["recordTime"] != nil)
        // Filters: the same subsets the export gives.
        let shipping = try await everything("EQ_bizStep=urn:epcglobal:cbv:bizstep:shipping&perPage=50")
        let expected = all.filter { $0["bizStep"]?.stringValue == "shipping" || $0["bizStep"]?.stringValue == "urn:epcglobal:cbv:bizstep:shipping" }
        #expect(!expected.isEmpty)
        #expect(shipping.map { $0["eventID"]?.stringValue } == expected.map { $0["eventID"]?.stringValue })
        let transformations = try await everything("eventType=TransformationEvent")
        #expect(transformations.allSatisfy { $0["type"]?.stringValue == "TransformationEvent" })
        #expect(transformations.count == all.filter { $0["type"]?.stringValue == "TransformationEvent" }.count)
        let lots = all.compactMap { $0["quantityList"]?.arrayValue?.first?["epcClass"]?.stringValue }
        let lot = try #require(lots.first)
        let naming = try await everything("MATCH_anyEPCClass=\(lot)&perPage=3")
        let mentions = all.filter { e in JSONWriter.compactString(e).contains("\"" + lot + "\"") }
        #expect(naming.map { $0["eventID"]?.stringValue } == mentions.map { $0["eventID"]?.stringValue })
        // A time range, taken from the season itself: [a quarter in, half way).
        func millis(_ e: JSONValue) throws -> Int64 { try EPCISTimestamp(e["eventTime"]?.stringValue ?? "").millisecondsSinceEpoch }
        let t1 = try #require(all[all.count / 4]["eventTime"]?.stringValue), t2 = try #require(all[all.count / 2]["eventTime"]?.stringValue)
        let (m1, m2) = (try EPCISTimestamp(t1).millisecondsSinceEpoch, try EPCISTimestamp(t2).millisecondsSinceEpoch)
        let plus = CharacterSet.urlQueryAllowed.subtracting(["+", "&", "="])
        let ranged = try await everything("GE_eventTime=\(t1.addingPercentEncoding(withAllowedCharacters: plus)!)&LT_eventTime=\(t2.addingPercentEncoding(withAllowedCharacters: plus)!)&perPage=100")
        let inRange = try all.filter { let m = try millis($0); return m >= m1 && m < m2 }
        #expect(!inRange.isEmpty)
        #expect(ranged.map { $0["eventID"]?.stringValue } == inRange.map { $0["eventID"]?.stringValue })
        // Refusals name the parameter.
        let bad = try await node.request("GET", "/events?EQ_bizStep=shipping&colour=red")
        #expect(bad.status == 400)
        #expect(bad.text.contains("colour=red"))
        #expect(try await node.request("GET", "/events?perPage=0").status == 400)
        #expect(node.stop() == 0)
    }

    @Test("Docs/openapi.json describes the running node: every operation exercised, every answer's status, type and body as documented")
    func openAPIDocument() async throws {
        let h = try CLIHarness()
        try h.initSimulatedLedger(["--events", "400", "--seed", "8"])
        var found: (id: String, lot: String)?
        for n in 1...30 where found == nil {
            let view = try h.run(["show", "leaf", String(n), "--json"]).json()
            if let id = view["eventID"]?.stringValue, let lot = view["event"]?["quantityList"]?.arrayValue?.first?["epcClass"]?.stringValue { found = (id, lot) }
        }
        let (id, lot) = try #require(found)
        let dl = try #require(digitalLinkPath(lot))
        let node = try RunningNode(h)
        func get(_ path: String, _ headers: [String: String] = [:]) -> JSONValue {
            var m: [JSONMember] = [JSONMember("method", "GET"), JSONMember("path", .string(path))]
            if !headers.isEmpty { m.append(JSONMember("headers", .object(headers.map { JSONMember($0.key, .string($0.value)) }))) }
            return .object(m)
        }
        let code = lot.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let requests: [JSONValue] = [
            get("/health"), get("/metrics"), get("/checkpoint"), get("/head"), get("/blocks/0"), get("/blocks/999"), get("/blocks/x"),
            get("/tile/0/000"), get("/tile/entries/001.p/145"), get("/tile/1/000.p/1"), get("/tile/0/0001"), get("/tile/0/002.p/3"),
            get("/leaves/1"), get("/leaves/99999"), get("/events?perPage=5"), get("/events?EQ_bizStep=shipping&perPage=2"), get("/events?perPage=0"),
            get("/events/" + id.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!), get("/events/not-an-id"),
            get("/proofs/inclusion/1"), get("/proofs/consistency?from=2"), get("/proofs/consistency?from=0"),
            get("/trace?code=\(code)"), get("/trace?code=\(code)&direction=forward"), get("/trace?code=nonsense"),
            get("/bundle?code=\(code)"), get("/stats/loss?by=stage"), get("/stats/loss?by=colour"),
            get("/label" + dl + ".svg"), get(dl), get(dl + "?linkType=all"), get(dl, ["Accept": "application/json"]),
            get("/01/06971230000013/10/NO-SUCH-LOT"), get("/01/06971230000013/10/NO-SUCH-LOT", ["Accept": "application/json"]),
            get("/01/06971230000012/10/X"),
            .object([JSONMember("method", "POST"), JSONMember("path", "/capture"), JSONMember("body", .string(try signedHarvest("OPENAPI-1") + "\n"))]),
            .object([JSONMember("method", "POST"), JSONMember("path", "/capture"), JSONMember("body", "{\"type\": \"event\"}\n")]),
        ]
        let file = h.path("requests.json")
        try Data(JSONWriter.pretty(.array(requests)).utf8).write(to: URL(fileURLWithPath: file))
        let check = Process()
        check.executableURL = URL(fileURLWithPath: h.repoPath("Tools/openapi-check"))
        check.arguments = [h.repoPath("Docs/openapi.json"), "http://127.0.0.1:\(node.port)", file]
        let out = Pipe()
        check.standardOutput = out
        check.standardError = out
        try check.run()
        let report = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(check.terminationStatus == 0, "\(report)")
        #expect(report.contains("18 of 18 operations exercised"), "\(report)")
        #expect(node.stop() == 0)
    }

    @Test("A bundle is answered from memory while the head stays, and rebuilt once a block lands")
    func bundleCache() async throws {
        let h = try CLIHarness()
        try h.initLedger()
        let node = try RunningNode(h)
        #expect(try await node.capture([try signedHarvest("CACHE-1")]).status == 200)
        let code = FixtureEvents.lotClass("CACHE-1").addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let first = try await node.request("GET", "/bundle?code=\(code)")
        let again = try await node.request("GET", "/bundle?code=\(code)")
        #expect(first.status == 200 && first.body == again.body)
        let writeOff = JSONWriter.compactString(try Fixtures.sign(FixtureEvents.destroying(lot: "CACHE-1", kilograms: 5), as: "farm-sn-luochuan-01").json)
        #expect(try await node.capture([writeOff]).status == 200)
        let after = try await node.request("GET", "/bundle?code=\(code)")
        #expect(after.status == 200 && after.body != first.body)
        #expect(try after.json()["checkpoint"]?.stringValue?.contains("\n3\n") == true, "\(after.text.prefix(400))")
        #expect(node.stop() == 0)
    }

    @Test("kill -9 during concurrent capture loses no record whose receipt was sent; the ledger verifies after restart")
    func killNine() async throws {
        let h = try CLIHarness()
        try h.initLedger()
        let node = try RunningNode(h, ["--batch-wait-ms", "2"])
        let received = ReceiptLog()
        // Clients keep capturing while the node is killed; every receipt that arrived is kept.
        await withTaskGroup(of: Void.self) { group in
            for c in 0..<8 {
                group.addTask {
                    for k in 0..<200 {
                        guard let reply = try? await node.capture([try signedHarvest("K9-\(c)-\(k)")]), reply.status == 200,
                              let ids = try? reply.json()["receipts"]?.arrayValue?.compactMap({ $0["eventID"]?.stringValue }) else { return }
                        received.add(ids)
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: 700_000_000)
                _ = node.stop(SIGKILL)
            }
        }
        let ids = received.all
        #expect(!ids.isEmpty, "no receipt arrived before the kill")
        #expect(try h.run(["verify"]).status == 0)
        for id in ids.prefix(400) {
            let r = try h.run(["show", "event", id])
            #expect(r.status == 0, "receipt sent for \(id), but the event is not in the ledger: \(r.stderr)")
        }
        // The node starts again on the same ledger.
        let again = try RunningNode(h)
        #expect(try await again.request("GET", "/health").status == 200)
        #expect(again.stop() == 0)
    }
}

/// `/01/<GTIN-14>/10/<lot>` of an LGTIN class URN (company prefix of 7 digits, as the simulator writes).
func digitalLinkPath(_ urn: String) -> String? {
    guard urn.hasPrefix("urn:epc:class:lgtin:") else { return nil }
    let parts = urn.dropFirst("urn:epc:class:lgtin:".count).split(separator: ".", maxSplits: 2).map(String.init)
    guard parts.count == 3 else { return nil }
    let body = Array(parts[1].prefix(1) + parts[0] + parts[1].dropFirst())
    let sum = body.reversed().enumerated().reduce(0) { $0 + Int(String($1.element))! * ($1.offset % 2 == 0 ? 3 : 1) }
    return "/01/\(String(body))\((10 - sum % 10) % 10)/10/\(parts[2])"
}

/// Event IDs from receipts, collected from concurrent clients.
final class ReceiptLog: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String] = []
    func add(_ more: [String]) { lock.lock(); ids += more; lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return ids }
}
