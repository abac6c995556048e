// Where a node of the lot map sits: a depth and the key bits that lead there, with the compact
// byte form a store uses as its key (Docs/LOTMAP.md §4).
import OrchardCrypto

/// The address of a lot-map node: its depth (0 for the root, at most 256) and the first `depth`
/// bits of every key beneath it.
///
/// Encoded as one byte of depth followed by ⌈depth/8⌉ bytes of the bits, unused trailing bits
/// zero: the root is `00`, the right child of the root `01 80`, a node at depth 12 three bytes.
/// Depth 256 does not fit in the byte, which then holds 0; it is told from the root by its 32
/// following bytes (depth 0 has none), so every path has exactly one encoding.
public struct LotMapPath: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The number of key bits fixed by this path, 0…256.
    public let depth: Int
    /// The first ``depth`` bits of the keys beneath, every later bit zero.
    public let bits: SHA256Digest

    /// The deepest possible node: a leaf whose key shares 255 bits with another key.
    public static let maximumDepth = 256

    /// The root of the map.
    public static let root = LotMapPath(uncheckedKey: LotMapHash.empty, depth: 0)

    /// The path of depth `depth` towards `key`.
    /// - Throws: ``LotMapError/malformedPath(_:)`` unless 0 ≤ `depth` ≤ 256.
    public init(key: SHA256Digest, depth: Int) throws(LotMapError) {
        guard depth >= 0, depth <= Self.maximumDepth else { throw .malformedPath("depth \(depth) is not in 0…256") }
        self.init(uncheckedKey: key, depth: depth)
    }

    init(uncheckedKey key: SHA256Digest, depth: Int) {
        self.depth = depth
        bits = key.lotMapPrefix(depth)
    }

    /// The child on side `right` (false: the half whose next bit is 0). Only for depth < 256.
    func child(right: Bool) -> LotMapPath {
        guard right else { return LotMapPath(depth: depth + 1, bits: bits) }
        let i = depth
        let bit = UInt64(1) << UInt64(63 - (i & 63))
        let b = bits
        let set = SHA256Digest(word0: i >> 6 == 0 ? b.word0 | bit : b.word0, word1: i >> 6 == 1 ? b.word1 | bit : b.word1,
                               word2: i >> 6 == 2 ? b.word2 | bit : b.word2, word3: i >> 6 == 3 ? b.word3 | bit : b.word3)
        return LotMapPath(depth: depth + 1, bits: set)
    }

    private init(depth: Int, bits: SHA256Digest) {
        self.depth = depth
        self.bits = bits
    }

    /// Whether `key` lies beneath this path (its first ``depth`` bits are ``bits``).
    public func contains(_ key: SHA256Digest) -> Bool {
        key.lotMapPrefix(depth) == bits
    }

    /// The byte length of ``encoded`` for a depth: 1 + ⌈depth/8⌉.
    public static func encodedSize(depth: Int) -> Int { 1 + (depth + 7) / 8 }

    /// One byte `depth mod 256`, then the first ⌈depth/8⌉ bytes of ``bits``.
    public var encoded: [UInt8] {
        var out = [UInt8(truncatingIfNeeded: depth)]
        bits.withUnsafeBytes { out += $0.prefix((depth + 7) / 8) }
        return out
    }

    /// Decodes ``encoded``.
    /// - Throws: ``LotMapError/malformedPath(_:)`` when the length does not match the depth
    ///   byte, or a bit beyond the depth is set.
    public init(encoded bytes: some Collection<UInt8>) throws(LotMapError) {
        let b = Array(bytes)
        guard let first = b.first else { throw .malformedPath("no bytes") }
        // Only depth 256 wraps to a 0 byte; its 32 bit bytes tell it from the root.
        let depth = first == 0 && b.count == 33 ? 256 : Int(first)
        guard b.count == Self.encodedSize(depth: depth) else {
            throw .malformedPath("depth \(depth) needs \(Self.encodedSize(depth: depth)) bytes, got \(b.count)")
        }
        let full = Array(b.dropFirst()) + [UInt8](repeating: 0, count: 33 - b.count)
        let key = SHA256Digest.lotMapRead(full[...], at: 0)
        guard key.lotMapPrefix(depth) == key else { throw .malformedPath("a bit after depth \(depth) is set") }
        self.init(depth: depth, bits: key)
    }

    /// Deeper paths after shallower ones; at one depth, in key order (the order of ``encoded``
    /// for depths below 256).
    public static func < (a: Self, b: Self) -> Bool { (a.depth, a.bits) < (b.depth, b.bits) }

    /// `depth/bits` with the bits as 0s and 1s, e.g. `3/101`; the root is `0/`.
    public var description: String {
        "\(depth)/" + String((0..<depth).map { bits.lotMapBit($0) ? "1" : "0" })
    }
}
