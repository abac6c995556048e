// The GS1 mod-10 check digit shared by GTIN, GLN, SSCC, GSRN, GSIN, GDTI, GRAI, ….

/// The GS1 standard mod-10 check digit (GS1 General Specifications §7.9.1).
///
/// Digits are weighted 3, 1, 3, … starting from the rightmost digit *before* the check digit;
/// the check digit brings the weighted sum up to a multiple of ten.
public enum GS1CheckDigit {
    /// The check digit for `digits` (which must not include a check digit).
    ///
    /// Returns `nil` when `digits` is empty or holds anything but ASCII digits.
    public static func compute(_ digits: some StringProtocol) -> Character? {
        var sum = 0
        var weight = 3
        var count = 0
        for byte in digits.utf8.reversed() {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            sum += Int(byte - 0x30) * weight
            weight = 4 - weight
            count += 1
        }
        guard count > 0 else { return nil }
        return Character(Unicode.Scalar(UInt8(0x30 + (10 - sum % 10) % 10)))
    }

    /// Whether the last digit of `digits` is the correct check digit for the ones before it.
    ///
    /// False for strings shorter than two characters or with non-digits.
    public static func isValid(_ digits: some StringProtocol) -> Bool {
        guard digits.utf8.count >= 2, let last = digits.last,
              let expected = compute(digits.dropLast()) else { return false }
        return last == expected
    }

    /// Throws ``GS1Error/checkDigit(kind:value:expected:)`` or
    /// ``GS1Error/invalidCharacter(kind:value:character:)`` when `digits` is not a valid key.
    static func verify(_ digits: String, kind: String) throws(GS1Error) {
        if let bad = digits.first(where: { !$0.isASCIIDigit }) {
            throw .invalidCharacter(kind: kind, value: digits, character: bad)
        }
        guard let expected = compute(digits.dropLast()) else {
            throw .length(kind: kind, value: digits, allowed: "at least 2")
        }
        if digits.last != expected { throw .checkDigit(kind: kind, value: digits, expected: expected) }
    }
}

extension Character {
    /// True for the ASCII digits 0–9 only (not other Unicode digits).
    var isASCIIDigit: Bool { asciiValue.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
}

extension StringProtocol {
    /// True when non-empty and made only of ASCII digits.
    var isAllASCIIDigits: Bool { !isEmpty && utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
}
