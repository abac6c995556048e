// Exact quantities: a decimal with a fixed scale of six places in a stated unit. Sums, balances
// and conversions are integer arithmetic, so a balance that must hold to the gram does.

/// An exact amount in a unit: `micros` millionths of `unit`. `12.345 KGM` is 12,345,000 µKGM.
public struct Quantity: Hashable, Sendable, CustomStringConvertible {
    /// Decimal places kept (a milligram of a kilogram lot, a microgram of a gram lot).
    public static let scale = 6
    static let one: Int64 = 1_000_000
    /// The largest magnitude accepted, in any unit: a thousand million (a million tonnes as
    /// kilograms). Larger numbers are refused, so no sum of accepted quantities overflows.
    static let maximum: Int64 = 1_000_000_000 * one
    static let maximumText = "1000000000"

    /// Millionths of `unit`.
    public let micros: Int64
    public let unit: UnitOfMeasure

    public init(micros: Int64, unit: UnitOfMeasure) {
        self.micros = micros
        self.unit = unit
    }

    /// A whole number of units.
    public init(_ whole: Int64, _ unit: UnitOfMeasure) {
        self.init(micros: whole * Self.one, unit: unit)
    }

    /// Reads decimal text exactly (JSON number syntax: `12.345`, `1e3`, `2.5E-1`). Throws when
    /// the text is not a number, has more than six decimal places after its exponent is
    /// applied, or exceeds ``maximum``.
    public init(text: String, unit: UnitOfMeasure) throws(QuantityError) {
        self.init(micros: try Self.parseMicros(text), unit: unit)
    }

    /// The value of a JSON number in `unit`, read from the number's text.
    public init(json: JSONNumber, unit: UnitOfMeasure) throws(QuantityError) {
        try self.init(text: json.text, unit: unit)
    }

    public var isPositive: Bool { micros > 0 }
    public static func zero(_ unit: UnitOfMeasure) -> Quantity { Quantity(micros: 0, unit: unit) }

    /// The same amount in another unit of the same dimension; throws when the dimensions differ
    /// or the amount has no exact value there (1 lb is 0.45359237 kg: seven places, one too many).
    public func converted(to target: UnitOfMeasure) throws(QuantityError) -> Quantity {
        if target == unit { return self }
        guard target.dimension == unit.dimension else { throw .incompatibleUnits(from: unit.description, to: target.description) }
        // micros × (n₁/d₁) / (n₂/d₂) = micros × n₁ × d₂ / (d₁ × n₂), in 128 bits.
        let num = Int128(micros) * Int128(unit.basePerUnit.numerator) * Int128(target.basePerUnit.denominator)
        let den = Int128(unit.basePerUnit.denominator) * Int128(target.basePerUnit.numerator)
        let (q, r) = num.quotientAndRemainder(dividingBy: den)
        guard r == 0 else { throw .inexactConversion("\(decimalText) \(unit)", to: target.description) }
        guard let v = Int64(exactly: q) else { throw .overflow }
        return Quantity(micros: v, unit: target)
    }

    /// `self + other`, `other` converted exactly into this unit.
    public func adding(_ other: Quantity) throws(QuantityError) -> Quantity {
        let o = try other.converted(to: unit)
        let (sum, overflow) = micros.addingReportingOverflow(o.micros)
        guard !overflow else { throw .overflow }
        return Quantity(micros: sum, unit: unit)
    }

    /// `self − other`, `other` converted exactly into this unit.
    public func subtracting(_ other: Quantity) throws(QuantityError) -> Quantity {
        let o = try other.converted(to: unit)
        let (diff, overflow) = micros.subtractingReportingOverflow(o.micros)
        guard !overflow else { throw .overflow }
        return Quantity(micros: diff, unit: unit)
    }

    /// This amount scaled by `1 + proportion`, rounded down to a micro-unit: the most a lot may
    /// give out under a tolerance.
    public func allowing(_ proportion: Proportion) -> Quantity {
        let extra = Int128(micros) * Int128(proportion.millionths) / Int128(Proportion.one)
        return Quantity(micros: Int64(clamping: Int128(micros) + extra), unit: unit)
    }

