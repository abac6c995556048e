// The consumer page's in-browser verifier and the page itself: the verifier script (taken from the
// page the real node serves) run under Node.js against real and tampered bundles, and the page in
// headless Chromium driven over W3C WebDriver (chromedriver), on the node and from a plain static
// server standing in for the bucket of issue 14. Screenshots at phone width go to the test's
// directory and to /tmp/orchard-page-screens/.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import OrchardModel
import OrchardTesting

@Suite(.serialized)
struct ConsumerPageTests {
    static let screens = "/tmp/orchard-page-screens"

    @Test("The page's verifier, run by Node.js: real bundles verify; a changed temperature, signature, proof, key, checkpoint or a left-out event each fail with their check")
    func verifierUnderNode() async throws {
        let h = try CLIHarness()
        try h.initSimulatedLedger(["--events", "1500", "--seed", "4"])
        let lot = try PageLot(h)
        let node = try RunningNode(h)
        let page = try await node.request("GET", lot.path)
        #expect(page.status == 200)
        try PageFiles.verifier(from: page.text).write(toFile: h.path("verifier.js"), atomically: true, encoding: .utf8)
        let bundleReply = try await node.request("GET", lot.path + "?linkType=gs1:traceability")
        #expect(bundleReply.status == 200)
        let bundle = bundleReply.text
        #expect(node.stop() == 0)

        let example = try String(contentsOfFile: h.repoPath("Docs/examples/bundle-example.json"), encoding: .utf8)
        let key = try lot.verifierKey
        var cases: [(name: String, text: String, key: String, check: String?)] = [
            ("example", example, PageFiles.demoKey, nil),
            ("simulated lot", bundle, key, nil),
            ("temperature changed", try Tamper.temperature(bundle), key, "record.signature"),
            ("signature byte", try Tamper.signature(bundle), key, "record.signature"),
            ("proof step dropped", try Tamper.dropProofStep(bundle), key, "proof.inclusion"),
            ("checkpoint root", try Tamper.checkpointRoot(bundle), key, "checkpoint.signature"),
            ("event left out, claims too", try Tamper.dropEvent(bundle), key, "lotmap.incomplete"),
            ("example quantity", example.replacingOccurrences(of: "\\\"quantity\\\":400", with: "\\\"quantity\\\":4000"), PageFiles.demoKey, "record.signature"),
        ]
        cases.append(("other key", bundle, "authority", "trust.anchor"))
        var list = [[String: String]]()
        for (i, c) in cases.enumerated() {
            let file = h.path("case-\(i).json")
            try c.text.write(toFile: file, atomically: true, encoding: .utf8)
            list.append(["name": c.name, "file": file, "key": c.key])
        }
        try JSONSerialization.data(withJSONObject: list).write(to: URL(fileURLWithPath: h.path("cases.json")))
        try PageFiles.nodeRunner.write(toFile: h.path("run.js"), atomically: true, encoding: .utf8)
        let out = try #require(try ExternalPrograms.output("/usr/bin/node", [h.path("run.js"), h.path("verifier.js"), h.path("cases.json")]))
        let results = out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(results.count == cases.count, "\(out)")
        for (c, r) in zip(cases, results) {
            if let check = c.check {
                #expect(r["ok"] as? Bool == false && r["check"] as? String == check, "\(c.name): \(r)")
            } else {
                #expect(r["ok"] as? Bool == true, "\(c.name): \(r)")
                #expect((r["passed"] as? [String])?.contains("lotmap.incomplete") == true, "\(c.name): \(r)")
            }
        }
        // The tampered event is named by its leaf.
        let temperature = try #require(results.first { $0["name"] as? String == "temperature changed" })
        #expect(temperature["leaf"] as? Int == (try Tamper.sensorLeaf(bundle)))
    }

