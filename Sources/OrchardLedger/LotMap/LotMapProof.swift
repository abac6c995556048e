// Presence and absence proofs of the lot map, their verification and their encodings
// (Docs/LOTMAP.md §6). The verifier needs no store: a bundle's reader checks proofs with it.
import OrchardCrypto
import OrchardModel

/// A proof that a key holds a given value in the lot map of a given root, or holds none.
///
/// The proof follows the key's path from the root: `siblings[i]` is the hash of the other child
/// of the node at depth `i`, so the path ends at depth `siblings.count`, in ``Terminal``: the
/// key's own leaf (presence), an empty subtree, or the leaf of the only other key beneath that
/// path (absence).
public struct LotMapProof: Hashable, Sendable {
    /// Where a key's path ends.
    public enum Terminal: Hashable, Sendable {
        /// An empty subtree: no key beneath this path.
        case empty
        /// A subtree holding one key (not necessarily the one asked about) and its value's hash.
        case leaf(key: SHA256Digest, valueHash: SHA256Digest)
    }

    /// The sibling hashes along the key's path, top-down: the sibling at depth 1 first.
    public let siblings: [SHA256Digest]
    /// The node where the path ends.
    public let terminal: Terminal

    /// A proof from its parts; see ``verify(key:value:root:)`` for what makes it valid.
    public init(siblings: [SHA256Digest], terminal: Terminal) {
        self.siblings = siblings
        self.terminal = terminal
    }

    /// Checks the proof against `root`: that `key` holds `value` (presence), or when `value` is
    /// nil, that the map holds no value for `key` (absence).
    ///
    /// 1. At most 256 siblings.
    /// 2. Presence: the terminal must be a leaf of `key` whose value hash is `value`'s.
    ///    Absence: the terminal must be empty, or a leaf of another key whose first
    ///    `siblings.count` bits are `key`'s (else the leaf would be proved somewhere it is not).
    /// 3. From the terminal's hash (zeros, or H(0x02 ‖ key ‖ valueHash)) up: for depth
    ///    d = siblings.count − 1 down to 0, the node is H(0x03 ‖ h ‖ siblings[d]) when bit d of
    ///    `key` is 0, else H(0x03 ‖ siblings[d] ‖ h); the result must equal `root`.
    /// - Throws: the ``LotMapProofError`` of the first check that fails.
    public func verify(key: SHA256Digest, value: LotMapValue?, root: SHA256Digest) throws(LotMapProofError) {
        guard siblings.count <= LotMapPath.maximumDepth else { throw .tooManySiblings(siblings.count) }
        switch (terminal, value) {
        case (.empty, _?):
            throw .keyAbsent
        case let (.leaf(found, _), _?) where found != key:
            throw .otherKey(found)
        case let (.leaf(_, valueHash), value?):
            guard try hashing({ () throws(CryptoError) in try value.valueHash() }) == valueHash else {
                throw .valueMismatch
            }
        case (.empty, nil):
            break
        case let (.leaf(found, _), nil):
            guard found != key else { throw .keyPresent }
            let shared = found.lotMapCommonPrefixLength(key)
            guard shared >= siblings.count else { throw .prefixMismatch(depth: siblings.count, sharedBits: shared) }
        }
        guard try hashing({ () throws(CryptoError) in try rootHash(key: key) }) == root else { throw .rootMismatch }
    }

    private func hashing(_ body: () throws(CryptoError) -> SHA256Digest) throws(LotMapProofError) -> SHA256Digest {
        do { return try body() } catch { throw .hashing(error) }
    }

    /// The root the proof implies when its path follows `key`'s bits (step 3 alone).
    /// - Throws: ``CryptoError`` from SHA-256.
    public func rootHash(key: SHA256Digest) throws(CryptoError) -> SHA256Digest {
        var h: SHA256Digest
        switch terminal {
        case .empty: h = LotMapHash.empty
        case let .leaf(found, valueHash): h = try LotMapHash.leaf(key: found, valueHash: valueHash)
        }
        for depth in siblings.indices.reversed() {
            h = key.lotMapBit(depth) ? try LotMapHash.node(siblings[depth], h) : try LotMapHash.node(h, siblings[depth])
        }
        return h
    }
}

extension LotMap {
    /// The proof for `key` in the map the reader describes: of presence when the map holds the
    /// key, of absence otherwise. Reads one node per level of the key's path.
    /// - Throws: ``LotMapError/missingNode(_:)`` or ``LotMapError/corruptNode(_:_:)`` when the
    ///   store contradicts itself, ``LotMapError/hashing(_:)``, or what `reader` throws.
    public static func proof(for key: SHA256Digest, reader: some LotMapNodeReader) throws -> LotMapProof {
        try proofAndValue(for: key, reader: reader).proof
    }

    /// The proof for `key` and the value the map holds for it (nil when absent), from one walk.
    /// - Throws: as ``proof(for:reader:)``.
    public static func proofAndValue(for key: SHA256Digest, reader: some LotMapNodeReader) throws
        -> (proof: LotMapProof, value: LotMapValue?) {
        let (siblings, leaf) = try walk(to: key, reader: reader)
        guard let leaf else { return (LotMapProof(siblings: siblings, terminal: .empty), nil) }
        do {
            return (LotMapProof(siblings: siblings, terminal: .leaf(key: leaf.key, valueHash: try leaf.value.valueHash())),
                    leaf.key == key ? leaf.value : nil)
        } catch {
            throw LotMapError.hashing(error)
        }
    }
}

/// Why a lot-map proof was refused.
public enum LotMapProofError: Error, Equatable, Sendable, CategorizedError {
    /// More than 256 siblings: no path is that deep.
    case tooManySiblings(Int)
    /// Presence was asked but the path ends in an empty subtree.
    case keyAbsent
    /// Presence was asked but the path ends at another key's leaf.
    case otherKey(SHA256Digest)
    /// The key's leaf commits to another value.
    case valueMismatch
    /// Absence was asked but the path ends at the key's own leaf.
    case keyPresent
    /// Absence was asked with another key's leaf that does not lie on the key's path: it
    /// shares `sharedBits` leading bits with the key, the path fixes `depth`.
    case prefixMismatch(depth: Int, sharedBits: Int)
    /// The recomputed root is not the claimed one.
    case rootMismatch
    /// The encoded proof could not be read.
    case malformed(String)
    /// SHA-256 failed (libcrypto).
    case hashing(CryptoError)

    public var category: FailureCategory {
        switch self {
        case .hashing: .ledgerError
        default: .verificationFailed
        }
    }

    /// A one-line explanation for users.
    public var description: String {
        switch self {
        case let .tooManySiblings(n): "lot-map proof has \(n) siblings, at most 256 are possible"
        case .keyAbsent: "lot-map proof shows the key absent, its presence was expected"
        case let .otherKey(k): "lot-map proof ends at the leaf of another key (\(k.hex))"
        case .valueMismatch: "lot-map proof commits the key to another value"
        case .keyPresent: "lot-map proof shows the key present, its absence was expected"
        case let .prefixMismatch(d, s):
            "lot-map absence proof ends at depth \(d) on a leaf sharing only \(s) leading bits with the key"
        case .rootMismatch: "lot-map proof does not lead to the claimed root"
        case let .malformed(why): "malformed lot-map proof: \(why)"
        case let .hashing(error): "lot-map proof: \(error)"
        }
    }
}
