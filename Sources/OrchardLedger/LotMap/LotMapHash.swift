// The hash functions of the lot map (Docs/LOTMAP.md §2) and its typed errors. Domain bytes
// 0x02–0x05 never clash with the log's 0x00 (leaf) and 0x01 (node) of FORMAT.md §3.
import OrchardCrypto
import OrchardModel

/// The hash functions of the lot map, an authenticated map from trace keys to ``LotMapValue``s
/// (Docs/LOTMAP.md §2). Every hash is SHA-256 over a domain byte and fixed-width fields.
public enum LotMapHash {
    /// Domain byte of a map leaf: H(0x02 ‖ key ‖ valueHash).
    public static let leafDomain: UInt8 = 0x02
    /// Domain byte of an internal node: H(0x03 ‖ left ‖ right).
    public static let internalDomain: UInt8 = 0x03
    /// Domain byte of a value: H(0x04 ‖ count ‖ lastLeaf ‖ chain).
    public static let valueDomain: UInt8 = 0x04
    /// Domain byte of one step of a value's event chain: H(0x05 ‖ chain ‖ leaf ‖ leafHash).
    public static let chainDomain: UInt8 = 0x05

    /// The hash of an empty subtree, and the root of the empty map: 32 zero bytes (no hash has
    /// a known preimage for it, so it cannot be confused with a leaf or a node).
    public static let empty = SHA256Digest(word0: 0, word1: 0, word2: 0, word3: 0)

    /// The map key of a trace key: SHA-256 of the UTF-8 bytes of its canonical form.
    public static func key(_ traceKey: TraceKey) throws(CryptoError) -> SHA256Digest {
        try SHA256.hash(traceKey.rawValue)
    }

    /// The hash of the subtree that holds only `key`: H(0x02 ‖ key ‖ valueHash).
    public static func leaf(key: SHA256Digest, valueHash: SHA256Digest) throws(CryptoError) -> SHA256Digest {
        try hash(leafDomain, key, valueHash)
    }

    /// The hash of a subtree of two or more keys: H(0x03 ‖ left ‖ right), where an empty half
    /// is ``empty``.
    public static func node(_ left: SHA256Digest, _ right: SHA256Digest) throws(CryptoError) -> SHA256Digest {
        try hash(internalDomain, left, right)
    }

    /// H(domain ‖ a ‖ b) for two 32-byte fields, fed to the digest without assembling a buffer.
    static func hash(_ domain: UInt8, _ a: SHA256Digest, _ b: SHA256Digest) throws(CryptoError) -> SHA256Digest {
        try SHA256.hash { update in
            withUnsafeBytes(of: domain) { update($0) }
            a.withUnsafeBytes { update($0) }
            b.withUnsafeBytes { update($0) }
        }
    }
}

extension SHA256Digest {
    /// Bit `index` (0…255) of the digest, the most significant bit of byte 0 first: the
    /// direction (false: left, true: right) taken at depth `index` on the key's path.
    @inline(__always)
    func lotMapBit(_ index: Int) -> Bool {
        let word: UInt64
        switch index >> 6 {
        case 0: word = word0
        case 1: word = word1
        case 2: word = word2
        default: word = word3
        }
        return (word >> UInt64(63 - (index & 63))) & 1 == 1
    }

    /// The digest with every bit from `depth` (0…256) on cleared: the key's first `depth` bits.
    func lotMapPrefix(_ depth: Int) -> SHA256Digest {
        func masked(_ word: UInt64, _ wordIndex: Int) -> UInt64 {
            let keep = depth - wordIndex * 64
            if keep <= 0 { return 0 }
            if keep >= 64 { return word }
            return word & ~(UInt64.max >> UInt64(keep))
        }
        return SHA256Digest(word0: masked(word0, 0), word1: masked(word1, 1),
                            word2: masked(word2, 2), word3: masked(word3, 3))
    }

    /// The number of leading bits `self` and `other` share (256 when equal).
    func lotMapCommonPrefixLength(_ other: SHA256Digest) -> Int {
        let pairs = [(word0, other.word0), (word1, other.word1), (word2, other.word2), (word3, other.word3)]
        for (i, (a, b)) in pairs.enumerated() where a != b {
            return i * 64 + (a ^ b).leadingZeroBitCount
        }
        return 256
    }

    /// Reads 32 bytes at `offset` of `bytes` (the caller checked the length).
    static func lotMapRead(_ bytes: ArraySlice<UInt8>, at offset: Int) -> SHA256Digest {
        func word(_ i: Int) -> UInt64 {
            var w: UInt64 = 0
            for b in bytes[(offset + i * 8)..<(offset + i * 8 + 8)] { w = w << 8 | UInt64(b) }
            return w
        }
        return SHA256Digest(word0: word(0), word1: word(1), word2: word(2), word3: word(3))
    }
}

/// Why a lot-map operation (appending to a value, decoding a value, path or node, reading the
/// stored tree) failed.
public enum LotMapError: Error, Equatable, Sendable, CategorizedError {
    /// An event was appended at a leaf not after the value's last leaf.
    case leafOutOfOrder(leaf: UInt64, lastLeaf: UInt64)
    /// The value already counts 2^64 − 1 events.
    case countOverflow
    /// A value's bytes or fields are not a valid value.
    case malformedValue(String)
    /// A path's depth or bytes are not a valid path.
    case malformedPath(String)
    /// A stored node's bytes are not a valid node.
    case malformedNode(String)
    /// The store lacks a node that its parent says is there.
    case missingNode(LotMapPath)
    /// A stored node contradicts its place in the tree.
    case corruptNode(LotMapPath, String)
    /// SHA-256 failed (libcrypto).
    case hashing(CryptoError)

    public var category: FailureCategory {
        switch self {
        case .leafOutOfOrder, .countOverflow, .malformedValue, .malformedPath, .malformedNode: .rejected
        case .missingNode, .corruptNode, .hashing: .ledgerError
        }
    }

    /// A one-line explanation for users.
    public var description: String {
        switch self {
        case let .leafOutOfOrder(leaf, last): "lot map: event at leaf \(leaf) is not after the last leaf \(last)"
        case .countOverflow: "lot map: a value cannot count more than 2^64 − 1 events"
        case let .malformedValue(why): "lot map: malformed value: \(why)"
        case let .malformedPath(why): "lot map: malformed path: \(why)"
        case let .malformedNode(why): "lot map: malformed node: \(why)"
        case let .missingNode(path): "lot map: no stored node at \(path)"
        case let .corruptNode(path, why): "lot map: node at \(path) is corrupt: \(why)"
        case let .hashing(error): "lot map: \(error)"
        }
    }
}
