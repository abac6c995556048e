import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import OrchardModel
import OrchardObjectStore
import OrchardTesting

/// `orchard publish` into a real SeaweedFS bucket behind nginx (Tools/objectstore), read back
/// through the cache with a plain HTTP client, by `verify-bundle URL` and by `orchard mirror`.
@Suite(.serialized) struct ObjectStorePublishTests {
    static func get(_ url: String, accept: String? = nil) async throws -> (status: Int, body: Data, headers: [String: String]) {
        var request = URLRequest(url: URL(string: url)!)
        if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
        request.cachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers = [String: String]()
        for (k, v) in http.allHeaderFields { headers[String(describing: k).lowercased()] = String(describing: v) }
        return (http.statusCode, data, headers)
    }

    @Test func publishToTheBucketReadThroughTheCacheGrowMirrorAndCatchTampering() async throws {
        let store = try await ObjectStoreHarness.start()
        do {
            try await run(store)
        } catch {
            try? await store.stop()
            throw error
        }
        try await store.stop()
    }

    func run(_ store: ObjectStoreHarness) async throws {
        let h = try CLIHarness()
        let env = ["/usr/bin/env", "AWS_ACCESS_KEY_ID=\(store.accessKeyID)", "AWS_SECRET_ACCESS_KEY=\(store.secretAccessKey)",
                   "AWS_REGION=\(store.region)"]
        try h.initLedger()
        let season = try h.run(["simulate", "--events", "1500", "--seed", "21", "--quiet"])
        let lines = season.stdout.split(separator: "\n")
        try Data((lines.dropLast(400).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: h.path("first.jsonl")))
        try Data((lines.suffix(400).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: h.path("later.jsonl")))
        #expect(try h.run(["append", h.path("first.jsonl")]).status == 0)
        let trust = try h.run(["checkpoint", "--verifier-key"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let target = "s3://\(store.bucket)/"

        // Without credentials: a usage error, nothing written.
        let noCredentials = try h.run(["publish", "--to", target, "--endpoint", store.endpoint], via: ["/usr/bin/env", "-u", "AWS_ACCESS_KEY_ID", "-u", "AWS_SECRET_ACCESS_KEY"])
        #expect(noCredentials.status == 64, "\(noCredentials.stderr)")

        let first = try h.run(["publish", "--to", target, "--endpoint", store.endpoint, "--json"], via: env)
        #expect(first.status == 0, "\(first.stderr)")
        let size1 = try #require(try first.json()["treeSize"]?.doubleValue).rounded()
        #expect(try first.json()["objectsAlreadyThere"]?.doubleValue == 0)

        // Plain HTTP through the cache: the checkpoint, a tile twice (a hit the second time), entries.
        let cache = store.cacheURL
        let checkpoint = try await Self.get(cache + "/checkpoint")
        #expect(checkpoint.status == 200 && String(decoding: checkpoint.body, as: UTF8.self).contains("\n\(Int(size1))\n"))
        let tile0 = try await Self.get(cache + "/tile/0/000")
        #expect(tile0.status == 200 && tile0.body.count == 8192)
        #expect(tile0.headers["cache-control"] == "public, max-age=31536000, immutable")
        let again = try await Self.get(cache + "/tile/0/000")
        #expect(again.headers["x-cache-status"] == "HIT", "\(again.headers)")
        let entries = try await Self.get(cache + "/tile/entries/000")
        #expect(entries.status == 200)

        // A lot: the bundle for an app, the page for a browser, at the same Digital Link.
        let client = try S3Client(endpoint: store.endpoint, bucket: store.bucket,
                                  credentials: AWSCredentials(accessKeyID: store.accessKeyID, secretAccessKey: store.secretAccessKey),
                                  region: store.region)
        let lotsDir = try await Self.lotPath(client)
        let bundle = try await Self.get(cache + lotsDir, accept: "application/json")
        #expect(bundle.status == 200 && bundle.headers["content-type"]?.hasPrefix("application/json") == true)
        let page = try await Self.get(cache + lotsDir, accept: "text/html,application/xhtml+xml")
        #expect(page.status == 200 && String(decoding: page.body, as: UTF8.self).contains("<html"), "\(page.headers)")
        let verified = try h.run(["verify-bundle", cache + lotsDir, "--trust", trust, "--remember", h.path("seen.txt")])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("log \(cache): checkpoint of \(Int(size1)) leaves"), "\(verified.stdout)")

        // The consumer page from the cache verifies in a real browser, as the node's does; a lot
        // whose bundle object was changed in the bucket (before the cache saw it) fails.
        let otherLot = try #require(try await client.list(prefix: "01/").map(\.key).sorted().last)
        var changed = try #require(try await client.get(key: otherLot)?.body)
        try Self.changeLastRecord(&changed)
        try await client.put(key: otherLot, body: changed, contentType: "application/json", cacheControl: "public, max-age=60")
        let driver = try WebDriver()
        let session = try await driver.session(language: "en-US", profile: h.path("profile-cache"))
        try await session.go(cache + lotsDir)
        let state = try await session.waitForState()
        let status = try await session.text("#status")
        #expect(state == "verified", "\(status)")
        try await session.go(cache + "/" + otherLot)
        #expect(try await session.waitForState() == "failed")
        #expect(try await session.execute("return document.getElementById('app').dataset.failedCheck") == "record.signature")
        try await session.quit()
        driver.stop()

        // A mirror from the cache reaches the checkpoint and answers the same.
        let replica = try CLIHarness()
        let mirror = try h.run(["mirror", "--from", cache, "--ledger", replica.ledger, "--trust", trust, "--json"])
        #expect(mirror.status == 0, "\(mirror.stderr)")
        #expect(try mirror.json()["treeSize"]?.doubleValue == size1)

        // Growth: only new objects; immutable ones never rewritten (a second run writes nothing new).
        #expect(try h.run(["append", h.path("later.jsonl")]).status == 0)
        let second = try h.run(["publish", "--to", target, "--endpoint", store.endpoint, "--json"], via: env)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try second.json()["previousTreeSize"]?.doubleValue == size1)
        #expect(try second.json()["objectsAlreadyThere"]?.doubleValue == 0)
        let size2 = try #require(try second.json()["treeSize"]?.doubleValue)
        let third = try h.run(["publish", "--to", target, "--endpoint", store.endpoint, "--json"], via: env)
        #expect(try third.json()["tiles"]?.doubleValue == 0 && third.json()["lotBundles"]?.doubleValue == 0)
        try await Task.sleep(for: .seconds(6))   // the cache keeps the checkpoint 5 s (max-age=5)
        let followed = try h.run(["mirror", "--from", cache, "--ledger", replica.ledger, "--trust", trust, "--json"])
        #expect(followed.status == 0, "\(followed.stderr)")
        #expect(try followed.json()["treeSize"]?.doubleValue == size2)
        // `orchard serve` on the mirror answers as the source's node does, and takes no records.
        let sourceNode = try RunningNode(h), mirrorNode = try RunningNode(replica)
        for (path, accept) in [("/checkpoint", "text/plain"), (lotsDir, "application/json"), ("/tile/0/000", "*/*"), ("/blocks/1", "application/json")] {
            let a = try await Self.get("http://127.0.0.1:\(sourceNode.port)" + path, accept: accept)
            let b = try await Self.get("http://127.0.0.1:\(mirrorNode.port)" + path, accept: accept)
            // A bundle carries the code as asked for, with each node's own host: compared without it.
            func comparable(_ d: Data) throws -> [UInt8] {
                guard path == lotsDir, case .object(let m) = try JSONParser.parse([UInt8](d)) else { return [UInt8](d) }
                return JSONWriter.canonical(.object(m.filter { $0.key != "code" }))
            }
            #expect(try a.status == 200 && comparable(a.body) == comparable(b.body), "\(path): the mirror's node answers otherwise")
        }
        let refusedCapture = try await mirrorNode.capture(["{}"])
        #expect(refusedCapture.status == 405, "\(refusedCapture.text)")
        #expect(sourceNode.stop() == 0 && mirrorNode.stop() == 0)
        // The remembered checkpoint is extended by the grown log.
        let later = try h.run(["verify-bundle", cache + lotsDir, "--trust", trust, "--remember", h.path("seen.txt")])
        #expect(later.status == 0, "\(later.stderr)")
        #expect(later.stdout.contains("extends the remembered checkpoint of \(Int(size1)) leaves"), "\(later.stdout)")

        // A changed byte in the bucket (written past the cache, read under a fresh name so the
        // cache has not kept the good copy): verify-bundle and the mirror refuse.
        let path = String(lotsDir.dropFirst())
        var tampered = try #require(try await client.get(key: path)?.body)
        try Self.changeLastRecord(&tampered)
        try await client.put(key: "tampered/" + path, body: tampered, contentType: "application/json")
        let refused = try h.run(["verify-bundle", cache + "/tampered/" + path, "--trust", trust])
        #expect(refused.status != 0, "a tampered bundle in the bucket verified")

        // A forked log in the bucket: the remembered checkpoint catches it.
        let fork = try CLIHarness()
        try fork.initLedger()
        #expect(try fork.run(["simulate", "--events", "2500", "--seed", "22", "--append", "--quiet"]).status == 0)
        let forkPublish = try fork.run(["publish", "--to", "s3://\(store.bucket)/fork/", "--endpoint", store.endpoint], via: env)
        #expect(forkPublish.status == 0, "\(forkPublish.stderr)")
        let forkLot = try await Self.lotPath(client, prefix: "fork/")
        let forked = try h.run(["verify-bundle", cache + "/fork" + forkLot, "--trust", trust, "--remember", h.path("seen.txt")])
        #expect(forked.status == 2, "\(forked.stdout)\(forked.stderr)")
        #expect(forked.stderr.contains("log.consistency"), "\(forked.stderr)")
        let mirrorFork = try h.run(["mirror", "--from", cache + "/fork", "--ledger", replica.ledger, "--trust", trust])
        #expect(mirrorFork.status == 2, "\(mirrorFork.stderr)")
    }

    /// A digit of a bundle's last record (a quantity, a time, a temperature) changed.
    static func changeLastRecord(_ bundle: inout [UInt8]) throws {
        let text = String(decoding: bundle, as: UTF8.self)
        let at = try #require(text.range(of: "\"record\": \"", options: .backwards)?.upperBound)
        var offset = text.utf8.distance(from: text.startIndex, to: at) + 200
        while !(UInt8(ascii: "0") ... UInt8(ascii: "8")).contains(bundle[offset]) { offset += 1 }
        bundle[offset] += 1
    }

    /// The Digital Link path (`/01/…/10/…`) of a lot published under `prefix`, from the bucket's listing.
    static func lotPath(_ client: S3Client, prefix: String = "") async throws -> String {
        let listed = try await client.list(prefix: prefix + "01/")
        let key = try #require(listed.map(\.key).sorted().first, "no lot bundle published under \(prefix)")
        return "/" + key.dropFirst(prefix.count)
    }
}
