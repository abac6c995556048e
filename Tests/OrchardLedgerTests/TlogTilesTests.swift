import Foundation
import Testing
import OrchardCrypto
import OrchardTesting
@testable import OrchardLedger

@Suite struct TlogTilesTests {
    // The examples of c2sp.org/tlog-tiles.
    @Test func pathsAndPartialTilesAsTheSpecSays() {
        #expect(TlogTiles.encode(1234067) == "x001/x234/067")
        #expect(TlogTiles.encode(0) == "000")
        #expect(TlogTiles.encode(1000) == "x001/000")
        // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0
        // tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one
        // partial level 2 tile of width 1."
        let tiles = TlogTiles.newTiles(from: 0, to: 70_000)
        let level0 = tiles.filter { $0.level == 0 }
        #expect(level0.filter { !$0.isPartial }.count == 273)
        #expect(level0.filter(\.isPartial).map(\.width) == [112])
        #expect(tiles.filter { $0.level == 1 }.map(\.width) == [256, 17])
        #expect(tiles.filter { $0.level == 2 }.map(\.width) == [1])
        #expect(tiles.count == 277)
        // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1."
        #expect(TlogTiles.newTiles(from: 0, to: 256).map(\.path) == ["tile/0/000", "tile/1/000.p/1"])
        #expect(TlogTiles.Tile(level: 0, index: 1234067, width: 12).path == "tile/0/x001/x234/067.p/12")
        #expect(TlogTiles.Tile(level: nil, index: 3, width: 256).path == "tile/entries/003")
    }

    @Test func tilePathsReadBackAndOtherSpellingsAreRefused() {
        for tile in TlogTiles.newTiles(from: 0, to: 70_000) + [TlogTiles.Tile(level: nil, index: 1234067, width: 12), TlogTiles.Tile(level: 3, index: 0, width: 256)] {
            #expect(TlogTiles.Tile(path: String(tile.path.dropFirst("tile/".count))) == tile, "\(tile.path)")
        }
        for bad in ["0/1", "0/0001", "0/x000/001", "0/001/002", "01/000", "64/000", "0/000.p/0", "0/000.p/256", "0/000.p/012", "entries", "0/", "x/000", "0/x001"] {
            #expect(TlogTiles.Tile(path: bad) == nil, "\(bad)")
        }
    }

    @Test func growingWritesOnlyTilesThatChanged() {
        #expect(TlogTiles.newTiles(from: 300, to: 300).isEmpty)
        // 300 → 520: tile 0/1 grows from 44 to 256 wide, tile 0/2 is new (8), level 1 grows 1 → 2.
        #expect(TlogTiles.newTiles(from: 300, to: 520).map(\.path) == ["tile/0/001", "tile/0/002.p/8", "tile/1/000.p/2"])
        // 512 → 513: only the new level-0 partial; level 1 stays 2 wide.
        #expect(TlogTiles.newTiles(from: 512, to: 513).map(\.path) == ["tile/0/002.p/1"])
    }

    @Test func entryBundlesRoundTripAndRefuseOversizedEntries() throws {
        let records: [[UInt8]] = [[1, 2, 3], [], Array(repeating: 7, count: 300)]
        let bundle = try TlogTiles.entryBundle(records)
        #expect(bundle.prefix(5) == [0, 3, 1, 2, 3])
        #expect(try TlogTiles.entries(ofBundle: bundle) == records)
        #expect(throws: TileError.entryTooLarge(offset: 0, bytes: 65_536)) { try TlogTiles.entryBundle([Array(repeating: 0, count: 65_536)]) }
        #expect(throws: TileError.self) { try TlogTiles.entries(ofBundle: [0, 5, 1]) }
    }

    /// Tiles from leaf hashes computed here, read back through `TlogTileReader`: every root and
    /// proof equals the in-memory tree's, for sizes around tile edges.
    @Test func tileReaderGivesTheTreesRootsAndProofs() throws {
        let leaves = try (0 ..< 70_000).map { try MerkleHash.leaf(Array("leaf \($0)".utf8)) }
        let tree = try InMemoryMerkleNodes(leafHashes: leaves)
        for size: UInt64 in [1, 255, 256, 257, 65_535, 65_536, 65_537, 70_000] {
            var store = [String: [SHA256Digest]]()
            for tile in TlogTiles.newTiles(from: 0, to: size) {
                let level = (tile.level ?? 0) * TlogTiles.height
                let first = tile.index * TlogTiles.width
                store[tile.path] = try (first ..< first + UInt64(tile.width)).map { try tree.perfectNode(level: level, index: $0) }
            }
            let reader = TlogTileReader(treeSize: size) { store[$0.path] }
            #expect(try MerkleProofs.rootHash(treeSize: size, reader: reader) == MerkleProofs.rootHash(treeSize: size, reader: tree))
            let leaf = size / 3
            #expect(try MerkleProofs.inclusionProof(leafIndex: leaf, treeSize: size, reader: reader)
                    == MerkleProofs.inclusionProof(leafIndex: leaf, treeSize: size, reader: tree))
            if size > 1 {
                #expect(try MerkleProofs.consistencyProof(from: size / 2, to: size, reader: reader)
                        == MerkleProofs.consistencyProof(from: size / 2, to: size, reader: tree))
            }
        }
        // A tile the reader lacks is named, to be fetched.
        let empty = TlogTileReader(treeSize: 600) { _ in nil }
        #expect(throws: TlogTileReader.MissingTile(tile: .init(level: 0, index: 2, width: 88))) {
            try empty.perfectNode(level: 0, index: 599)
        }
    }
}
