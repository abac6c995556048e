// The lot map's algorithms over a node store: batch update (one pass over the sorted changes),
// lookup, and the root from scratch (Docs/LOTMAP.md §5). Pure: the caller persists the writes.
import OrchardCrypto

/// The lot map: a compressed binary sparse Merkle tree from 256-bit keys (hashed trace keys) to
/// ``LotMapValue``s, whose root a block header commits to (Docs/LOTMAP.md).
///
/// The functions here read nodes through a ``LotMapNodeReader`` and return what to write; they
/// keep no state. A block's changes go through ``update(_:reader:)`` in one call:
///
/// ```swift
/// var store = LotMapMemoryStore()
/// let (root, writes) = try LotMap.update([(key: k, value: v)], reader: store)
/// store.apply(writes)                      // an LMDB store puts them in its write transaction
/// let proof = try LotMap.proof(for: k, reader: store)
/// try proof.verify(key: k, value: v, root: root)
/// ```
public enum LotMap {
    /// A change: the key and its whole new value.
    public typealias Change = (key: SHA256Digest, value: LotMapValue)

    /// Sets the value of every key in `changes` (inserting keys not yet in the map) and returns
    /// the new root hash and the nodes to store.
    ///
    /// The changes are sorted and the tree is walked once: every node on the path of a changed
    /// key is read once and rehashed once per batch, whatever the number of keys beneath it.
    /// When a key appears more than once, its last value wins. Keys are never removed.
    ///
    /// `writes` maps each path whose node changed to its new node; a path that must hold no
    /// node any more maps to nil (inserts alone never produce one today, but a store must honour
    /// it). Nodes that did not change are not in `writes`. The writes may be applied in any
    /// order, all in one transaction; until they are, `reader` keeps describing the old root.
    ///
    /// Cost for `m` changed keys of a map of `n`: a path has about log₂ n + 2.3 nodes, and the
    /// top log₂ m levels are shared by the batch, so about m·(log₂ n − log₂ m + 2.5) nodes are
    /// read once and written once each (plus, per new key, the leaf it pushes down).
    /// - Throws: ``LotMapError/missingNode(_:)`` or ``LotMapError/corruptNode(_:_:)`` when the
    ///   store contradicts itself, ``LotMapError/hashing(_:)``, or what `reader` throws.
    public static func update(_ changes: [Change], reader: some LotMapNodeReader) throws
        -> (rootHash: SHA256Digest, writes: [LotMapPath: LotMapNode?]) {
        let sorted = lastValuePerKey(changes)
        guard !sorted.isEmpty else {
            return (try rootHash(reader: reader), [:])
        }
        var updater = Updater(reader: reader)
        let root = try updater.subtree(.root, existing: try reader.node(at: .root), sorted[...])
        return (root, Dictionary(updater.writes.lazy.map { ($0.path, $0.node) }, uniquingKeysWith: { $1 }))
    }

    /// A batch's writes in path order (``LotMapPath/<``, the order of the stored keys): each
    /// changed path once, with its new node, or nil where no node may stay.
    public typealias OrderedWrites = [(path: LotMapPath, node: LotMapNode?)]

    /// Events to fold into one key's value: leaf and leaf hash, in increasing leaf order.
    public typealias Appends = [(leaf: UInt64, leafHash: SHA256Digest)]

    /// Extends the value of every key in `appends` by its events (a key not yet in the map starts
    /// from ``LotMapValue/empty``) in the same single walk as ``update(_:reader:)``: each key's
    /// current value is read from the leaf the walk reaches anyway, not by a walk of its own.
    /// The result equals `update` with each key's extended value; the writes come in path order,
    /// ready to be put in a store keyed by ``LotMapPath/encoded`` (a block's thousands of nodes
    /// are collected in a list, not hashed into a dictionary).
    /// - Throws: as ``update(_:reader:)``, and ``LotMapError/leafOutOfOrder`` when an event's
    ///   leaf does not follow the key's last one.
    public static func append(_ appends: [SHA256Digest: Appends], reader: some LotMapNodeReader) throws
        -> (rootHash: SHA256Digest, writes: OrderedWrites) {
        guard !appends.isEmpty else { return (try rootHash(reader: reader), []) }
        // Placeholder values: the walk replaces each with the extended value where it finds the
        // key's leaf, or extends the empty value where it builds a new one.
        let sorted = appends.keys.sorted().map { (key: $0, value: LotMapValue.empty) }
        var updater = Updater(reader: reader, appends: appends)
        let root = try updater.subtree(.root, existing: try reader.node(at: .root), sorted[...])
        // The walk visits each path once (children before their parent), so no path repeats.
        updater.writes.sort { $0.path < $1.path }
        return (root, updater.writes)
    }

