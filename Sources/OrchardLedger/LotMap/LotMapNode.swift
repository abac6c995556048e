// The nodes a store keeps for the lot map, the one read the map's algorithms need from it, and
// an in-memory store for tests and tools (Docs/LOTMAP.md §4).
import OrchardCrypto

/// A stored node of the lot map, kept at its ``LotMapPath``.
///
/// A path holding no node is an empty subtree. A leaf sits at the shallowest path where its key
/// is the only one; an internal node holds two or more keys and keeps its children's hashes, so
/// a proof reads one node per level.
public enum LotMapNode: Hashable, Sendable {
    /// The only key beneath this path and its value.
    case leaf(key: SHA256Digest, value: LotMapValue)
    /// Two or more keys: the hashes of the two halves (``LotMapHash/empty`` for an empty half).
    case `internal`(left: SHA256Digest, right: SHA256Digest)

    /// The node's hash: the leaf hash H(0x02 ‖ key ‖ valueHash) or H(0x03 ‖ left ‖ right).
    public func hash() throws(CryptoError) -> SHA256Digest {
        switch self {
        case let .leaf(key, value): try LotMapHash.leaf(key: key, valueHash: value.valueHash())
        case let .internal(left, right): try LotMapHash.node(left, right)
        }
    }

    /// A storage form: `02 ‖ key ‖ value (48 bytes)` (81 bytes) or `03 ‖ left ‖ right` (65 bytes).
    public var encoded: [UInt8] {
        var out = [UInt8]()
        switch self {
        case let .leaf(key, value):
            out.reserveCapacity(81)
            out.append(LotMapHash.leafDomain)
            key.withUnsafeBytes { out += $0 }
            out += value.encoded
        case let .internal(left, right):
            out.reserveCapacity(65)
            out.append(LotMapHash.internalDomain)
            left.withUnsafeBytes { out += $0 }
            right.withUnsafeBytes { out += $0 }
        }
        return out
    }

    /// Decodes ``encoded``.
    /// - Throws: ``LotMapError/malformedNode(_:)`` for an unknown kind or a wrong length,
    ///   ``LotMapError/malformedValue(_:)`` for a leaf's invalid value.
    public init(encoded bytes: some Collection<UInt8>) throws(LotMapError) {
        let b = Array(bytes)[...]
        switch b.first {
        case LotMapHash.leafDomain:
            guard b.count == 81 else { throw .malformedNode("a leaf is 81 bytes, got \(b.count)") }
            self = .leaf(key: .lotMapRead(b, at: 1), value: try LotMapValue(encoded: b[33...]))
        case LotMapHash.internalDomain:
            guard b.count == 65 else { throw .malformedNode("an internal node is 65 bytes, got \(b.count)") }
            self = .internal(left: .lotMapRead(b, at: 1), right: .lotMapRead(b, at: 33))
        case let kind?:
            throw .malformedNode("unknown node kind \(kind)")
        case nil:
            throw .malformedNode("no bytes")
        }
    }
}

/// Read access to the stored nodes of one version of the lot map.
///
/// `nil` means no node is stored at that path. The map's algorithms read only the paths their
/// parents point to, so a store needs no other index.
public protocol LotMapNodeReader {
    /// The node stored at `path`, or nil.
    /// - Throws: whatever the storage reports (a failed read, an undecodable node).
    func node(at path: LotMapPath) throws -> LotMapNode?
}

/// A lot map's nodes in a dictionary: for tests, tools and audits of small maps.
public struct LotMapMemoryStore: LotMapNodeReader, Sendable {
    /// Every stored node by its path.
    public private(set) var nodes: [LotMapPath: LotMapNode] = [:]

    /// An empty map.
    public init() {}

    public func node(at path: LotMapPath) throws -> LotMapNode? { nodes[path] }

    /// Puts the nodes of ``LotMap/update(_:reader:)`` (removing the paths mapped to nil).
    public mutating func apply(_ writes: [LotMapPath: LotMapNode?]) {
        for (path, node) in writes { nodes[path] = node }
    }

    /// Puts the nodes of ``LotMap/append(_:reader:)``, in their order.
    public mutating func apply(_ writes: LotMap.OrderedWrites) {
        for (path, node) in writes { nodes[path] = node }
    }

    /// Applies `changes` and returns the new root hash.
    /// - Throws: as ``LotMap/update(_:reader:)``.
    @discardableResult
    public mutating func update(_ changes: [(key: SHA256Digest, value: LotMapValue)]) throws -> SHA256Digest {
        let result = try LotMap.update(changes, reader: self)
        apply(result.writes)
        return result.rootHash
    }
}
