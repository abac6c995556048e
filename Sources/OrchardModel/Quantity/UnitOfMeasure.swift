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
public struct UnitOfMeasure: Hashable, Sendable, CustomStringConvertible {
    /// The Rec. 20 code as written in events (`KGM`); `nil` for a quantity without `uom`, which
    /// EPCIS defines as a count of items.
    public let code: String?
    public let dimension: MeasureDimension
    /// How a person writes it: `kg`, `t`, `items`.
    public let symbol: String
    /// Base units (gram, millilitre, item, package) in one of this unit, as an exact fraction.
    let basePerUnit: (numerator: Int64, denominator: Int64)

    public static func == (a: Self, b: Self) -> Bool { a.code == b.code }
    public func hash(into h: inout Hasher) { h.combine(code) }
    public var description: String { code ?? "items" }

    private init(_ code: String?, _ dimension: MeasureDimension, _ symbol: String, _ n: Int64, _ d: Int64 = 1) {
        self.code = code
        self.dimension = dimension
        self.symbol = symbol
        basePerUnit = (n, d)
    }

    /// The unit of a quantity element without `uom`: a count of items.
    public static let items = UnitOfMeasure(nil, .items, "items", 1)
    public static let kilogram = UnitOfMeasure("KGM", .mass, "kg", 1000)

    /// The units Orchard accepts in quantity lists.
    public static let known: [String: UnitOfMeasure] = {
        let all: [UnitOfMeasure] = [
            .kilogram,
            UnitOfMeasure("GRM", .mass, "g", 1),
            UnitOfMeasure("MGM", .mass, "mg", 1, 1000),
            UnitOfMeasure("TNE", .mass, "t", 1_000_000),
            UnitOfMeasure("LBR", .mass, "lb", 45_359_237, 100_000),
            UnitOfMeasure("ONZ", .mass, "oz", 28_349_523_125, 1_000_000_000),
            UnitOfMeasure("MLT", .volume, "mL", 1),
            UnitOfMeasure("LTR", .volume, "L", 1000),
            UnitOfMeasure("MTQ", .volume, "m³", 1_000_000),
            UnitOfMeasure("H87", .items, "pieces", 1),
            UnitOfMeasure("EA", .items, "each", 1),
            UnitOfMeasure("C62", .items, "units", 1),
            UnitOfMeasure("CS", .packages("CS"), "cases", 1),
            UnitOfMeasure("CT", .packages("CT"), "cartons", 1),
            UnitOfMeasure("BX", .packages("BX"), "boxes", 1),
            UnitOfMeasure("PK", .packages("PK"), "packs", 1),
            UnitOfMeasure("BG", .packages("BG"), "bags", 1),
            UnitOfMeasure("PX", .packages("PX"), "pallets", 1),
        ]
        return Dictionary(uniqueKeysWithValues: all.map { ($0.code!, $0) })
    }()

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
