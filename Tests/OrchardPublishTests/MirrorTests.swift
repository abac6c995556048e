import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardTrace
import OrchardStore
import OrchardTesting
@testable import OrchardPublish

/// A mirror follows a published log, re-verifying everything, and then answers as the source does.
@Suite struct MirrorTests {
    @Test func aMirrorReachesTheSourcesCheckpointAndAnswersTheSame() async throws {
        let sim = try SimulatedLedger(seed: 11, events: 1_200, farms: 5, batch: 250, holdBack: 300)
        let source = sim.ledger.store
        let bucket = try TemporaryDirectory()
        let sink = DirectorySink(directory: bucket.path)
        _ = try await Publisher(store: source, sink: sink).publish()
        let place = try TemporaryDirectory()
        let mirror = Mirror(source: sink, trust: source.verifierKey, directory: place.path + "/mirror")
        let first = try await mirror.follow()
        let sourceSize = try source.head().header.treeSize
        #expect(first.created && first.treeSize == sourceSize)

        func same() throws {
            let copy = try LedgerStore.open(directory: place.path + "/mirror")
            #expect(!copy.holdsSequencerKey)
            #expect(try copy.head().json == source.head().json)
            let size = try source.head().header.treeSize
            for leaf in stride(from: UInt64(0), to: size, by: 97) { #expect(try copy.recordBytes(leaf: leaf) == source.recordBytes(leaf: leaf)) }
            // The same bundle, byte for byte, from the mirror's own indexes and lot map.
            let lots = try TlogTestLots.lots(source)
            for lot in lots.prefix(4) {
                #expect(try copy.verifiedBundle(for: lot).text == source.verifiedBundle(for: lot).text)
            }
            #expect(try copy.verifyLotMap().ok)
        }
        try same()

        // The source grows and publishes again; the mirror follows.
        var start = 0
        while start < sim.heldBack.count {
            _ = try source.append(sim.heldBack[start ..< min(start + 150, sim.heldBack.count)].map { RecordInput.bytes($0) }, nowMillis: Fixtures.now)
            start += 150
        }
        _ = try await Publisher(store: source, sink: sink).publish()
        let second = try await mirror.follow()
        #expect(!second.created && second.previousTreeSize == first.treeSize && second.blocks == 2)
        try same()
        // Nothing new: nothing done.
        #expect(try await mirror.follow().records == 0)
    }

    @Test func aMirrorRefusesALogThatDoesNotVerifyAndStaysAsItWas() async throws {
        let sim = try SimulatedLedger(seed: 12, events: 600, farms: 4, batch: 200, holdBack: 200)
        let source = sim.ledger.store
        let bucket = try TemporaryDirectory()
        let sink = DirectorySink(directory: bucket.path)
        _ = try await Publisher(store: source, sink: sink).publish()
        let place = try TemporaryDirectory()
        let mirror = Mirror(source: sink, trust: source.verifierKey, directory: place.path + "/mirror")
        _ = try await mirror.follow()
        let held = try LedgerStore.open(directory: place.path + "/mirror").head().json

        _ = try source.append(sim.heldBack.map { RecordInput.bytes($0) }, nowMillis: Fixtures.now)
        _ = try await Publisher(store: source, sink: sink).publish()
        // A changed byte in a new entry bundle: refused by the tiles.
        let size = try source.head().header.treeSize
        let lastBundle = TlogTiles.Tile(level: nil, index: (size - 1) / 256, width: Int(size % 256 == 0 ? 256 : size % 256)).path
        let original = try #require(try await sink.read(lastBundle))
        var bytes = original
        bytes[bytes.count - 10] ^= 0x20
        try Data(bytes).write(to: bucket.url.appendingPathComponent(lastBundle))
        await #expect(throws: LogFailure.self) { try await mirror.follow() }
        #expect(try LedgerStore.open(directory: place.path + "/mirror").head().json == held)
        try Data(original).write(to: bucket.url.appendingPathComponent(lastBundle))

        // A block header that is not the sequencer's: refused when applied.
        let height = try source.head().header.height
        let blockKey = PublishedLayout.block(height)
        let block = try #require(try await sink.read(blockKey))
        let text = String(decoding: block, as: UTF8.self)
        let forged = text.replacingOccurrences(of: "\"recordCount\":", with: "\"recordCount\":0") // unreadable or wrong
        try Data(forged.utf8).write(to: bucket.url.appendingPathComponent(blockKey))
        await #expect(throws: (any Error).self) { try await mirror.follow() }
        #expect(try LedgerStore.open(directory: place.path + "/mirror").head().json == held)
        try Data(block).write(to: bucket.url.appendingPathComponent(blockKey))
        #expect(try await mirror.follow().treeSize == size)

        // Another ledger's log under the same key name: a forked history.
        let other = try SimulatedLedger(seed: 13, events: 900, farms: 4)
        let otherBucket = try TemporaryDirectory()
        _ = try await Publisher(store: other.ledger.store, sink: DirectorySink(directory: otherBucket.path)).publish()
        let confused = Mirror(source: DirectorySink(directory: otherBucket.path), trust: source.verifierKey, directory: place.path + "/mirror")
        do {
            _ = try await confused.follow()
            Issue.record("a mirror followed another history")
        } catch let refusal as MirrorRefusal {
            #expect(refusal.reason.contains("forked") || refusal.reason.contains("rolled back"), "\(refusal)")
        }
    }
}

enum TlogTestLots {
    /// Some lots of a ledger: the lots its event records name.
    static func lots(_ store: LedgerStore) throws -> [TraceKey] {
        var out = [TraceKey]()
        try store.scanRecords(1 ..< min(200, try store.head().header.treeSize)) { first, records in
            for (i, r) in records.enumerated() {
                guard let record = try? OrchardTrace.TraceRecord(leafIndex: first + UInt64(i), recordBytes: r) else { continue }
                for named in record.event.namedIdentifiers where named.key.kind == .lot && !out.contains(named.key) { out.append(named.key) }
            }
            return true
        }
        return out
    }
}
