// Units of measure Orchard counts produce in: UN/ECE Recommendation 20 codes, each with its
// dimension and its exact size in the dimension's base unit, so conversion never rounds.

/// What a unit measures. Quantities convert only within one dimension.
public enum MeasureDimension: Hashable, Sendable, CustomStringConvertible {
    /// Base unit: the gram.
    case mass
    /// Base unit: the millilitre.
    case volume
    /// Single items (pieces, each, one; also a quantity element without `uom`).
    case items
    /// Packages of one kind (cases, cartons, boxes, pallets…): a case is not a carton, and how
    /// much either holds is product master data, so packages convert only to themselves.
    case packages(String)

    public var description: String {
        switch self {
        case .mass: "mass"
        case .volume: "volume"
        case .items: "items"
        case let .packages(code): "packages (\(code))"
        }
    }
}

/// A UN/ECE Rec. 20 unit code that Orchard knows, e.g. `KGM`.
///
/// A position in the table of known units: every quantity carries its unit, and quantities are
/// copied often (a lot's balance, an event's quantity list), so the unit is one byte rather than
/// the strings that describe it.
public struct UnitOfMeasure: Hashable, Sendable, CustomStringConvertible {
    /// Position in ``table``.
    let index: UInt8

    /// The Rec. 20 code as written in events (`KGM`); `nil` for a quantity without `uom`, which
    /// EPCIS defines as a count of items.
    public var code: String? { Self.table[Int(index)].code }
    public var dimension: MeasureDimension { Self.table[Int(index)].dimension }
    /// How a person writes it: `kg`, `t`, `items`.
    public var symbol: String { Self.table[Int(index)].symbol }
    /// Base units (gram, millilitre, item, package) in one of this unit, as an exact fraction.
    var basePerUnit: (numerator: Int64, denominator: Int64) { Self.table[Int(index)].basePerUnit }

    public static func == (a: Self, b: Self) -> Bool { a.index == b.index }
    public func hash(into h: inout Hasher) { h.combine(index) }
    public var description: String { code ?? "items" }

    private init(index: UInt8) { self.index = index }

    private struct Entry: Sendable {
        let code: String?
        let dimension: MeasureDimension
        let symbol: String
        let basePerUnit: (numerator: Int64, denominator: Int64)
        init(_ code: String?, _ dimension: MeasureDimension, _ symbol: String, _ n: Int64, _ d: Int64 = 1) {
            self.code = code
            self.dimension = dimension
            self.symbol = symbol
            basePerUnit = (n, d)
        }
    }

    /// Every unit Orchard counts in; a code appears once (positions 0 and 1 are ``items`` and
    /// ``kilogram``).
    private static let table: [Entry] = [
        Entry(nil, .items, "items", 1),
        Entry("KGM", .mass, "kg", 1000),
        Entry("GRM", .mass, "g", 1),
        Entry("MGM", .mass, "mg", 1, 1000),
        Entry("TNE", .mass, "t", 1_000_000),
        Entry("LBR", .mass, "lb", 45_359_237, 100_000),
        Entry("ONZ", .mass, "oz", 28_349_523_125, 1_000_000_000),
        Entry("MLT", .volume, "mL", 1),
        Entry("LTR", .volume, "L", 1000),
        Entry("MTQ", .volume, "m³", 1_000_000),
        Entry("H87", .items, "pieces", 1),
        Entry("EA", .items, "each", 1),
        Entry("C62", .items, "units", 1),
        Entry("CS", .packages("CS"), "cases", 1),
        Entry("CT", .packages("CT"), "cartons", 1),
        Entry("BX", .packages("BX"), "boxes", 1),
        Entry("PK", .packages("PK"), "packs", 1),
        Entry("BG", .packages("BG"), "bags", 1),
        Entry("PX", .packages("PX"), "pallets", 1),
    ]

    /// The unit of a quantity element without `uom`: a count of items.
    public static let items = UnitOfMeasure(index: 0)
    public static let kilogram = UnitOfMeasure(index: 1)

    /// The units Orchard accepts in quantity lists.
    public static let known: [String: UnitOfMeasure] = Dictionary(uniqueKeysWithValues: table.indices.dropFirst().map {
        (table[$0].code!, UnitOfMeasure(index: UInt8($0)))
    })

    /// The unit named by a `uom` code (nil: a count of items). Throws for a code Orchard does not
    /// count in, naming the ones it does.
    public init(code: String?) throws(QuantityError) {
        guard let code else { self = .items; return }
        // The programme weighs produce: the kilogram is looked for first (a small-string compare,
        // where the table hashes the code).
        if code == "KGM" { self = .kilogram; return }
        guard let unit = Self.known[code] else { throw .unknownUnit(code) }
        self = unit
    }

    /// Grams in one of this unit as an exact fraction, for a unit of mass (nil for other units).
    public var gramsPerUnit: (numerator: Int64, denominator: Int64)? { dimension == .mass ? basePerUnit : nil }

    /// The codes accepted, for messages.
    public static var knownCodes: String { known.keys.sorted().joined(separator: ", ") }
}

/// Why a quantity could not be read or converted.
public enum QuantityError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownUnit(String)
    case notADecimal(String)
    /// More fractional digits than a quantity keeps (``Quantity/scale``).
    case tooPrecise(String)
    case outOfRange(String)
    case incompatibleUnits(from: String, to: String)
    case inexactConversion(String, to: String)
    case overflow

    public var description: String {
        switch self {
        case let .unknownUnit(code): "unknown unit \"\(code)\" (expected a UN/ECE Rec. 20 code Orchard counts in: \(UnitOfMeasure.knownCodes))"
        case let .notADecimal(text): "\"\(text)\" is not a decimal number"
        case let .tooPrecise(text): "\(text) has more than \(Quantity.scale) decimal places"
        case let .outOfRange(text): "\(text) is out of range (at most \(Quantity.maximumText) in any unit)"
        case let .incompatibleUnits(from, to): "\(from) cannot be converted to \(to) (different dimensions)"
        case let .inexactConversion(q, to): "\(q) has no exact value in \(to) at \(Quantity.scale) decimal places (convert it before signing, or count the lot in the unit you weigh in)"
        case .overflow: "the total is too large to count exactly"
        }
    }
}
