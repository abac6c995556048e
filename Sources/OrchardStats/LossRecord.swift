// What the loss statistics read of one record, extracted on any core (parsing is most of the
// work); the accountant then applies the records one by one in leaf order.
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardTrace

/// Where a lot's mass is, in the order produce travels (Docs/LOSS.md §2).
public enum LossStage: Int, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    case farm, transitToPackhouse, packhouse, transitToWarehouse, warehouse, transitToRetailer, retail
    /// In transit to a destination that is none of the above (or not a registered participant).
    case transit
    /// Held by a participant of another role.
    case other

    public var name: String {
        switch self {
        case .farm: "farm"
        case .transitToPackhouse: "transit-to-packhouse"
        case .packhouse: "packhouse"
        case .transitToWarehouse: "transit-to-warehouse"
        case .warehouse: "warehouse"
        case .transitToRetailer: "transit-to-retailer"
        case .retail: "retail"
        case .transit: "transit"
        case .other: "other"
        }
    }

    public init?(name: String) {
        guard let s = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = s
    }

    public var description: String { name }
    public var isTransit: Bool { self == .transitToPackhouse || self == .transitToWarehouse || self == .transitToRetailer || self == .transit }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// Where a participant of `role` holds what it has (a cooperative: see ``LossAccountant``).
    static func holding(role: String) -> LossStage {
        switch role {
        case "farm", "cooperative": .farm
        case "packhouse": .packhouse
        case "warehouse": .warehouse
        case "retailer": .retail
        default: .other
        }
    }

    /// The transit stage towards a participant of `role`.
    static func transit(to role: String?) -> LossStage {
        switch role {
        case "packhouse", "cooperative": .transitToPackhouse
        case "warehouse": .transitToWarehouse
        case "retailer": .transitToRetailer
        default: .transit
        }
    }
}

/// One quantity element of an event as the statistics read it.
struct LossQuantity: Sendable {
    let lot: TraceKey
    let role: EPCISListRole
    let amount: Quantity?
    let effect: LotEffect
}

/// The facts of one event.
struct LossEvent: Sendable {
    let signer: KeyID?
    let type: EPCISEventType
    let action: EPCISAction?
    let step: String
    let lossCause: String?
    let disposition: String?
    let millis: Int64
    /// Local calendar day of `eventTime` at the event's own offset (days since 1970-01-01).
    let localDay: Int64
    let quantities: [LossQuantity]
    let destinations: [String]
    let declaration: Bool
    let temperatures: TemperatureLog?
}

/// A record read for the statistics.
public struct LossRecord: Sendable {
    enum Body: Sendable {
        case event(LossEvent)
        case registry(JSONValue)
        case genesis
        case unreadable(String)
    }

    public let leaf: UInt64
    let body: Body

    /// Reads a record's canonical bytes. Never throws: a record that cannot be read is counted
    /// (the ledger accepted it, so that would be a finding for `orchard audit`).
    public init(leaf: UInt64, recordBytes: [UInt8]) {
        do { self.init(leaf: leaf, record: try SignedRecord(recordBytes: recordBytes)) } catch {
            self.init(leaf: leaf, body: .unreadable("not a signed record: \(error)"))
        }
    }

    /// Reads a record in the ledger's stored form (no canonical bytes rebuilt).
    public init(leaf: UInt64, storedForm: [UInt8]) {
        do { self.init(leaf: leaf, record: try SignedRecord(storedForm: storedForm)) } catch {
            self.init(leaf: leaf, body: .unreadable("not a stored record: \(error)"))
        }
    }

    init(leaf: UInt64, body: Body) {
        self.leaf = leaf
        self.body = body
    }

    public init(leaf: UInt64, record: SignedRecord) {
        self.leaf = leaf
        switch record.kind {
        case .genesis: body = .genesis
        case .registry: body = .registry(record.payload)
        case .event:
            let e: EPCISEvent
            do { e = try EPCISEvent(json: record.payload, index: 0) } catch { body = .unreadable("not an EPCIS event: \(error)"); return }
            let (millis, day) = EventWords.localDay(of: e.json) ?? (0, 0)
            let effects = e.lotEffects
            let quantities = zip(e.quantities, effects).map { q, effect in
                LossQuantity(lot: q.lot, role: q.role, amount: q.quantity, effect: effect)
            }
            let hasReadings = e.json["sensorElementList"] != nil
            body = .event(LossEvent(signer: record.signer, type: e.type, action: e.action, step: EventWords.step(e.bizStep),
                                    lossCause: EventWords.member(e.json, named: "lossCause")?.stringValue,
                                    disposition: EventWords.disposition(e.disposition), millis: millis, localDay: day,
                                    quantities: quantities, destinations: EventWords.destinations(e),
                                    declaration: e.errorDeclaration != nil,
                                    temperatures: hasReadings ? TemperatureLog(event: e) : nil))
        }
    }
}

/// A calendar day as days since 1970-01-01, and back.
public enum CalendarDay {
    public static func days(year: Int, month: Int, day: Int) -> Int64 {
        Int64(EPCISTimestamp.daysFromCivil(year: year, month: month, day: day))
    }

    /// `2026-06-04` → days; nil when it is not a date.
    public static func parse(_ text: String) -> Int64? {
        let p = text.split(separator: "-", omittingEmptySubsequences: false)
        guard p.count == 3, p[0].count == 4, p[1].count == 2, p[2].count == 2,
              let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]), (1...12).contains(m), (1...31).contains(d) else { return nil }
        let days = Self.days(year: y, month: m, day: d)
        guard text == Self.text(days) else { return nil }   // 2026-02-30 is not a day
        return days
    }

    public static func text(_ days: Int64) -> String {
        let (y, m, d) = EPCISTimestamp.civil(fromDays: days)
        return "\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }

    /// `2026-06`.
    public static func month(_ days: Int64) -> String { String(text(days).prefix(7)) }
}
