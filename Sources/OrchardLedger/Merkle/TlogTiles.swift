// The C2SP tlog-tiles layout (https://c2sp.org/tlog-tiles): the Merkle tree as tiles of 256
// hashes, `tile/<L>/<N>[.p/<W>]`, and the entries as bundles of 256 length-prefixed records,
// `tile/entries/<N>[.p/<W>]`. A tile at level L holds the hashes of perfect subtrees of 256^L
// leaves (tree level 8·L); level 0 holds leaf hashes. The rightmost tiles of a tree are partial.
import OrchardCrypto


public enum TlogTiles {
    /// Hashes in a full tile, entries in a full bundle.
    public static let width: UInt64 = 256
    /// Tree levels a tile level spans.
    public static let height = 8

    /// One tile (or entry bundle) of a tree of a given size: its level, index and width.
    public struct Tile: Hashable, Sendable, CustomStringConvertible {
        /// Tile level; nil for an entry bundle.
        public let level: Int?
        public let index: UInt64
        /// 1…256; below 256 the tile is partial.
        public let width: Int

        public init(level: Int?, index: UInt64, width: Int) {
            self.level = level
            self.index = index
            self.width = width
        }

        public var isPartial: Bool { width < Int(TlogTiles.width) }

        /// The path under the log's prefix, e.g. `tile/0/x001/x234/067.p/12`.
        public var path: String {
            let head = level.map { "tile/\($0)/" } ?? "tile/entries/"
            return head + TlogTiles.encode(index) + (isPartial ? ".p/\(width)" : "")
        }

        public var description: String { path }

        /// Reads a tile path as the spec writes it, without the `tile/` head: `0/x001/x234/067`,
        /// `entries/005.p/12` (nil for anything else: other spellings name no tile).
        public init?(path: String) {
            var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2 else { return nil }
            let level: Int?
            if parts[0] == "entries" { level = nil } else {
                guard let l = Int(parts[0]), l >= 0, l <= 63, String(l) == parts[0] else { return nil }
                level = l
            }
            parts.removeFirst()
            var width = Int(TlogTiles.width)
            if parts.count >= 2, parts[parts.count - 2].hasSuffix(".p") {
                guard let w = Int(parts[parts.count - 1]), w >= 1, w <= 255, String(w) == parts[parts.count - 1] else { return nil }
                width = w
                parts.removeLast()
                parts[parts.count - 1].removeLast(2)
            }
            var index: UInt64 = 0
            for (i, group) in parts.enumerated() {
                let digits = i < parts.count - 1 ? (group.hasPrefix("x") ? String(group.dropFirst()) : "") : group
                guard digits.utf8.count == 3, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                      index <= (UInt64.max - 999) / 1000 else { return nil }
                index = index * 1000 + UInt64(digits)!
            }
            // The encoding is unique: no leading all-zero groups.
            guard TlogTiles.encode(index).split(separator: "/").count == parts.count else { return nil }
            self.init(level: level, index: index, width: width)
        }

        /// The first leaf the tile covers.
        public var firstLeaf: UInt64 { index * TlogTiles.width << UInt64(TlogTiles.height * (level ?? 0)) }
    }

    /// `N` as zero-padded 3-digit path elements, all but the last prefixed `x`: 1234067 → `x001/x234/067`.
    public static func encode(_ n: UInt64) -> String {
        var groups = [String]()
        var rest = n
        repeat {
            let g = String(rest % 1000)
            groups.append(String(repeating: "0", count: 3 - g.count) + g)
            rest /= 1000
        } while rest > 0
        return groups.reversed().enumerated().map { i, g in i == groups.count - 1 ? g : "x" + g }.joined(separator: "/")
    }

    /// The number of complete hashes at tile level `level` in a tree of `treeSize` leaves.
    public static func hashes(level: Int, treeSize: UInt64) -> UInt64 {
        let shift = UInt64(height * level)
        return shift >= 64 ? 0 : treeSize >> shift
    }

    /// The tiles (levels 0, 1, …) a tree of `treeSize` leaves has that a tree of `previous` leaves
    /// lacked or held narrower: what a publisher writes to grow the log from `previous` to
    /// `treeSize`. Entry bundles are the level-0 tiles' twins (same index and width).
    public static func newTiles(from previous: UInt64, to treeSize: UInt64) -> [Tile] {
        var out = [Tile]()
        var level = 0
        while hashes(level: level, treeSize: treeSize) > 0 {
            let now = hashes(level: level, treeSize: treeSize)
            let before = hashes(level: level, treeSize: min(previous, treeSize))
            var index = before / width
            while index * width < now {
                let w = Int(min(width, now - index * width))
                let old = before > index * width ? Int(min(width, before - index * width)) : 0
                if w > old { out.append(Tile(level: level, index: index, width: w)) }
                index += 1
            }
            level += 1
        }
        return out
    }

