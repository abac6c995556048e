// Exact mass: every figure of the loss statistics is an integer number of femtograms (10⁻¹⁵ g),
// the unit in which every mass the ledger accepts is a whole number — a microgram of a gram lot,
// a millionth of a pound (453,592,370 fg), a millionth of an ounce (28,349,523,125 fg). Sums are
// 128-bit integers: nothing is rounded until a person reads it. The append rules weigh a
// transformation's inputs and outputs with it; the loss statistics count everything in it.
import OrchardModel

/// An exact mass in femtograms.
public struct Mass: Hashable, Comparable, Sendable, AdditiveArithmetic, CustomStringConvertible {
    public var femtograms: Int128

    public static let femtogramsPerGram: Int128 = 1_000_000_000_000_000
    public static let femtogramsPerKilogram: Int128 = 1_000 * femtogramsPerGram

    public init(femtograms: Int128) { self.femtograms = femtograms }
    public static func grams(_ g: Int64) -> Mass { Mass(femtograms: Int128(g) * femtogramsPerGram) }

    public static var zero: Mass { Mass(femtograms: 0) }
    public static func + (a: Mass, b: Mass) -> Mass { Mass(femtograms: a.femtograms + b.femtograms) }
    public static func - (a: Mass, b: Mass) -> Mass { Mass(femtograms: a.femtograms - b.femtograms) }
    public static prefix func - (a: Mass) -> Mass { Mass(femtograms: -a.femtograms) }
    public static func < (a: Mass, b: Mass) -> Bool { a.femtograms < b.femtograms }

    public var isZero: Bool { femtograms == 0 }

    /// Kilograms, exact, without trailing zeros: `672.1`, `0.000001`, `-3`.
    public var kilogramsText: String { Self.decimal(femtograms, scale: 18) }

    /// Kilograms rounded half away from zero to `places` decimals, for people: `672.10`.
    public func kilograms(places: Int) -> String {
        var unit: Int128 = 1
        for _ in 0..<(18 - places) { unit *= 10 }
        let (q, r) = femtograms.quotientAndRemainder(dividingBy: unit)
        let rounded = r.magnitude * 2 >= unit.magnitude ? q + (femtograms < 0 ? -1 : 1) : q
        return Self.decimal(rounded, scale: places, trim: false)
    }

    /// For people: `672.1 kg`.
    public var description: String { kilogramsText + " kg" }

    /// `value / 10^scale` as decimal text; trailing fractional zeros trimmed when `trim`.
    public static func decimal(_ value: Int128, scale: Int, trim: Bool = true) -> String {
        let negative = value < 0
        var digits = String(value.magnitude)
        if scale > 0 {
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            let cut = digits.index(digits.endIndex, offsetBy: -scale)
            var whole = String(digits[..<cut]), frac = String(digits[cut...])
            if trim { while frac.last == "0" { frac.removeLast() } }
            if whole.isEmpty { whole = "0" }
            digits = frac.isEmpty ? whole : whole + "." + frac
        }
        return (negative && digits.contains(where: { $0 != "0" && $0 != "." })) ? "-" + digits : digits
    }

    /// Reads exact kilogram text (`672.1`, `1e3`) as written in a report.
    public init?(kilogramsText text: String) {
        var t = Substring(text)
        var negative = false
        if t.first == "-" { negative = true; t = t.dropFirst() }
        var mantissa = t, exponent = 0
        if let e = t.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let x = Int(t[t.index(after: e)...]), abs(x) < 40 else { return nil }
            exponent = x
            mantissa = t[..<e]
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !(whole.isEmpty && parts.count == 1),
              whole.allSatisfy(\.isASCII), whole.allSatisfy(\.isNumber) else { return nil }
        let frac = parts.count == 2 ? parts[1] : ""
        guard frac.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let shift = 18 + exponent - frac.count
        var digits = String(whole) + frac
        while digits.count > 1, digits.first == "0" { digits.removeFirst() }
        guard digits.count + max(shift, 0) <= 37, var v = Int128(digits.isEmpty ? "0" : digits) else { return nil }
        if shift >= 0 {
            for _ in 0..<shift { v *= 10 }
        } else {
            for _ in 0..<(-shift) {
                let (q, r) = v.quotientAndRemainder(dividingBy: 10)
                guard r == 0 else { return nil }
                v = q
            }
        }
        femtograms = negative ? -v : v
    }
}

/// How one lot's unit turns into mass: femtograms per millionth of the unit, exactly; nil when
/// the unit has no known weight (items, or packages whose net content the genesis does not give).
public enum MassConversion {
    /// Femtograms in one millionth (`Quantity.micros`) of `unit`, for `product`'s packages.
    public static func femtogramsPerMicro(_ unit: UnitOfMeasure, product: Product?) -> Int128? {
        switch unit.dimension {
        case .mass:
            guard let (n, d) = unit.gramsPerUnit else { return nil }
            // 1 µunit = n/d × 10⁻⁶ g = n × 10⁹ / d fg.
            let (q, r) = (Int128(n) * 1_000_000_000).quotientAndRemainder(dividingBy: Int128(d))
            return r == 0 ? q : nil
        case let .packages(code):
            guard let content = product?.packageNetContent[code],
                  let perUnit = femtogramsPerMicro(content.unit, product: nil) else { return nil }
            // One package holds content.micros µunits of its mass unit; a millionth of a package a millionth of that.
            let (q, r) = (Int128(content.micros) * perUnit).quotientAndRemainder(dividingBy: 1_000_000)
            return r == 0 ? q : nil
        case .volume, .items:
            return nil
        }
    }
}