    /// The decimal value without trailing zeros: `12.345`, `500`, `0.001`.
    public var decimalText: String {
        let negative = micros < 0
        let m = micros.magnitude
        let whole = m / UInt64(Self.one), frac = m % UInt64(Self.one)
        var text = String(whole)
        if frac != 0 {
            var f = String(frac)
            f = String(repeating: "0", count: Self.scale - f.count) + f
            while f.hasSuffix("0") { f.removeLast() }
            text += "." + f
        }
        return negative ? "-" + text : text
    }

    /// For people: `12.345 kg`, `3 cases`.
    public var description: String { "\(decimalText) \(unit.symbol)" }

    /// The number as EPCIS and JSON write it (shortest decimal text).
    public var jsonNumber: JSONNumber { JSONNumber(text: decimalText, value: Double(micros) / Double(Self.one)) }

    static func parseMicros(_ text: String) throws(QuantityError) -> Int64 {
        var text = text
        // Read where the text lies, the digits kept on the stack: numbers are read for every
        // quantity of every event.
        return try text.withUTF8 { u in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: u.count) { digits in
                Result { () throws(QuantityError) in try parseMicros(u, digits: digits) }
            }
        }.get()
    }

    /// The micros of number text `u`; `digits` has room for its digits.
    private static func parseMicros(_ u: UnsafeBufferPointer<UInt8>, digits: UnsafeMutableBufferPointer<UInt8>) throws(QuantityError) -> Int64 {
        var text: String { String(decoding: u, as: UTF8.self) }
        var i = 0
        var negative = false
        if i < u.count, u[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var n = 0   // significant digits in `digits`, leading zeros dropped
        var fractionDigits = 0
        var sawDigit = false, sawPoint = false
        while i < u.count {
            let c = u[i]
            if c >= 0x30 && c <= 0x39 {
                sawDigit = true
                if !(n == 0 && c == 0x30) { digits[n] = c - 0x30; n += 1 }
                if sawPoint { fractionDigits += 1 }
            } else if c == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else { break }
            i += 1
        }
        guard sawDigit else { throw .notADecimal(text) }
        var exponent = 0
        if i < u.count, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
            i += 1
            var expNegative = false
            if i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") { expNegative = u[i] == UInt8(ascii: "-"); i += 1 }
            var sawExp = false
            while i < u.count, u[i] >= 0x30 && u[i] <= 0x39 {
                sawExp = true
                exponent = min(exponent * 10 + Int(u[i] - 0x30), 10_000)
                i += 1
            }
            guard sawExp else { throw .notADecimal(text) }
            if expNegative { exponent = -exponent }
        }
        guard i == u.count else { throw .notADecimal(text) }
        // value = digits × 10^(exponent − fractionDigits); we want it × 10^scale.
        var shift = exponent - fractionDigits + Self.scale
        // Trailing zeros below the kept scale are harmless: 1.0000000 is 1.
        while shift < 0, n > 0, digits[n - 1] == 0 { n -= 1; shift += 1 }
        if n == 0 { return 0 }
        guard shift >= 0 else { throw .tooPrecise(text) }
        // Above 10^18 is far beyond ``maximum``: refused before any arithmetic could overflow.
        guard n + shift <= 18 else { throw .outOfRange(text) }
        var v: Int64 = 0
        for d in digits[0..<n] { v = v * 10 + Int64(d) }
        for _ in 0..<shift {
            let (m, o) = v.multipliedReportingOverflow(by: 10)
            guard !o else { throw .outOfRange(text) }
            v = m
        }
        guard v <= maximum else { throw .outOfRange(text) }
        return negative ? -v : v
    }
}

/// An exact proportion in millionths (parts per million): `0.005` is 5,000.
public struct Proportion: Hashable, Sendable, CustomStringConvertible {
    static let one: Int64 = 1_000_000
    public let millionths: Int64

    public init(millionths: Int64) { self.millionths = millionths }

    /// Reads decimal text exactly (`0.005`, `5e-3`); at most six decimal places.
    public init(text: String) throws(QuantityError) {
        millionths = try Quantity.parseMicros(text)
    }

    /// As a percentage for people: `0.5%`.
    public var description: String {
        Quantity(micros: millionths * 100, unit: .items).decimalText + "%"
    }

    /// The decimal text, as genesis writes it: `0.005`.
    public var decimalText: String { Quantity(micros: millionths, unit: .items).decimalText }
}
