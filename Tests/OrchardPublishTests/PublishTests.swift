import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTesting
import OrchardTrace
@testable import OrchardPublish

/// Publishing to a directory (the same code writes to a bucket): what is written, what a second
/// publish writes, and what a reader believes.
@Suite struct PublishTests {
    static func files(_ dir: TemporaryDirectory) throws -> [String: [UInt8]] {
        var out = [String: [UInt8]]()
        let root = dir.url.standardizedFileURL.path
        for case let url as URL in FileManager.default.enumerator(at: dir.url, includingPropertiesForKeys: nil)! {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue else { continue }
            out[String(url.standardizedFileURL.path.dropFirst(root.count + 1))] = [UInt8](try Data(contentsOf: url))
        }
        return out
    }

    @Test func publishesAVerifiableLogAndGrowsItWithOnlyNewObjects() async throws {
        let sim = try SimulatedLedger(seed: 5, events: 1_500, farms: 6, batch: 300, holdBack: 400)
        let store = sim.ledger.store
        let bucket = try TemporaryDirectory()
        let sink = DirectorySink(directory: bucket.path)
        let first = try await Publisher(store: store, sink: sink).publish()
        let size = try store.head().header.treeSize
        #expect(first.previousTreeSize == 0 && first.treeSize == size)
        #expect(first.entryBundles == Int((size + 255) / 256))
        #expect(first.lotBundles > 10)
        #expect(first.alreadyThere == 0)

        // A reader trusting only the verifier key believes it, entries and all.
        let log = try await PublishedLog(source: sink, trust: store.verifierKey)
        #expect(log.checkpoint.treeSize == size)
        var leaves = [UInt64]()
        try await log.verify { first, records in
            for (i, r) in records.enumerated() {
                let stored = try store.recordBytes(leaf: first + UInt64(i))
                #expect(r == stored)
                leaves.append(first + UInt64(i))
            }
        }
        #expect(leaves == Array(0 ..< size))

        // Every lot's bundle at its Digital Link path verifies against the verifier key.
        let before = try Self.files(bucket)
        let lotPaths = before.keys.filter { $0.hasPrefix("01/") }
        #expect(lotPaths.count == first.lotBundles)
        for path in lotPaths.prefix(5) {
            let bundle = try TraceBundle(bytes: before[path]!)
            _ = try BundleVerifier.verify(bundle, trust: .verifierKey(store.verifierKey))
            #expect(before["bundle/\(size)/" + path] == before[path])
        }

        // The same publish again writes nothing new and changes nothing immutable.
        let again = try await Publisher(store: store, sink: sink).publish()
        #expect(again.previousTreeSize == size && again.tiles == 0 && again.lotBundles == 0)
        #expect(try Self.files(bucket) == before)

        // Growth: only new tiles, entries, blocks and the bundles of touched lots.
        var start = 0
        while start < sim.heldBack.count {
            _ = try store.append(sim.heldBack[start ..< min(start + 200, sim.heldBack.count)].map { RecordInput.bytes($0) }, nowMillis: Fixtures.now)
            start += 200
        }
        let grown = try store.head().header.treeSize
        let second = try await Publisher(store: store, sink: sink).publish()
        #expect(second.previousTreeSize == size && second.treeSize == grown)
        #expect(second.tiles == TlogTiles.newTiles(from: size, to: grown).count)
        #expect(second.entryBundles == TlogTiles.newTiles(from: size, to: grown).filter { $0.level == 0 }.count)
        #expect(second.lotBundles > 0 && second.lotBundles < lotPaths.count + 400)
        let after = try Self.files(bucket)
        for (key, bytes) in before where key.hasPrefix("tile/") || key.hasPrefix("bundle/") || key.hasPrefix("block/") {
            #expect(after[key] == bytes, "immutable \(key) changed")
        }
        let newLog = try await PublishedLog(source: sink, trust: store.verifierKey)
        #expect(newLog.checkpoint.treeSize == grown)
        try await newLog.verify()
        // A client remembering the old checkpoint gets a consistency proof from the tiles.
        let proof = try await newLog.consistencyProof(from: size)
        #expect(proof == (try store.consistencyProof(from: size, to: grown).proof))
        try MerkleVerifier.verifyConsistency(oldSize: size, newSize: grown, oldRoot: log.checkpoint.rootHash,
                                             newRoot: newLog.checkpoint.rootHash, proof: proof)
    }

    @Test func aChangedByteInAnyObjectIsCaughtByTheReader() async throws {
        let sim = try SimulatedLedger(seed: 6, events: 700, farms: 4)
        let store = sim.ledger.store
        let bucket = try TemporaryDirectory()
        let sink = DirectorySink(directory: bucket.path)
        _ = try await Publisher(store: store, sink: sink).publish()
        let clean = try Self.files(bucket)
        for key in ["tile/entries/001", "tile/0/000", TlogTiles.Tile(level: 0, index: try store.head().header.treeSize / 256, width: Int(try store.head().header.treeSize % 256)).path, "checkpoint"] {
            let original = try #require(clean[key], "\(key) missing; have \(clean.keys.filter { $0.hasPrefix("tile/0") })")
            var bytes = original
            bytes[bytes.count / 2] ^= 0x01
            try Data(bytes).write(to: bucket.url.appendingPathComponent(key))
            do {
                let log = try await PublishedLog(source: sink, trust: store.verifierKey)
                try await log.verify()
                Issue.record("a flipped byte in \(key) was not caught")
            } catch let failure as LogFailure {
                #expect(failure.key == key || (key == "tile/0/000" && failure.key == "tile/entries/000"), "\(failure)")
            }
            try Data(original).write(to: bucket.url.appendingPathComponent(key))
        }
    }

    @Test func anImmutableObjectThatDiffersIsAnAlarmNotAnOverwrite() async throws {
        let sim = try SimulatedLedger(seed: 7, events: 300, farms: 3)
        let bucket = try TemporaryDirectory()
        let sink = DirectorySink(directory: bucket.path)
        let size = try sim.ledger.store.head().header.treeSize
        let last = TlogTiles.Tile(level: nil, index: size / 256, width: Int(size % 256)).path
        try await sink.replace(last, body: [1, 2, 3], metadata: .immutable("x"))
        await #expect(throws: PublishError.self) { try await Publisher(store: sim.ledger.store, sink: sink).publish() }
        #expect(try await sink.read(PublishedLayout.checkpoint) == nil)
        #expect(try await sink.read(last) == [1, 2, 3])
    }

    @Test func anotherLedgersBucketIsRefused() async throws {
        let a = try SimulatedLedger(seed: 8, events: 200, farms: 2)
        let b = try Fixtures.makeLedger()
        let bucket = try TemporaryDirectory()
        let sink = DirectorySink(directory: bucket.path)
        _ = try await Publisher(store: a.ledger.store, sink: sink).publish()
        do {
            _ = try await Publisher(store: b.store, sink: sink).publish()
            Issue.record("publishing another ledger over a bucket was accepted")
        } catch let error as PublishError {
            guard case .foreignLog = error else { Issue.record("\(error)"); return }
        }
    }
}