    /// The hash of the map the reader describes: its root node's hash, or ``LotMapHash/empty``.
    /// - Throws: ``LotMapError/hashing(_:)`` or what `reader` throws.
    public static func rootHash(reader: some LotMapNodeReader) throws -> SHA256Digest {
        guard let node = try reader.node(at: .root) else { return LotMapHash.empty }
        do { return try node.hash() } catch { throw LotMapError.hashing(error) }
    }

    /// The value stored for `key`, or nil when the map does not hold it. Reads at most one node
    /// per level of the key's path.
    /// - Throws: as ``proof(for:reader:)``.
    public static func value(of key: SHA256Digest, reader: some LotMapNodeReader) throws -> LotMapValue? {
        guard let leaf = try walk(to: key, reader: reader).leaf, leaf.key == key else { return nil }
        return leaf.value
    }

    /// The root of the map holding exactly `values`, computed from the sorted keys with no
    /// store: the reference an incrementally maintained root is audited against.
    /// - Throws: ``LotMapError/hashing(_:)``.
    public static func rootHash(of values: [SHA256Digest: LotMapValue]) throws(LotMapError) -> SHA256Digest {
        do {
            var leaves: [(key: SHA256Digest, valueHash: SHA256Digest)] = []
            leaves.reserveCapacity(values.count)
            for (key, value) in values { leaves.append((key, try value.valueHash())) }
            leaves.sort { $0.key < $1.key }
            return try scratchHash(leaves[...], depth: 0)
        } catch {
            throw .hashing(error)
        }
    }

    private static func scratchHash(_ leaves: ArraySlice<(key: SHA256Digest, valueHash: SHA256Digest)>,
                                    depth: Int) throws(CryptoError) -> SHA256Digest {
        guard leaves.count > 1 else {
            guard let only = leaves.first else { return LotMapHash.empty }
            return try LotMapHash.leaf(key: only.key, valueHash: only.valueHash)
        }
        // Distinct keys differ before bit 256, so two of them never reach it.
        let split = leaves.firstIndex { $0.key.lotMapBit(depth) } ?? leaves.endIndex
        return try LotMapHash.node(scratchHash(leaves[..<split], depth: depth + 1),
                                   scratchHash(leaves[split...], depth: depth + 1))
    }

    /// The changes sorted by key, each key once with its last value.
    static func lastValuePerKey(_ changes: [Change]) -> [Change] {
        let order = changes.indices.sorted { (changes[$0].key, $0) < (changes[$1].key, $1) }
        var out: [Change] = []
        out.reserveCapacity(changes.count)
        for i in order {
            if let last = out.last, last.key == changes[i].key { out[out.count - 1] = changes[i] } else { out.append(changes[i]) }
        }
        return out
    }

    /// Follows `key`'s path from the root to the node where it ends: a leaf (of `key` or of the
    /// only other key under that path) or nil (an empty subtree), with the sibling hashes
    /// passed on the way, top-down.
    static func walk(to key: SHA256Digest, reader: some LotMapNodeReader) throws
        -> (siblings: [SHA256Digest], leaf: (key: SHA256Digest, value: LotMapValue)?) {
        var siblings: [SHA256Digest] = []
        var path = LotMapPath.root
        var node = try reader.node(at: path)
        while case let .internal(left, right)? = node {
            guard path.depth < LotMapPath.maximumDepth else {
                throw LotMapError.corruptNode(path, "an internal node at depth 256")
            }
            let goRight = key.lotMapBit(path.depth)
            siblings.append(goRight ? left : right)
            let childHash = goRight ? right : left
            path = path.child(right: goRight)
            guard childHash != LotMapHash.empty else { return (siblings, nil) }
            guard let child = try reader.node(at: path) else { throw LotMapError.missingNode(path) }
            node = child
        }
        guard case let .leaf(found, value)? = node else { return (siblings, nil) }
        guard path.contains(found) else {
            throw LotMapError.corruptNode(path, "leaf key \(found.hex) is not beneath this path")
        }
        return (siblings, (found, value))
    }
}

/// One batch update's walk: the reader and the writes collected so far.
private struct Updater<Reader: LotMapNodeReader> {
    let reader: Reader
    /// Each path the walk changed, once, in the order the walk left it.
    var writes: LotMap.OrderedWrites = []
    /// In append mode, the events to fold into each changed key's value; the changes' values
    /// are placeholders until ``resolve(_:existing:)`` extends the value found in the tree.
    var appends: [SHA256Digest: LotMap.Appends]? = nil

    init(reader: Reader, appends: [SHA256Digest: LotMap.Appends]? = nil) {
        self.reader = reader
        self.appends = appends
    }

