// The S3 client against a real SeaweedFS, and nginx's cache rules in front of it, through
// Tools/objectstore (one store for the suite).
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OrchardObjectStore
import OrchardTesting
import Testing

@Suite("S3 client and cache against SeaweedFS and nginx", .objectStore)
struct S3ClientTests {
    /// Every byte value, then a pseudo-random tail: a body no text handling survives.
    static func binaryBody(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<256).map { UInt8($0) } + (0..<max(0, count - 256)).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    @Test("put, get, head and delete round-trip binary bodies and their metadata")
    func roundTrip() async throws {
        let client = try SharedObjectStore.client()
        for (key, size) in [("round/empty", 0), ("round/small.bin", 300), ("round/a key with spaces+plus/é€.bin", 4_096),
                            ("round/large.bin", 3 << 20)] {
            let body = size == 0 ? [] : Self.binaryBody(size, seed: UInt64(size))
            let put = try await client.put(key: key, body: body, contentType: "application/octet-stream",
                                           cacheControl: "public, max-age=31536000, immutable")
            guard case .created = put else { Issue.record("\(key): \(put)"); continue }
            let object = try #require(try await client.get(key: key), "\(key)")
            #expect(object.body == body, "\(key)")
            #expect(object.metadata.contentType == "application/octet-stream")
            #expect(object.metadata.cacheControl == "public, max-age=31536000, immutable")
            #expect(object.metadata.etag != nil)
            let head = try #require(try await client.head(key: key))
            #expect(head.contentLength == size)
            #expect(head.etag == object.metadata.etag)
            try await client.delete(key: key)
            #expect(try await client.get(key: key) == nil)
            #expect(try await client.head(key: key) == nil)
        }
        // Deleting what is not there is not an error (S3 answers 204 either way).
        try await client.delete(key: "round/never-written")
    }

    @Test("a listing of 1,100 keys comes in pages and is whole and in order")
    func listsInPages() async throws {
        let client = try SharedObjectStore.client()
        let keys = (0..<1_100).map { String(format: "list/entries/%05d", $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: keys.count, by: 110) {
                group.addTask {
                    for key in keys[chunk..<min(chunk + 110, keys.count)] {
                        try await client.put(key: key, body: Array(key.utf8))
                    }
                }
            }
            try await group.waitForAll()
        }
        try await client.put(key: "list/other", body: [1])

        // S3's default page is 1,000 keys: two pages.
        let first = try await client.listPage(prefix: "list/entries/")
        #expect(first.objects.count == 1_000)
        #expect(first.nextContinuationToken != nil)
        let all = try await client.list(prefix: "list/entries/")
        #expect(all.map(\.key) == keys)
        #expect(all.allSatisfy { $0.size == 18 })
        // Smaller pages: the same objects.
        let paged = try await client.list(prefix: "list/entries/", pageSize: 250)
        #expect(paged == all)
        #expect(try await client.list(prefix: "list/").count == 1_101)
        #expect(try await client.list(prefix: "list/none/").isEmpty)
    }

    @Test("a create-only put of a taken key answers 412 and leaves the object as it was")
    func createOnly() async throws {
        let client = try SharedObjectStore.client()
        let first = try await client.put(key: "create-only/tile", body: [1, 2, 3], ifNoneMatch: true)
        guard case .created = first else { Issue.record("first put: \(first)"); return }
        let second = try await client.put(key: "create-only/tile", body: [9, 9], ifNoneMatch: true)
        #expect(second == .preconditionFailed)
        #expect(try await client.get(key: "create-only/tile")?.body == [1, 2, 3])
        // Without the condition the put overwrites.
        try await client.put(key: "create-only/tile", body: [4])
        #expect(try await client.get(key: "create-only/tile")?.body == [4])
    }

