// What the append rules need to know about the ledger as it stands, independent of storage.
import OrchardCrypto
import OrchardModel

/// Where an accepted event sits.
public struct EventLocation: Hashable, Sendable {
    public let leafIndex: UInt64
    public let blockHeight: UInt64
    public init(leafIndex: UInt64, blockHeight: UInt64) { self.leafIndex = leafIndex; self.blockHeight = blockHeight }
}

/// The running mass balance of one lot (an EPC class): what came in and what went out, in its unit.
public struct LotBalance: Hashable, Sendable {
    /// The lot's unit of measure, fixed by the event that created it.
    public var uom: String
    /// Quantity created: commissioned (ADD) or output of a transformation.
    public var quantityIn: Double
    /// Quantity gone: transformation inputs, deleted, sold, destroyed.
    public var quantityOut: Double
    /// Leaf of the event that created the lot.
    public var firstLeaf: UInt64

    public init(uom: String, quantityIn: Double, quantityOut: Double, firstLeaf: UInt64) {
        self.uom = uom
        self.quantityIn = quantityIn
        self.quantityOut = quantityOut
        self.firstLeaf = firstLeaf
    }

    /// Quantity still on hand.
    public var onHand: Double { quantityIn - quantityOut }

    /// Fixed-size binary form for the store: in, out, firstLeaf (big-endian), then the unit.
    public var encoded: [UInt8] {
        var out = [UInt8]()
        for v in [quantityIn.bitPattern, quantityOut.bitPattern, firstLeaf] {
            for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) }
        }
        return out + Array(uom.utf8)
    }

    public init?(encoded b: [UInt8]) {
        guard b.count >= 24 else { return nil }
        func u64(_ at: Int) -> UInt64 { b[at..<at + 8].reduce(0) { $0 << 8 | UInt64($1) } }
        quantityIn = Double(bitPattern: u64(0))
        quantityOut = Double(bitPattern: u64(8))
        firstLeaf = u64(16)
        uom = String(decoding: b[24...], as: UTF8.self)
    }
}

/// Read access to the committed ledger, as the rules need it.
public protocol LedgerStateReader {
    /// Where an event with this ID was accepted, if it was.
    func location(of id: EventID) throws -> EventLocation?
    /// A lot's balance, if the lot exists.
    func lotBalance(_ lot: String) throws -> LotBalance?
}
