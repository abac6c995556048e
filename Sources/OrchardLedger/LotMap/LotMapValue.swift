// What the lot map holds for one trace key: a commitment to every event naming it, in leaf
// order (Docs/LOTMAP.md §3). A verifier holding a lot's events recomputes it to show none is missing.
import OrchardCrypto

/// The events that name one trace key: how many, the leaf of the last one, and a hash chain
/// over all of them in leaf order.
///
/// Built only by appending, so a value that exists is either ``empty`` or the result of
/// appending events at strictly increasing leaves:
///
/// ```swift
/// var value = LotMapValue.empty
/// try value.append(leaf: 12, leafHash: h12)   // count 1, lastLeaf 12
/// try value.append(leaf: 40, leafHash: h40)   // count 2, lastLeaf 40
/// try value.append(leaf: 40, leafHash: h40)   // throws LotMapError.leafOutOfOrder
/// ```
public struct LotMapValue: Hashable, Sendable, CustomStringConvertible {
    /// The number of events appended.
    public let count: UInt64
    /// The leaf index of the last event appended; 0 when there is none.
    public let lastLeaf: UInt64
    /// H(0x05 ‖ chain ‖ leaf ‖ leafHash) folded over the events in order, from 32 zero bytes.
    public let chain: SHA256Digest

    /// The size of ``encoded``: count, lastLeaf (8 bytes each, big-endian) and chain.
    public static let encodedSize = 48

    /// The value of a key no event has named: count 0, lastLeaf 0, a chain of 32 zero bytes.
    public static let empty = LotMapValue(unchecked: 0, 0, LotMapHash.empty)

    private init(unchecked count: UInt64, _ lastLeaf: UInt64, _ chain: SHA256Digest) {
        self.count = count
        self.lastLeaf = lastLeaf
        self.chain = chain
    }

    /// A value from its fields, as read back from elsewhere.
    /// - Throws: ``LotMapError/malformedValue(_:)`` when `count` is 0 but `lastLeaf` or `chain`
    ///   is not zero (the only state no sequence of appends can reach without breaking SHA-256).
    public init(count: UInt64, lastLeaf: UInt64, chain: SHA256Digest) throws(LotMapError) {
        guard count > 0 || (lastLeaf == 0 && chain == LotMapHash.empty) else {
            throw .malformedValue("a value of no events must have lastLeaf 0 and a zero chain")
        }
        self.init(unchecked: count, lastLeaf, chain)
    }

    /// Decodes the 48-byte ``encoded`` form.
    /// - Throws: ``LotMapError/malformedValue(_:)`` for another length or inconsistent fields.
    public init(encoded bytes: some Collection<UInt8>) throws(LotMapError) {
        let b = ArraySlice(bytes)
        guard b.count == Self.encodedSize else {
            throw .malformedValue("expected \(Self.encodedSize) bytes, got \(b.count)")
        }
        func u64(_ offset: Int) -> UInt64 {
            b[(b.startIndex + offset)..<(b.startIndex + offset + 8)].reduce(0) { $0 << 8 | UInt64($1) }
        }
        try self.init(count: u64(0), lastLeaf: u64(8), chain: .lotMapRead(b, at: b.startIndex + 16))
    }

    /// count ‖ lastLeaf (8 bytes each, big-endian) ‖ chain: 48 bytes, the form a store keeps.
    public var encoded: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Self.encodedSize)
        withUnsafeBytes(of: count.bigEndian) { out += $0 }
        withUnsafeBytes(of: lastLeaf.bigEndian) { out += $0 }
        chain.withUnsafeBytes { out += $0 }
        return out
    }

    /// The value with one more event, at leaf `leaf` whose RFC 9162 leaf hash is `leafHash`:
    /// count + 1, lastLeaf = `leaf`, chain = H(0x05 ‖ chain ‖ leaf as 8 bytes big-endian ‖ leafHash).
    /// - Throws: ``LotMapError/leafOutOfOrder(leaf:lastLeaf:)`` unless the value is empty or
    ///   `leaf` > ``lastLeaf``; ``LotMapError/countOverflow``; ``LotMapError/hashing(_:)``.
    public func appending(leaf: UInt64, leafHash: SHA256Digest) throws(LotMapError) -> LotMapValue {
        guard count == 0 || leaf > lastLeaf else { throw .leafOutOfOrder(leaf: leaf, lastLeaf: lastLeaf) }
        let (next, overflow) = count.addingReportingOverflow(1)
        guard !overflow else { throw .countOverflow }
        let previous = chain
        do {
            let chained = try SHA256.hash { update in
                withUnsafeBytes(of: LotMapHash.chainDomain) { update($0) }
                previous.withUnsafeBytes { update($0) }
                withUnsafeBytes(of: leaf.bigEndian) { update($0) }
                leafHash.withUnsafeBytes { update($0) }
            }
            return LotMapValue(unchecked: next, leaf, chained)
        } catch {
            throw .hashing(error)
        }
    }

    /// Appends one event in place; see ``appending(leaf:leafHash:)``.
    public mutating func append(leaf: UInt64, leafHash: SHA256Digest) throws(LotMapError) {
        self = try appending(leaf: leaf, leafHash: leafHash)
    }

    /// H(0x04 ‖ count ‖ lastLeaf ‖ chain): what the map's leaf commits to.
    public func valueHash() throws(CryptoError) -> SHA256Digest {
        let (count, lastLeaf, chain) = (self.count, self.lastLeaf, self.chain)
        return try SHA256.hash { update in
            withUnsafeBytes(of: LotMapHash.valueDomain) { update($0) }
            withUnsafeBytes(of: count.bigEndian) { update($0) }
            withUnsafeBytes(of: lastLeaf.bigEndian) { update($0) }
            chain.withUnsafeBytes { update($0) }
        }
    }

    public var description: String { "\(count) events, last at leaf \(lastLeaf), chain \(chain.hex)" }
}