    @Test("In headless Chromium at phone width: the node's page verifies the lot in the browser (zh-CN and English); a tampered bundle from a static server is reported with its failed check; an unknown lot is said plainly")
    func pageInBrowser() async throws {
        let h = try CLIHarness()
        try h.initSimulatedLedger(["--events", "1500", "--seed", "4"])
        let lot = try PageLot(h)
        let node = try RunningNode(h)
        let driver = try WebDriver()
        try? FileManager.default.createDirectory(atPath: Self.screens, withIntermediateDirectories: true)
        func shot(_ session: WebDriver.Session, _ name: String) async throws {
            for (suffix, full) in [("", true), ("-top", false)] {
                let file = h.path(name + suffix + ".png")
                try await session.screenshot(to: file, fullPage: full)
                try? FileManager.default.removeItem(atPath: Self.screens + "/" + name + suffix + ".png")
                try FileManager.default.copyItem(atPath: file, toPath: Self.screens + "/" + name + suffix + ".png")
            }
        }
        let base = "http://127.0.0.1:\(node.port)"
        for language in ["zh-CN", "en-US"] {
            let session = try await driver.session(language: language, profile: h.path("profile-\(language)"))
            try await session.go(base + lot.path)
            let state = try await session.waitForState()
            let status = try await session.text("#status")
            #expect(state == "verified", "\(language): \(state): \(status)")
            #expect(status.contains(language == "zh-CN" ? "已验证" : "Verified"), "\(status)")
            let html = try await session.execute("return document.documentElement.lang")
            #expect(html == (language == "zh-CN" ? "zh-CN" : "en"))
            let fingerprint = try await session.text("#fingerprint")
            #expect(fingerprint.count == 24, "\(fingerprint)")
            let body = try await session.text("body")
            #expect(body.contains(language == "zh-CN" ? "冷链运输" : "Cold chain"), "\(body.prefix(2000))")
            #expect(try await session.execute("return String(document.querySelectorAll('svg.chart').length)") != "0")
            try await shot(session, "verified-\(language)")
            try await session.quit()
        }

        // The static case: the same page from a plain server, with a genuine and then a tampered bundle.
        let genuine = try await node.request("GET", lot.path + "?linkType=gs1:traceability").text
        let pageFile = h.path("page.html"), bundleFile = h.path("served-bundle.json")
        try await node.request("GET", lot.path).body.write(to: URL(fileURLWithPath: pageFile))
        try genuine.write(toFile: bundleFile, atomically: true, encoding: .utf8)
        #expect(try h.run(["publish", "--to", h.path("site")]).status == 0)
        let bucket = try StaticServer(page: pageFile, bundle: bundleFile, site: h.path("site"), script: h.path("static-server.py"))
        for language in ["en-US", "zh-CN"] {
            let session = try await driver.session(language: language, profile: h.path("profile-static-\(language)"))
            try genuine.write(toFile: bundleFile, atomically: true, encoding: .utf8)
            try await session.go(bucket.base + lot.path)
            #expect(try await session.waitForState() == "verified")
            try Tamper.temperature(genuine).write(toFile: bundleFile, atomically: true, encoding: .utf8)
            try await session.go(bucket.base + lot.path + "?lang=" + (language == "zh-CN" ? "zh" : "en"))
            #expect(try await session.waitForState() == "failed")
            #expect(try await session.execute("return document.getElementById('app').dataset.failedCheck") == "record.signature")
            let status = try await session.text("#status")
            #expect(status.contains(language == "zh-CN" ? "有事件在签名后被改动过" : "An event was changed after it was signed"), "\(status)")
            #expect(status.contains("record.signature"))
            let failedLeaf = try await session.execute("return document.querySelector('li.step.failed').dataset.leaf")
            #expect(failedLeaf == String(try Tamper.sensorLeaf(genuine)))
            try await shot(session, "tampered-\(language)")
            _ = try await session.execute("document.querySelector('li.step.failed').scrollIntoView({block: 'center'}); return ''")
            let card = h.path("tampered-\(language)-card.png")
            try await session.screenshot(to: card, fullPage: false)
            try? FileManager.default.removeItem(atPath: Self.screens + "/tampered-\(language)-card.png")
            try FileManager.default.copyItem(atPath: card, toPath: Self.screens + "/tampered-\(language)-card.png")
            // A lot the bucket has no bundle for.
            try await session.go(bucket.base + "/01/06971230000013/10/NO-SUCH-LOT")
            #expect(try await session.waitForState() == "unknown-lot")
            #expect(try await session.text("main").contains(language == "zh-CN" ? "账本中没有这个批次" : "This lot is not in the ledger"))
            if language == "zh-CN" { try await shot(session, "unknown-\(language)") }
            try await session.quit()
        }
        // The log behind the bucket replaced by another history of the same ledger key (a fork):
        // the page, remembering the log it saw, refuses even the genuine bundle.
        let fork = try CLIHarness()
        try fork.initSimulatedLedger(["--events", "1800", "--seed", "5"])
        #expect(try fork.run(["publish", "--to", fork.path("site")]).status == 0)
        let session = try await driver.session(language: "en-US", profile: h.path("profile-fork"))
        try genuine.write(toFile: bundleFile, atomically: true, encoding: .utf8)
        try await session.go(bucket.base + lot.path)
        #expect(try await session.waitForState() == "verified")
        try FileManager.default.moveItem(atPath: h.path("site"), toPath: h.path("site-genuine"))
        try FileManager.default.moveItem(atPath: fork.path("site"), toPath: h.path("site"))
        try await session.go(bucket.base + lot.path)
        #expect(try await session.waitForState() == "failed")
        #expect(try await session.execute("return document.getElementById('app').dataset.failedCheck") == "log.consistency")
        let forkStatus = try await session.text("#status")
        #expect(forkStatus.contains("forked") || forkStatus.contains("rolled back"), "\(forkStatus)")
        try await shot(session, "forked-log-en-US")
        try await session.quit()
        bucket.stop()
        driver.stop()
        #expect(node.stop() == 0)
    }
}

