// What the append rules need to know about the ledger as it stands, independent of storage.
import OrchardCrypto
import OrchardModel

/// Where an accepted event sits.
public struct EventLocation: Hashable, Sendable {
    public let leafIndex: UInt64
    public let blockHeight: UInt64
    public init(leafIndex: UInt64, blockHeight: UInt64) { self.leafIndex = leafIndex; self.blockHeight = blockHeight }
}

/// The running mass balance of one lot (an EPC class): what came in and what went out, exactly,
/// in the lot's unit (fixed by the event that created it).
public struct LotBalance: Hashable, Sendable {
    /// Quantity created: commissioned (ADD) or output of a transformation.
    public var quantityIn: Quantity
    /// Quantity gone: transformation inputs, deleted, sold, destroyed (in the lot's unit).
    public var quantityOut: Quantity
    /// Leaf of the event that created the lot.
    public var firstLeaf: UInt64

    public init(quantityIn: Quantity, quantityOut: Quantity, firstLeaf: UInt64) {
        self.quantityIn = quantityIn
        self.quantityOut = quantityOut.unit == quantityIn.unit ? quantityOut : Quantity(micros: quantityOut.micros, unit: quantityIn.unit)
        self.firstLeaf = firstLeaf
    }

    /// A lot created by `quantity` at `leaf`.
    public init(created quantity: Quantity, atLeaf leaf: UInt64) {
        self.init(quantityIn: quantity, quantityOut: .zero(quantity.unit), firstLeaf: leaf)
    }

    /// The lot's unit of measure.
    public var unit: UnitOfMeasure { quantityIn.unit }

    /// Quantity still on hand.
    public var onHand: Quantity { Quantity(micros: quantityIn.micros - quantityOut.micros, unit: unit) }

    /// Stored form: in, out (millionths of the unit, i64 BE), first leaf (u64 BE), then the unit
    /// code (empty for a count of items).
    public var encoded: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(27)
        for v in [UInt64(bitPattern: quantityIn.micros), UInt64(bitPattern: quantityOut.micros), firstLeaf] {
            for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) }
        }
        return out + Array((unit.code ?? "").utf8)
    }

    /// Reads the stored form; nil when it is malformed or names an unknown unit.
    public init?(encoded b: [UInt8]) {
        guard b.count >= 24 else { return nil }
        func u64(_ at: Int) -> UInt64 { b[at..<at + 8].reduce(0) { $0 << 8 | UInt64($1) } }
        let code = b.count == 24 ? nil : String(decoding: b[24...], as: UTF8.self)
        guard let unit = try? UnitOfMeasure(code: code) else { return nil }
        quantityIn = Quantity(micros: Int64(bitPattern: u64(0)), unit: unit)
        quantityOut = Quantity(micros: Int64(bitPattern: u64(8)), unit: unit)
        firstLeaf = u64(16)
    }
}

/// Read access to the committed ledger, as the rules need it.
public protocol LedgerStateReader {
    /// Where an event with this ID was accepted, if it was.
    func location(of id: EventID) throws -> EventLocation?
    /// A lot's balance, if the lot exists.
    func lotBalance(_ lot: TraceKey) throws -> LotBalance?
}