    /// The new value of a changed key: in append mode its existing value (or the empty one)
    /// extended by its events; otherwise the change's own value.
    func resolve(_ change: LotMap.Change, existing: LotMapValue?) throws -> LotMapValue {
        guard let appends, let events = appends[change.key] else { return change.value }
        var value = existing ?? .empty
        for e in events { try value.append(leaf: e.leaf, leafHash: e.leafHash) }
        return value
    }

    /// The new hash of the subtree at `path`, whose stored node is `existing`, after setting the
    /// non-empty, sorted `changes` (all beneath `path`).
    mutating func subtree(_ path: LotMapPath, existing: LotMapNode?,
                          _ changes: ArraySlice<LotMap.Change>) throws -> SHA256Digest {
        switch existing {
        case nil:
            return try build(path, changes, resolved: nil)
        case let .leaf(key, value)?:
            guard path.contains(key) else { throw LotMapError.corruptNode(path, "leaf key \(key.hex) is not beneath this path") }
            if changes.count == 1, let only = changes.first, only.key == key {
                let newValue = try resolve(only, existing: value)
                if newValue != value { writes.append((path, .some(.leaf(key: key, value: newValue)))) }
                return try hashing { () throws(CryptoError) in try LotMapHash.leaf(key: key, valueHash: newValue.valueHash()) }
            }
            // New keys arrive under a lone leaf: it moves down with them unless it is changed too.
            var merged = try changes.map { c in (key: c.key, value: c.key == key ? try resolve(c, existing: value) : c.value) }
            let at = merged.firstIndex { $0.key >= key } ?? merged.endIndex
            let changedToo = at < merged.endIndex && merged[at].key == key
            if !changedToo { merged.insert((key, value), at: at) }
            return try build(path, merged[...], resolved: key)
        case let .internal(left, right)?:
            guard path.depth < LotMapPath.maximumDepth else {
                throw LotMapError.corruptNode(path, "an internal node at depth 256")
            }
            let split = Self.firstRight(changes, depth: path.depth)
            let newLeft = split == changes.startIndex ? left
                : try child(path.child(right: false), stored: left, changes[..<split])
            let newRight = split == changes.endIndex ? right
                : try child(path.child(right: true), stored: right, changes[split...])
            if (newLeft, newRight) != (left, right) { writes.append((path, .some(.internal(left: newLeft, right: newRight)))) }
            return try hashing { () throws(CryptoError) in try LotMapHash.node(newLeft, newRight) }
        }
    }

    /// Descends into the child at `path` whose hash its parent keeps as `stored`.
    private mutating func child(_ path: LotMapPath, stored: SHA256Digest,
                                _ changes: ArraySlice<LotMap.Change>) throws -> SHA256Digest {
        guard stored != LotMapHash.empty else { return try build(path, changes, resolved: nil) }
        guard let node = try reader.node(at: path) else { throw LotMapError.missingNode(path) }
        return try subtree(path, existing: node, changes)
    }

    /// Writes the subtree at `path` holding exactly `keys` (non-empty, sorted, distinct) where
    /// nothing was stored beneath, and returns its hash.
    /// `resolved` is the one key whose value is already final (the stored leaf moved down, in
    /// append mode); every other key is new to the map.
    private mutating func build(_ path: LotMapPath, _ keys: ArraySlice<LotMap.Change>, resolved: SHA256Digest?) throws -> SHA256Digest {
        if keys.count == 1, let only = keys.first {
            let value = only.key == resolved ? only.value : try resolve(only, existing: nil)
            writes.append((path, .some(.leaf(key: only.key, value: value))))
            return try hashing { () throws(CryptoError) in try LotMapHash.leaf(key: only.key, valueHash: value.valueHash()) }
        }
        // Distinct keys differ before bit 256; reaching it means the keys were not distinct.
        guard path.depth < LotMapPath.maximumDepth else { throw LotMapError.corruptNode(path, "two leaves for one key") }
        let split = Self.firstRight(keys, depth: path.depth)
        let left = split == keys.startIndex ? LotMapHash.empty : try build(path.child(right: false), keys[..<split], resolved: resolved)
        let right = split == keys.endIndex ? LotMapHash.empty : try build(path.child(right: true), keys[split...], resolved: resolved)
        writes.append((path, .some(.internal(left: left, right: right))))
        return try hashing { () throws(CryptoError) in try LotMapHash.node(left, right) }
    }

    /// The index of the first change whose key has bit `depth` set (the keys share the bits
    /// before it and are sorted, so the 0s come first): a binary search.
    private static func firstRight(_ changes: ArraySlice<LotMap.Change>, depth: Int) -> Int {
        var lo = changes.startIndex
        var hi = changes.endIndex
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if changes[mid].key.lotMapBit(depth) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    private func hashing(_ body: () throws(CryptoError) -> SHA256Digest) throws(LotMapError) -> SHA256Digest {
        do { return try body() } catch { throw .hashing(error) }
    }
}