/// A lot of the simulated season that reached a shop and travelled in a refrigerated truck.
struct PageLot {
    let path: String
    let harness: CLIHarness

    init(_ h: CLIHarness) throws {
        harness = h
        let file = h.path("season.jsonld")
        #expect(try h.run(["export", "--epcis", file]).status == 0)
        let events = try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: file))))["epcisBody"]?["eventList"]?.arrayValue ?? []
        let sold = events.filter { $0["bizStep"]?.stringValue?.hasSuffix("retail_selling") == true }
            .compactMap { $0["quantityList"]?.arrayValue?.first?["epcClass"]?.stringValue }
        let carried = Set(events.filter { $0["bizStep"]?.stringValue?.hasSuffix("transporting") == true }
            .compactMap { $0["quantityList"]?.arrayValue?.first?["epcClass"]?.stringValue })
        let lot = try #require(sold.first { carried.contains($0) } ?? sold.first)
        path = try #require(digitalLinkPath(lot))
    }

    var verifierKey: String {
        get throws { try harness.run(["checkpoint", "--verifier-key"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
    }
}

/// Tampered copies of a bundle's text.
enum Tamper {
    typealias Object = [String: Any]

    static func object(_ text: String) throws -> Object {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? Object)
    }

    static func text(_ o: Object) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: o), as: UTF8.self)
    }

    static func records(_ o: Object) throws -> [Object] { try #require(o["records"] as? [Object]) }

    /// The index in `records` of the first carrier's record with temperatures.
    static func sensorIndex(_ o: Object) throws -> Int {
        try #require(try records(o).firstIndex { ($0["record"] as? String)?.contains("sensorReport") == true })
    }

    static func sensorLeaf(_ text: String) throws -> Int {
        let o = try object(text)
        return try #require(try records(o)[try sensorIndex(o)]["leaf"] as? Int)
    }

    /// Changes the cold-chain record's entry with `change` and returns the bundle's text.
    static func changingSensorRecord(_ text: String, _ change: (inout Object) throws -> Void) throws -> String {
        var o = try object(text)
        var list = try records(o)
        let i = try sensorIndex(o)
        try change(&list[i])
        o["records"] = list
        return try self.text(o)
    }

    /// The first temperature reading of a cold-chain leg set to another value.
    static func temperature(_ text: String) throws -> String {
        try changingSensorRecord(text) { entry in
            let record = try #require(entry["record"] as? String)
            let range = try #require(record.range(of: "\"value\":"))
            let number = record[range.upperBound...].prefix { "0123456789.-".contains($0) }
            entry["record"] = record.replacingCharacters(in: range.upperBound..<number.endIndex, with: number == "2.5" ? "3.5" : "2.5")
        }
    }

    /// One character of the leg's signature changed.
    static func signature(_ text: String) throws -> String {
        try changingSensorRecord(text) { entry in
            let record = try #require(entry["record"] as? String)
            let at = try #require(record.range(of: "\"sig\":\"")).upperBound
            entry["record"] = record.replacingCharacters(in: at..<record.index(after: at), with: record[at] == "A" ? "B" : "A")
        }
    }

    /// The last step of the leg's inclusion proof left out.
    static func dropProofStep(_ text: String) throws -> String {
        try changingSensorRecord(text) { entry in entry["proof"] = Array(try #require(entry["proof"] as? [Int]).dropLast()) }
    }

    /// The checkpoint's root replaced by another (its signature no longer matches).
    static func checkpointRoot(_ text: String) throws -> String {
        var o = try object(text)
        let lines = try #require(o["checkpoint"] as? String).components(separatedBy: "\n")
        o["checkpoint"] = ([lines[0], lines[1], Data(repeating: 7, count: 32).base64EncodedString()] + lines[3...]).joined(separator: "\n")
        return try self.text(o)
    }

    /// The cold-chain leg left out, and every claim about it too: only the lot map can tell.
    static func dropEvent(_ text: String) throws -> String {
        var o = try object(text)
        var list = try records(o)
        let i = try sensorIndex(o)
        let leaf = try #require(list[i]["leaf"] as? Int)
        list.remove(at: i)
        o["records"] = list
        o["lots"] = try #require(o["lots"] as? [Object]).map { lot in
            var lot = lot
            lot["namedBy"] = (lot["namedBy"] as? [Object] ?? []).filter { $0["leaf"] as? Int != leaf }
            return lot
        }
        return try self.text(o)
    }
}

enum PageFiles {
    static let demoKey = "orchard.example/duoduo-orchard+c3ffe336+AZpHvteaNnO5gQl33xqjE7/kO4b3UYkpmyV6wUzOjQP0"

    /// The verifier part of the page's inline script, as a CommonJS module.
    static func verifier(from page: String) throws -> String {
        let start = try #require(page.range(of: "const OrchardVerifier = (() => {"))
        let end = try #require(page.range(of: "module.exports = OrchardVerifier;"))
        return "\"use strict\";\n" + page[start.lowerBound..<end.upperBound] + "\n"
    }

    /// Runs each case of a list and prints one JSON line per result. Key "authority": a
    /// well-formed verifier key of the bundle's origin for another Ed25519 key (the authority's).
    static let nodeRunner = #"""
    const fs = require("fs");
    globalThis.crypto ??= require("crypto").webcrypto;  // Node 18 has WebCrypto, not as a global
    const V = require(process.argv[2]);
    const cases = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
    async function otherKey(bundle) {
      const g = JSON.parse(bundle.records[0].record).genesis;
      const raw = Buffer.from(g.authority.publicKey, "base64");
      const d = new Uint8Array(await crypto.subtle.digest("SHA-256", Buffer.concat([Buffer.from(g.origin + "\n"), Buffer.from([1]), raw])));
      return g.origin + "+" + Buffer.from(d.slice(0, 4)).toString("hex") + "+" + Buffer.concat([Buffer.from([1]), raw]).toString("base64");
    }
    (async () => {
      for (const c of cases) {
        const bundle = JSON.parse(fs.readFileSync(c.file, "utf8"));
        const key = c.key === "authority" ? await otherKey(bundle) : c.key;
        const r = await V.verify(bundle, key);
        const f = r.failure || {};
        console.log(JSON.stringify({ name: c.name, ok: r.ok, check: f.check, leaf: f.leaf, reason: f.reason, passed: r.passed }));
      }
    })().catch((e) => { console.error(e); process.exit(1); });
    """#
}

/// A static file server standing in for the bucket behind nginx (issue 14): the page for any
/// browser request, the bundle file for `Accept: application/json` on a lot path (404 for the
/// lot NO-SUCH-LOT).
final class StaticServer: @unchecked Sendable {
    let process = Process()
    let base: String

    /// Serves the page for browsers and `bundle` for apps at any lot path, and the checkpoint and
    /// tiles of the log published in `site` (`orchard publish --to SITE`), as the bucket does.
    init(page: String, bundle: String, site: String, script: String) throws {
        try Self.source.write(toFile: script, atomically: true, encoding: .utf8)
        // Not through /usr/bin/env: a pyenv shim is a shell that would outlive its python.
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/python3"
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, page, bundle, site]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = [UInt8]()
        while !line.contains(10) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        base = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard base.hasPrefix("http://127.0.0.1:") else { throw NodeTestError("the static server did not start: \(base)") }
    }

    /// SIGKILL: a program the test runner starts inherits SIGTERM ignored.
    func stop() { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
    deinit { stop() }

    static let source = #"""
    import http.server, os, sys
    page, bundle, site = sys.argv[1], sys.argv[2], sys.argv[3]
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            path = self.path.split("?")[0]
            if path == "/checkpoint" or path.startswith("/tile/"):
                file = os.path.join(site, path[1:])
                if ".." in path or not os.path.isfile(file):
                    self.answer(404, "text/plain", b"not found")
                else:
                    self.answer(200, "text/plain; charset=utf-8" if path == "/checkpoint" else "application/octet-stream", open(file, "rb").read())
            elif "application/json" in (self.headers.get("Accept") or ""):
                if "NO-SUCH-LOT" in path:
                    self.answer(404, "application/json", b'{"error": "not found"}')
                else:
                    self.answer(200, "application/json", open(bundle, "rb").read())
            else:
                self.answer(200, "text/html; charset=utf-8", open(page, "rb").read())
        def answer(self, status, kind, body):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Vary", "Accept")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("http://127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()
    """#
}

/// chromedriver (W3C WebDriver over HTTP) driving headless Chromium at phone size.
final class WebDriver: @unchecked Sendable {
    let process: Process
    let base: String

    init() throws {
        // chromedriver picks its port itself for --port=0 and, when the one it tried is taken
        // meanwhile (other tests open ports all the time), says "IPv4 port not available" and
        // exits: started again, it picks another.
        var attempt = 0
        while true {
            attempt += 1
            let (process, text) = try Self.launch()
            if let r = text.range(of: "started successfully on port "), let port = Int(text[r.upperBound...].prefix { $0.isNumber }) {
                self.process = process
                base = "http://127.0.0.1:\(port)"
                return
            }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            guard attempt < 4, text.contains("port not available") else { throw NodeTestError("chromedriver did not start: \(text)") }
        }
    }

    /// Starts chromedriver on a port of its choosing; its words up to the line that names the port
    /// (or up to its exit).
    private static func launch() throws -> (Process, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chromedriver")
        process.arguments = ["--port=0"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        while !text.contains("started successfully on port") || !text.hasSuffix("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        return (process, text)
    }

    /// SIGKILL: a program the test runner starts inherits SIGTERM ignored (its sessions were
    /// closed by `quit`).
    func stop() { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
    deinit { stop() }

    /// One WebDriver command; the answer's `value`. Sent with curl: FoundationNetworking's
    /// URLSession never returns chromedriver's answer to POST /session on Linux (it spins).
    func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sS", "--max-time", "120", "-X", method, "-H", "Content-Type: application/json"]
            + (body == nil ? [] : ["--data-binary", "@-"]) + [base + path]
        let input = Pipe(), output = Pipe()
        curl.standardInput = input
        curl.standardOutput = output
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        if let body { input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: body)) }
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        guard curl.terminationStatus == 0, let answer = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw NodeTestError("WebDriver \(method) \(path): curl exit \(curl.terminationStatus): \(String(decoding: data, as: UTF8.self).prefix(600))")
        }
        if let error = (answer["value"] as? [String: Any])?["error"] {
            throw NodeTestError("WebDriver \(method) \(path): \(error): \(String(describing: (answer["value"] as? [String: Any])?["message"]).prefix(600))")
        }
        return answer["value"]
    }

    /// A new browser: headless Chromium, 390×844 CSS pixels at 2× (a phone), in `language`.
    func session(language: String, profile: String) async throws -> Session {
        let options: [String: Any] = [
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=\(language)",
                     "--user-data-dir=\(profile)", "--hide-scrollbars", "--force-color-profile=srgb"],
            "prefs": ["intl.accept_languages": language + "," + language.prefix(2)],
            "mobileEmulation": ["deviceMetrics": ["width": 390, "height": 844, "pixelRatio": 2, "touch": true, "mobile": true]],
        ]
        let value = try await command("POST", "/session", ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]])
        guard let id = (value as? [String: Any])?["sessionId"] as? String else { throw NodeTestError("no WebDriver session: \(String(describing: value))") }
        return Session(driver: self, id: id)
    }

    struct Session {
        let driver: WebDriver
        let id: String

        func go(_ url: String) async throws { _ = try await driver.command("POST", "/session/\(id)/url", ["url": url]) }

        /// Runs `script` in the page; its result as text.
        func execute(_ script: String) async throws -> String {
            let value = try await driver.command("POST", "/session/\(id)/execute/sync", ["script": script, "args": [Any]()])
            return value.map { "\($0)" } ?? ""
        }

        func text(_ selector: String) async throws -> String {
            try await execute("const e = document.querySelector('\(selector)'); return e ? e.innerText : ''")
        }

        /// Waits until the page has settled: the app's data-state is no longer loading or verifying.
        func waitForState(timeout: Double = 60) async throws -> String {
            let start = Date()
            while Date().timeIntervalSince(start) < timeout {
                let state = try await execute("const a = document.getElementById('app'); return a ? (a.dataset.state || '') : 'none'")
                if !["loading", "verifying", ""].contains(state) { return state }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            return "timeout"
        }

        /// A PNG of the viewport, or of the whole page (through the DevTools protocol).
        func screenshot(to file: String, fullPage: Bool) async throws {
            let data: String?
            if fullPage {
                let height = Int(try await execute("return String(Math.ceil(document.documentElement.scrollHeight))")) ?? 844
                let value = try await driver.command("POST", "/session/\(id)/goog/cdp/execute", ["cmd": "Page.captureScreenshot", "params": [
                    "captureBeyondViewport": true, "clip": ["x": 0, "y": 0, "width": 390, "height": height, "scale": 1],
                ] as [String: Any]])
                data = (value as? [String: Any])?["data"] as? String
            } else {
                data = try await driver.command("GET", "/session/\(id)/screenshot") as? String
            }
            guard let data, let png = Data(base64Encoded: data) else { throw NodeTestError("no screenshot") }
            try png.write(to: URL(fileURLWithPath: file))
        }

        func quit() async throws { _ = try await driver.command("DELETE", "/session/\(id)") }
    }
}
