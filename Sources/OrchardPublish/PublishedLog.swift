// Reading a published log back and believing none of it until it verifies: the checkpoint's
// signature under the trusted verifier key, every entry bundle against its level-0 tile, every
// full tile against the hash one level up, and the tiles against the checkpoint's root. Mirrors
// and clients (`orchard mirror`, `verify-bundle URL`) read through here.
import Foundation
import OrchardCrypto
import OrchardLedger

/// Where published objects are read from: a bucket's web address, a cache, a directory.
public protocol ObjectSource: Sendable {
    /// The object at `key`, or nil when there is none.
    func read(_ key: String) async throws -> [UInt8]?
}

extension DirectorySink: ObjectSource {}

/// Why a published log was not believed.
public struct LogFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The object at fault.
    public let key: String
    public let reason: String

    public var description: String { "\(key): \(reason)" }
}

/// A published log at one checkpoint, read through a source and checked piece by piece.
public struct PublishedLog: Sendable {
    public let source: any ObjectSource
    public let trust: VerifierKey
    public let checkpoint: Checkpoint

    /// Reads and checks the checkpoint: signed by `trust`, of its origin.
    public init(source: any ObjectSource, trust: VerifierKey) async throws {
        guard let bytes = try await source.read(PublishedLayout.checkpoint) else {
            throw LogFailure(key: PublishedLayout.checkpoint, reason: "missing: nothing is published there")
        }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(text: String(decoding: bytes, as: UTF8.self)) } catch {
            throw LogFailure(key: PublishedLayout.checkpoint, reason: "not a checkpoint: \(error)")
        }
        guard checkpoint.origin == trust.name else {
            throw LogFailure(key: PublishedLayout.checkpoint, reason: "origin \(checkpoint.origin), expected \(trust.name)")
        }
        guard try checkpoint.isSigned(by: trust.key) else {
            throw LogFailure(key: PublishedLayout.checkpoint, reason: "not signed by the trusted key \(trust.name)")
        }
        self.source = source
        self.trust = trust
        self.checkpoint = checkpoint
    }

    /// A tile's hashes, checked for width.
    public func tile(_ tile: TlogTiles.Tile) async throws -> [SHA256Digest] {
        guard let bytes = try await source.read(tile.path) else { throw LogFailure(key: tile.path, reason: "missing") }
        let hashes: [SHA256Digest]
        do { hashes = try TlogTiles.hashes(ofTile: bytes) } catch { throw LogFailure(key: tile.path, reason: "\(error)") }
        guard hashes.count == tile.width else { throw LogFailure(key: tile.path, reason: "\(hashes.count) hashes, expected \(tile.width)") }
        return hashes
    }

    /// Runs `body` with a reader over `known` tiles, fetching (and checking the width of) each tile it lacks.
    public func withTiles<T>(known: [TlogTiles.Tile: [SHA256Digest]] = [:], _ body: (TlogTileReader) throws -> T) async throws -> T {
        var fetched = known
        while true {
            let reader = TlogTileReader(treeSize: checkpoint.treeSize) { fetched[$0] }
            do { return try body(reader) } catch let missing as TlogTileReader.MissingTile {
                guard fetched[missing.tile] == nil else { throw missing }
                fetched[missing.tile] = try await tile(missing.tile)
            }
        }
    }

    /// The RFC 9162 consistency proof from an earlier tree size to this checkpoint's, from tiles.
    public func consistencyProof(from oldSize: UInt64) async throws -> [SHA256Digest] {
        try await withTiles { try MerkleProofs.consistencyProof(from: oldSize, to: checkpoint.treeSize, reader: $0) }
    }

    /// Checks the whole log from leaf `from` (a multiple of 256, or a size already verified) to
    /// the checkpoint: each entry bundle against its level-0 tile, each tile against the level
    /// above, and the root; hands the entries to `entries` in order, a bundle at a time. A
    /// mismatch is blamed on the object at fault: an entry bundle and its tile that disagree are
    /// told apart by which of the two gives the checkpoint's root.
    public func verify(from: UInt64 = 0, entries: (_ first: UInt64, _ records: [[UInt8]]) async throws -> Void = { _, _ in }) async throws {
        let size = checkpoint.treeSize
        let tiles = TlogTiles.newTiles(from: from, to: size)
        var byPlace = [TlogTiles.Tile: [SHA256Digest]]()
        var bundles = [TlogTiles.Tile: [[UInt8]]]()
        var fromEntries = [TlogTiles.Tile: [SHA256Digest]]()
        for tile in tiles {
            byPlace[tile] = try await self.tile(tile)
            guard tile.level == 0 else { continue }
            let bundleTile = TlogTiles.Tile(level: nil, index: tile.index, width: tile.width)
            guard let bytes = try await source.read(bundleTile.path) else { throw LogFailure(key: bundleTile.path, reason: "missing") }
            let records: [[UInt8]]
            do { records = try TlogTiles.entries(ofBundle: bytes) } catch { throw LogFailure(key: bundleTile.path, reason: "\(error)") }
            guard records.count == tile.width else {
                throw LogFailure(key: bundleTile.path, reason: "\(records.count) entries, expected \(tile.width)")
            }
            bundles[tile] = records
            fromEntries[tile] = try records.map { try MerkleHash.leaf($0) }
        }
        func root(_ tiles: [TlogTiles.Tile: [SHA256Digest]]) async throws -> SHA256Digest {
            try await withTiles(known: tiles) { try MerkleProofs.rootHash(treeSize: size, reader: $0) }
        }
        let rootAgrees = try await root(byPlace) == checkpoint.rootHash
        // Each full tile hashes to its place in the tile above. The root is computed from the
        // highest tiles, so when it agrees the tile below is at fault, otherwise the one above.
        for (tile, hashes) in byPlace where !tile.isPartial {
            let level = tile.level!
            guard let above = byPlace.first(where: { $0.key.level == level + 1 && $0.key.index == tile.index / TlogTiles.width }) else { continue }
            guard Int(tile.index % TlogTiles.width) < above.value.count else { continue }
            var row = hashes
            while row.count > 1 { row = try stride(from: 0, to: row.count, by: 2).map { try MerkleHash.node(row[$0], row[$0 + 1]) } }
            guard above.value[Int(tile.index % TlogTiles.width)] == row[0] else {
                if rootAgrees { throw LogFailure(key: tile.path, reason: "does not hash to its place in \(above.key.path)") }
                throw LogFailure(key: above.key.path, reason: "hash \(tile.index % TlogTiles.width) is not that of \(tile.path), and the checkpoint's root is not given")
            }
        }
        let disagreeing = fromEntries.filter { byPlace[$0.key] != $0.value }.keys.sorted { $0.index < $1.index }
        if !rootAgrees {
            // Do the entries give the root where the tiles do not? Then the tile is at fault.
            if let first = disagreeing.first, try await root(byPlace.merging(fromEntries) { $1 }) == checkpoint.rootHash {
                throw LogFailure(key: first.path, reason: "its hashes are not those of the entries in \(TlogTiles.Tile(level: nil, index: first.index, width: first.width).path), which give the checkpoint's root")
            }
            throw LogFailure(key: PublishedLayout.checkpoint, reason: "the tiles do not give the checkpoint's root \(checkpoint.rootHash.hex)")
        }
        if let first = disagreeing.first {
            let i = zip(fromEntries[first]!, byPlace[first]!).enumerated().first { $0.element.0 != $0.element.1 }!.offset
            throw LogFailure(key: TlogTiles.Tile(level: nil, index: first.index, width: first.width).path,
                             reason: "entry \(i) (leaf \(first.firstLeaf + UInt64(i))) does not hash to its level-0 tile's hash")
        }
        for tile in tiles where tile.level == 0 {
            let skip = from > tile.firstLeaf ? Int(from - tile.firstLeaf) : 0
            try await entries(tile.firstLeaf + UInt64(skip), Array(bundles[tile]!.dropFirst(skip)))
        }
    }
}
