// GTIN and GLN: the two GS1 keys the ledger meets most, as always-valid value types.

/// A Global Trade Item Number: 8, 12, 13 or 14 digits with a valid check digit.
///
/// Two GTINs are equal when their 14-digit forms are equal (`GTIN("4012345123456")` equals
/// `GTIN("04012345123456")`).
public struct GTIN: Sendable, Hashable, CustomStringConvertible, Comparable {
    /// The 14-digit form, left-padded with zeros (GTIN-14).
    public let gtin14: String

    /// Reads a GTIN-8, -12, -13 or -14.
    ///
    /// - Throws: ``GS1Error`` when the length is wrong, a character is not a digit, or the
    ///   check digit is wrong ("GTIN 01234567890129: check digit should be 8").
    public init(_ text: String) throws(GS1Error) {
        guard [8, 12, 13, 14].contains(text.utf8.count) else {
            throw .length(kind: "GTIN", value: text, allowed: "8, 12, 13 or 14")
        }
        try GS1CheckDigit.verify(text, kind: "GTIN")
        gtin14 = String(repeating: "0", count: 14 - text.utf8.count) + text
    }

    /// Builds a GTIN from its 13 leading digits (indicator/padding + company prefix + item
    /// reference), appending the computed check digit.
    ///
    /// - Throws: ``GS1Error`` when `digits` is not exactly 13 ASCII digits.
    public init(withoutCheckDigit digits: String) throws(GS1Error) {
        guard digits.utf8.count == 13 else { throw .length(kind: "GTIN body", value: digits, allowed: "13") }
        guard let check = GS1CheckDigit.compute(digits) else {
            throw .invalidCharacter(kind: "GTIN", value: digits, character: digits.first { !$0.isASCIIDigit } ?? " ")
        }
        gtin14 = digits + String(check)
    }

    /// The GTIN-13 form when the leading digit is zero, else `nil`.
    public var gtin13: String? { gtin14.first == "0" ? String(gtin14.dropFirst()) : nil }

    /// The indicator digit (first digit of the GTIN-14).
    public var indicator: Character { gtin14.first ?? "0" }

    public var description: String { gtin14 }
    public static func < (a: GTIN, b: GTIN) -> Bool { a.gtin14 < b.gtin14 }
}

/// A Global Location Number: 13 digits with a valid check digit.
public struct GLN: Sendable, Hashable, CustomStringConvertible, Comparable {
    /// The 13 digits.
    public let value: String

    /// Reads a 13-digit GLN.
    ///
    /// - Throws: ``GS1Error`` for a wrong length, a non-digit or a wrong check digit.
    public init(_ text: String) throws(GS1Error) {
        guard text.utf8.count == 13 else { throw .length(kind: "GLN", value: text, allowed: "13") }
        try GS1CheckDigit.verify(text, kind: "GLN")
        value = text
    }

    /// Builds a GLN from its first 12 digits, appending the check digit.
    ///
    /// - Throws: ``GS1Error`` when `digits` is not 12 ASCII digits.
    public init(withoutCheckDigit digits: String) throws(GS1Error) {
        guard digits.utf8.count == 12 else { throw .length(kind: "GLN body", value: digits, allowed: "12") }
        guard let check = GS1CheckDigit.compute(digits) else {
            throw .invalidCharacter(kind: "GLN", value: digits, character: digits.first { !$0.isASCIIDigit } ?? " ")
        }
        value = digits + String(check)
    }

    public var description: String { value }
    public static func < (a: GLN, b: GLN) -> Bool { a.value < b.value }
}

/// A Serial Shipping Container Code: 18 digits with a valid check digit.
public struct SSCC: Sendable, Hashable, CustomStringConvertible {
    /// The 18 digits.
    public let value: String

    /// Reads an 18-digit SSCC.
    ///
    /// - Throws: ``GS1Error`` for a wrong length, a non-digit or a wrong check digit.
    public init(_ text: String) throws(GS1Error) {
        guard text.utf8.count == 18 else { throw .length(kind: "SSCC", value: text, allowed: "18") }
        try GS1CheckDigit.verify(text, kind: "SSCC")
        value = text
    }

    /// Reads `urn:epc:id:sscc:<CompanyPrefix>.<ExtensionDigit><SerialReference>`.
    ///
    /// - Throws: ``GS1Error/malformedURN(_:reason:)`` when the URN does not follow the Tag
    ///   Data Standard.
    public init(urn: String) throws(GS1Error) {
        let parts = try EPCURN.fields(urn, scheme: "urn:epc:id:sscc:", count: 2)
        let cp = parts[0], ref = parts[1]
        try EPCURN.checkCompanyPrefix(cp, urn: urn)
        guard ref.isAllASCIIDigits, cp.utf8.count + ref.utf8.count == 17 else {
            throw .malformedURN(urn, reason: "company prefix and serial reference must have 17 digits together")
        }
        let body = String(ref.prefix(1)) + cp + String(ref.dropFirst())
        guard let check = GS1CheckDigit.compute(body) else { throw .malformedURN(urn, reason: "not digits") }
        value = body + String(check)
    }

    /// The EPC URN, given the length of the GS1 Company Prefix (6–12).
    ///
    /// - Throws: ``GS1Error/malformedURN(_:reason:)`` when the length is out of range.
    public func urn(companyPrefixLength cpl: Int) throws(GS1Error) -> String {
        guard (6...12).contains(cpl) else { throw .malformedURN(value, reason: "company prefix length must be 6 to 12") }
        let d = Array(value)
        return "urn:epc:id:sscc:" + String(d[1...cpl]) + "." + String(d[0]) + String(d[(cpl + 1)..<17])
    }

    /// The canonical Digital Link, `https://id.gs1.org/00/<sscc>` unless another domain is given.
    public func digitalLink(domain: String = "https://id.gs1.org") -> String { domain + "/00/" + value }

    public var description: String { value }
}
