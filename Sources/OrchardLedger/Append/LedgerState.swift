// What the append rules need to know about the ledger as it stands, independent of storage.
import OrchardCrypto
import OrchardModel

/// Where an accepted event sits.
public struct EventLocation: Hashable, Sendable {
    public let leafIndex: UInt64
    public let blockHeight: UInt64
    public init(leafIndex: UInt64, blockHeight: UInt64) { self.leafIndex = leafIndex; self.blockHeight = blockHeight }
}

/// The running mass balance of one lot (an EPC class) as a chain of custody: what came in and
/// went out in all, exactly, in the lot's unit (fixed by the event that created it), and where
/// what is left is — with which participant, or in transit towards whom (Docs/FORMAT.md §6).
public struct LotBalance: Hashable, Sendable {
    /// Quantity created: commissioned (ADD) or output of a transformation.
    public var quantityIn: Quantity
    /// Quantity gone: transformation inputs, deleted, sold, destroyed (in the lot's unit).
    public var quantityOut: Quantity
    /// Leaf of the event that created the lot.
    public var firstLeaf: UInt64
    /// The participant whose event created the lot: only it may add to it.
    public var creator: String
    /// `eventTime` of the creating event (ms since the epoch): no event on the lot may precede it.
    public var createdMillis: Int64
    /// Millionths of the lot's unit held by each participant (participant ID → amount > 0).
    public var holdings: CustodyTable
    /// Millionths of the lot's unit shipped and not yet received, by destination participant
    /// (`""`: a shipment that names no known destination).
    public var inTransit: CustodyTable

    public init(quantityIn: Quantity, quantityOut: Quantity, firstLeaf: UInt64, creator: String = "", createdMillis: Int64 = 0,
                holdings: CustodyTable = [:], inTransit: CustodyTable = [:]) {
        self.quantityIn = quantityIn
        precondition(quantityOut.unit == quantityIn.unit, "a lot's in and out are counted in the lot's one unit")
        self.quantityOut = quantityOut
        self.firstLeaf = firstLeaf
        self.creator = creator
        self.createdMillis = createdMillis
        self.holdings = holdings
        self.inTransit = inTransit
    }

    /// A lot created by `quantity` at `leaf`, held by its creator.
    public init(created quantity: Quantity, atLeaf leaf: UInt64, by creator: String = "", atMillis millis: Int64 = 0) {
        self.init(quantityIn: quantity, quantityOut: .zero(quantity.unit), firstLeaf: leaf, creator: creator, createdMillis: millis,
                  holdings: creator.isEmpty ? [:] : [creator: quantity.micros])
    }

    /// The lot's unit of measure.
    public var unit: UnitOfMeasure { quantityIn.unit }

    /// Quantity not consumed: held by someone or in transit.
    public var onHand: Quantity { Quantity(micros: quantityIn.micros - quantityOut.micros, unit: unit) }

    /// What `participant` holds.
    public func held(by participant: String) -> Quantity { Quantity(micros: holdings[participant] ?? 0, unit: unit) }

    /// What is in transit, in all.
    public var transit: Quantity { Quantity(micros: inTransit.total, unit: unit) }

    /// The largest amount a stored balance may hold (2^56 millionths, 72 billion units): far above
    /// any lot, and small enough that sums over a balance's entries never overflow.
    static let largest: UInt64 = 1 << 56

    /// Adds `micros` to an entry, dropping entries that reach zero or less.
    static func add(_ micros: Int64, to key: String, in table: inout CustodyTable) {
        table[key] = (table[key] ?? 0) + micros
    }

    /// Stored form (all integers big-endian): in, out (millionths of the unit, i64), first leaf
    /// (u64), created (ms, i64), the unit code and the creator (each a length byte and ASCII/UTF-8),
    /// then the holdings and the transit entries (each a u16 count of `length byte ‖ participant
    /// ‖ i64 amount`).
    public var encoded: [UInt8] {
        // Written for every lot a batch touches: one buffer, no intermediate arrays.
        var out = [UInt8]()
        out.reserveCapacity(48 + creator.utf8.count + 24 * (holdings.count + inTransit.count))
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) } }
        func text(_ t: String) {
            let n = min(t.utf8.count, 255)
            out.append(UInt8(n))
            out.append(contentsOf: t.utf8.prefix(n))
        }
        func table(_ t: CustodyTable) {
            out.append(UInt8(t.count >> 8)); out.append(UInt8(t.count & 0xFF))
            for (k, v) in t { text(k); u64(UInt64(bitPattern: v)) }   // in ID order
        }
        u64(UInt64(bitPattern: quantityIn.micros)); u64(UInt64(bitPattern: quantityOut.micros)); u64(firstLeaf)
        u64(UInt64(bitPattern: createdMillis))
        text(unit.code ?? ""); text(creator)
        table(holdings); table(inTransit)
        return out
    }

    /// Reads the stored form; nil when it is malformed or names an unknown unit.
    public init?(encoded b: [UInt8]) {
        var at = 0
        func u64() -> UInt64? {
            guard at + 8 <= b.count else { return nil }
            defer { at += 8 }
            return b[at..<at + 8].reduce(0) { $0 << 8 | UInt64($1) }
        }
        func text() -> String? {
            guard at < b.count, at + 1 + Int(b[at]) <= b.count else { return nil }
            defer { at += 1 + Int(b[at]) }
            return String(validating: b[(at + 1)..<(at + 1 + Int(b[at]))], as: UTF8.self)
        }
        func table() -> CustodyTable? {
            guard at + 2 <= b.count else { return nil }
            let n = Int(b[at]) << 8 | Int(b[at + 1])
            at += 2
            var t = CustodyTable()
            for _ in 0..<n {
                // Amounts are positive and within what sums of accepted quantities can reach, so
                // no sum over a balance overflows.
                guard let k = text(), let v = u64(), v > 0, v <= Self.largest, t[k] == nil else { return nil }
                t[k] = Int64(bitPattern: v)
            }
            return t
        }
        guard let qin = u64(), qin <= Self.largest, let qout = u64(), qout <= Self.largest, let leaf = u64(), let created = u64(),
              let code = text(),
              let unit = try? UnitOfMeasure(code: code.isEmpty ? nil : code), let creator = text(),
              let holdings = table(), let transit = table(), at == b.count else { return nil }
        self.init(quantityIn: Quantity(micros: Int64(bitPattern: qin), unit: unit), quantityOut: Quantity(micros: Int64(bitPattern: qout), unit: unit),
                  firstLeaf: leaf, creator: creator, createdMillis: Int64(bitPattern: created), holdings: holdings, inTransit: transit)
    }
}

/// Read access to the committed ledger, as the rules need it.
public protocol LedgerStateReader {
    /// Where an event with this ID was accepted, if it was.
    func location(of id: EventID) throws -> EventLocation?
    /// A lot's balance, if the lot exists.
    func lotBalance(_ lot: TraceKey) throws -> LotBalance?
    /// Every role any event so far gave the identifier (nil when no event named it).
    func namingRoles(of key: TraceKey) throws -> NamingRoles?
    /// The leaf of the record that declared the event erroneous, if one did.
    func declaration(of id: EventID) throws -> UInt64?
    /// The record at a leaf (to reverse an event declared erroneous).
    func record(atLeaf leaf: UInt64) throws -> SignedRecord
}