    @Test("of concurrent create-only puts of one key exactly one is created")
    func createOnlyRace() async throws {
        let client = try SharedObjectStore.client()
        for round in 0..<3 {
            let key = "race/\(round)"
            let results = try await withThrowingTaskGroup(of: (Int, S3PutResult).self) { group in
                for writer in 0..<8 {
                    group.addTask { (writer, try await client.put(key: key, body: [UInt8(writer)], ifNoneMatch: true)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = results.filter { if case .created = $0.1 { true } else { false } }
            #expect(winners.count == 1, "round \(round): \(results)")
            #expect(results.filter { $0.1 == .preconditionFailed }.count == 7)
            if let winner = winners.first {
                #expect(try await client.get(key: key)?.body == [UInt8(winner.0)])
            }
        }
    }

    @Test("a wrong secret is refused with S3's SignatureDoesNotMatch")
    func wrongSecret() async throws {
        let client = try SharedObjectStore.client(secret: "not-the-secret")
        await #expect {
            try await client.put(key: "refused", body: [1])
        } throws: { error in
            (error as? S3ClientError)?.code == .signatureDoesNotMatch && (error as? S3ClientError)?.status == 403
        }
        await #expect {
            _ = try await client.get(key: "refused")
        } throws: { error in
            (error as? S3ClientError)?.code == .signatureDoesNotMatch
        }
    }

    @Test("creating the bucket again is fine; the environment's credentials are used")
    func createBucketAndEnvironment() async throws {
        let store = try SharedObjectStore.get()
        let client = try S3Client.fromEnvironment(endpoint: store.endpoint, bucket: store.bucket, environment: store.environment)
        try await client.createBucket()
        try await client.put(key: "env/probe", body: [7])
        #expect(try await client.get(key: "env/probe")?.body == [7])
        #expect(throws: S3ClientError.self) {
            try S3Client.fromEnvironment(endpoint: store.endpoint, bucket: store.bucket, environment: [:])
        }
    }

    // MARK: The cache

    /// A GET (or HEAD) through nginx: status, headers, body.
    static func fetch(_ path: String, accept: String? = nil, method: HTTPMethod = .GET) async throws
        -> (status: Int, headers: HTTPHeaders, body: [UInt8])
    {
        var request = HTTPClientRequest(url: try SharedObjectStore.get().cacheURL + path)
        request.method = method
        if let accept { request.headers.add(name: "Accept", value: accept) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), response.headers, body.readBytes(length: body.readableBytes) ?? [])
    }

    @Test("through the cache an immutable object is a MISS, then a HIT with the same bytes")
    func cacheHits() async throws {
        let client = try SharedObjectStore.client()
        let body = Self.binaryBody(10_000, seed: 7)
        try await client.put(key: "tile/0/x001/002", body: body, contentType: "application/octet-stream",
                             cacheControl: "public, max-age=31536000, immutable")
        let first = try await Self.fetch("/tile/0/x001/002")
        #expect(first.status == 200)
        #expect(first.headers.first(name: "X-Cache-Status") == "MISS")
        #expect(first.body == body)
        let second = try await Self.fetch("/tile/0/x001/002")
        #expect(second.headers.first(name: "X-Cache-Status") == "HIT")
        #expect(second.body == body)
        #expect(second.headers.first(name: "Cache-Control") == "public, max-age=31536000, immutable")
        // An object without Cache-Control is not kept.
        try await client.put(key: "uncached", body: [1])
        _ = try await Self.fetch("/uncached")
        #expect(try await Self.fetch("/uncached").headers.first(name: "X-Cache-Status") == "MISS")
        #expect(try await Self.fetch("/not-there").status == 404)
    }

    @Test("the cache takes no writes")
    func cacheIsReadOnly() async throws {
        var request = HTTPClientRequest(url: try SharedObjectStore.get().cacheURL + "/written-through-cache")
        request.method = .PUT
        request.body = .bytes(ByteBuffer(bytes: [1, 2, 3]))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        #expect(response.status.code == 405)
        #expect(try await SharedObjectStore.client().get(key: "written-through-cache") == nil)
    }

    // Two lots: the cases run side by side on one bucket, and SeaweedFS's filer cannot keep an
    // object at `…/10/260603-1A` while another is written below it (`…/10/260603-1A/21/0042`
    // makes that path a directory): with one lot, the first case's bundle was once gone when it
    // read it back (NoSuchKey). The ledger publishes no key below another.
    @Test("a Digital Link path gives the lot page to a browser and the lot's bundle to a program", arguments: [
        "/01/06971230000013/10/260603-1A", "/01/06971230000013/10/260603-1B/21/0042",
    ])
    func digitalLink(_ path: String) async throws {
        let client = try SharedObjectStore.client()
        let page = Array("<!doctype html><title>lot</title>".utf8)
        let bundle = Array("{\"bundle\":\"\(path)\"}".utf8)
        try await client.put(key: "page/lot.html", body: page, contentType: "text/html; charset=utf-8",
                             cacheControl: "public, max-age=300")
        // An hour, not a minute: under a loaded test run the two rounds were once more than 60 s
        // apart, and the second answer came back EXPIRED rather than HIT.
        try await client.put(key: String(path.dropFirst()), body: bundle, contentType: "application/json",
                             cacheControl: "public, max-age=3600")
        for round in 0..<2 {  // the second round from the cache: each answer cached apart
            let html = try await Self.fetch(path, accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
            #expect(html.status == 200)
            #expect(html.body == page, "round \(round)")
            #expect(html.headers.first(name: "Content-Type") == "text/html; charset=utf-8")
            let json = try await Self.fetch(path, accept: "application/json")
            #expect(json.body == bundle, "round \(round)")
            #expect(json.headers.first(name: "Content-Type") == "application/json")
            #expect(json.headers[canonicalForm: "Vary"].contains { $0.lowercased() == "accept" })
            if round == 1 { #expect(json.headers.first(name: "X-Cache-Status") == "HIT") }
            // No Accept header at all: the bundle.
            #expect(try await Self.fetch(path).body == bundle)
        }
    }
}