    /// An entry bundle: each record as a big-endian uint16 length and its bytes.
    public static func entryBundle(_ records: some Sequence<[UInt8]>) throws(TileError) -> [UInt8] {
        var out = [UInt8]()
        for (i, r) in records.enumerated() {
            guard r.count <= Int(UInt16.max) else { throw .entryTooLarge(offset: i, bytes: r.count) }
            out.append(UInt8(r.count >> 8))
            out.append(UInt8(r.count & 0xff))
            out += r
        }
        return out
    }

    /// The records of an entry bundle.
    public static func entries(ofBundle bytes: [UInt8]) throws(TileError) -> [[UInt8]] {
        var out = [[UInt8]]()
        var i = 0
        while i < bytes.count {
            guard i + 2 <= bytes.count else { throw .malformedBundle(reason: "a length cut short at byte \(i)") }
            let n = Int(bytes[i]) << 8 | Int(bytes[i + 1])
            guard i + 2 + n <= bytes.count else { throw .malformedBundle(reason: "entry \(out.count) runs past the end") }
            out.append(Array(bytes[i + 2 ..< i + 2 + n]))
            i += 2 + n
        }
        return out
    }

    /// The hashes of a tile's bytes (32 bytes each).
    public static func hashes(ofTile bytes: [UInt8]) throws(TileError) -> [SHA256Digest] {
        guard bytes.count % 32 == 0, !bytes.isEmpty, bytes.count <= 32 * Int(width) else {
            throw .malformedTile(reason: "\(bytes.count) bytes is not 1–256 hashes of 32 bytes")
        }
        return stride(from: 0, to: bytes.count, by: 32).map { try! SHA256Digest(bytes: Array(bytes[$0 ..< $0 + 32])) }
    }
}

public enum TileError: Error, Equatable, Sendable, CustomStringConvertible {
    case entryTooLarge(offset: Int, bytes: Int)
    case malformedBundle(reason: String)
    case malformedTile(reason: String)

    public var description: String {
        switch self {
        case .entryTooLarge(let offset, let bytes): "entry \(offset) of a bundle is \(bytes) bytes; tlog-tiles entries are at most 65,535"
        case .malformedBundle(let reason): "entry bundle: \(reason)"
        case .malformedTile(let reason): "tile: \(reason)"
        }
    }
}

/// Perfect-subtree hashes read from C2SP tiles: a node at tree level `8·L + k` is hashed up from
/// 2^k hashes of the level-L tile that holds them. Tiles are asked of `tile`, which returns the
/// tile's hashes (at least as wide as asked) or nil when it does not have it; a missing tile is
/// thrown as ``MissingTile`` so an asynchronous caller can fetch it and try again.
public struct TlogTileReader: MerkleNodeReader {
    public struct MissingTile: Error, Sendable, Hashable {
        public let tile: TlogTiles.Tile
    }

    let treeSize: UInt64
    let tile: (TlogTiles.Tile) throws -> [SHA256Digest]?

    public init(treeSize: UInt64, tile: @escaping (TlogTiles.Tile) throws -> [SHA256Digest]?) {
        self.treeSize = treeSize
        self.tile = tile
    }

    public func perfectNode(level: Int, index: UInt64) throws -> SHA256Digest {
        let tileLevel = level / TlogTiles.height
        let span = level % TlogTiles.height
        let first = index << UInt64(span)
        let count = UInt64(1) << UInt64(span)
        let tileIndex = first / TlogTiles.width
        // The width this tree has at that tile: full, or the partial width of its right edge.
        let available = TlogTiles.hashes(level: tileLevel, treeSize: treeSize)
        guard first + count <= available else { throw MerkleError.missingNode(level: level, index: index) }
        let width = Int(min(TlogTiles.width, available - tileIndex * TlogTiles.width))
        let wanted = TlogTiles.Tile(level: tileLevel, index: tileIndex, width: width)
        guard let hashes = try tile(wanted) else { throw MissingTile(tile: wanted) }
        let offset = Int(first % TlogTiles.width)
        guard hashes.count >= offset + Int(count) else { throw MissingTile(tile: wanted) }
        var row = Array(hashes[offset ..< offset + Int(count)])
        while row.count > 1 {
            row = try stride(from: 0, to: row.count, by: 2).map { try MerkleHash.node(row[$0], row[$0 + 1]) }
        }
        return row[0]
    }
}
