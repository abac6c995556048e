// LGTIN, SGTIN and SGLN: GS1 keys with their lot/serial/extension, readable from EPC URNs
// (GS1 EPC Tag Data Standard) and writable as EPC URNs or GS1 Digital Link URIs.

/// Shared parsing of `urn:epc:…` URNs.
enum EPCURN {
    /// Splits the part after `scheme` into `count` dot-separated fields; the last field keeps
    /// any further dots (serials and extensions may contain them).
    static func fields(_ urn: String, scheme: String, count: Int) throws(GS1Error) -> [String] {
        guard urn.hasPrefix(scheme) else { throw .malformedURN(urn, reason: "must start with \(scheme)") }
        let rest = urn.dropFirst(scheme.count)
        let parts = rest.split(separator: ".", maxSplits: count - 1, omittingEmptySubsequences: false)
        guard parts.count == count else {
            throw .malformedURN(urn, reason: "needs \(count) fields separated by dots")
        }
        return parts.map(String.init)
    }

    static func checkCompanyPrefix(_ cp: String, urn: String) throws(GS1Error) {
        guard cp.isAllASCIIDigits, (6...12).contains(cp.utf8.count) else {
            throw .malformedURN(urn, reason: "the GS1 Company Prefix must be 6 to 12 digits")
        }
    }

    /// Reads the GTIN from `<CompanyPrefix>.<Indicator><ItemRef>` (13 digits together).
    static func gtin(companyPrefix cp: String, indicatorItemRef ir: String, urn: String) throws(GS1Error) -> GTIN {
        try checkCompanyPrefix(cp, urn: urn)
        guard ir.isAllASCIIDigits, cp.utf8.count + ir.utf8.count == 13 else {
            throw .malformedURN(urn, reason: "company prefix and indicator/item reference must have 13 digits together")
        }
        return try GTIN(withoutCheckDigit: String(ir.prefix(1)) + cp + String(ir.dropFirst()))
    }

    /// Writes `<CompanyPrefix>.<Indicator><ItemRef>` for a GTIN.
    static func gtinFields(_ gtin: GTIN, companyPrefixLength cpl: Int) throws(GS1Error) -> String {
        guard (6...12).contains(cpl) else {
            throw .malformedURN(gtin.gtin14, reason: "company prefix length must be 6 to 12")
        }
        let d = Array(gtin.gtin14)
        return String(d[1...cpl]) + "." + String(d[0]) + String(d[(cpl + 1)..<13])
    }

    /// Decodes a URN lot/serial/extension and checks it against CSET 82.
    static func component(_ raw: String, urn: String, kind: String, maxLength: Int) throws(GS1Error) -> String {
        guard let decoded = GS1Charset.percentDecode(Substring(raw), lenient: false) else {
            throw .malformedURN(urn, reason: "bad percent escape in the \(kind)")
        }
        try GS1Charset.checkAlphanumeric(decoded, kind: kind, maxLength: maxLength)
        return decoded
    }
}

/// A GTIN with a batch/lot number (EPC class `lgtin`; AIs 01 + 10).
public struct LGTIN: Sendable, Hashable, CustomStringConvertible {
    /// The trade item.
    public let gtin: GTIN
    /// The lot: 1–20 characters of GS1 character set 82 (unescaped).
    public let lot: String

    /// Pairs a GTIN with a lot.
    ///
    /// - Throws: ``GS1Error`` when the lot is empty, longer than 20 or uses a character
    ///   outside CSET 82.
    public init(gtin: GTIN, lot: String) throws(GS1Error) {
        try GS1Charset.checkAlphanumeric(lot, kind: "lot", maxLength: 20)
        self.gtin = gtin
        self.lot = lot
    }

    /// Reads `urn:epc:class:lgtin:<CompanyPrefix>.<Indicator><ItemRef>.<lot>`.
    ///
    /// - Throws: ``GS1Error/malformedURN(_:reason:)`` or a lot error.
    public init(urn: String) throws(GS1Error) {
        let f = try EPCURN.fields(urn, scheme: "urn:epc:class:lgtin:", count: 3)
        gtin = try EPCURN.gtin(companyPrefix: f[0], indicatorItemRef: f[1], urn: urn)
        lot = try EPCURN.component(f[2], urn: urn, kind: "lot", maxLength: 20)
    }

    /// The EPC class URN, given the GS1 Company Prefix length (6–12).
    ///
    /// - Throws: ``GS1Error/malformedURN(_:reason:)`` when the length is out of range.
    public func urn(companyPrefixLength: Int) throws(GS1Error) -> String {
        "urn:epc:class:lgtin:" + (try EPCURN.gtinFields(gtin, companyPrefixLength: companyPrefixLength))
            + "." + GS1Charset.urnEscape(lot)
    }

    /// The Digital Link `…/01/<gtin14>/10/<lot>`.
    public func digitalLink(domain: String = "https://id.gs1.org") -> String {
        DigitalLink(gtin: gtin, lot: lot).uri(domain: domain)
    }

    /// The element string `(01)<gtin14>(10)<lot>` (a `(` in the lot written `\(`, as
    /// ``AIElement/parseBracketed(_:)`` reads it).
    public var description: String { "(01)\(gtin.gtin14)(10)\(AIElement.bracketedValue(lot))" }
}

/// A serialised GTIN (EPC `sgtin`; AIs 01 + 21).
public struct SGTIN: Sendable, Hashable, CustomStringConvertible {
    /// The trade item.
    public let gtin: GTIN
    /// The serial: 1–20 characters of GS1 character set 82 (unescaped).
    public let serial: String

    /// Pairs a GTIN with a serial number.
    ///
    /// - Throws: ``GS1Error`` when the serial is empty, longer than 20 or outside CSET 82.
    public init(gtin: GTIN, serial: String) throws(GS1Error) {
        try GS1Charset.checkAlphanumeric(serial, kind: "serial", maxLength: 20)
        self.gtin = gtin
        self.serial = serial
    }

    /// Reads `urn:epc:id:sgtin:<CompanyPrefix>.<Indicator><ItemRef>.<serial>`.
    ///
    /// - Throws: ``GS1Error/malformedURN(_:reason:)`` or a serial error.
    public init(urn: String) throws(GS1Error) {
        let f = try EPCURN.fields(urn, scheme: "urn:epc:id:sgtin:", count: 3)
        gtin = try EPCURN.gtin(companyPrefix: f[0], indicatorItemRef: f[1], urn: urn)
        serial = try EPCURN.component(f[2], urn: urn, kind: "serial", maxLength: 20)
    }

    /// The EPC URN, given the GS1 Company Prefix length (6–12).
    ///
    /// - Throws: ``GS1Error/malformedURN(_:reason:)`` when the length is out of range.
    public func urn(companyPrefixLength: Int) throws(GS1Error) -> String {
        "urn:epc:id:sgtin:" + (try EPCURN.gtinFields(gtin, companyPrefixLength: companyPrefixLength))
            + "." + GS1Charset.urnEscape(serial)
    }

    /// The Digital Link `…/01/<gtin14>/21/<serial>`.
    public func digitalLink(domain: String = "https://id.gs1.org") -> String {
        DigitalLink(gtin: gtin, serial: serial).uri(domain: domain)
    }

    /// The element string `(01)<gtin14>(21)<serial>` (a `(` in the serial written `\(`).
    public var description: String { "(01)\(gtin.gtin14)(21)\(AIElement.bracketedValue(serial))" }
}

/// A GLN with an optional extension (EPC `sgln`; AIs 414 + 254).
public struct SGLN: Sendable, Hashable, CustomStringConvertible {
    /// The location.
    public let gln: GLN
    /// The extension (AI 254), or `nil` for none (URN extension `0`).
    public let `extension`: String?

    /// Pairs a GLN with an optional extension.
    ///
    /// - Throws: ``GS1Error`` when the extension is longer than 20 or outside CSET 82.
    public init(gln: GLN, extension ext: String? = nil) throws(GS1Error) {
        if let ext { try GS1Charset.checkAlphanumeric(ext, kind: "GLN extension", maxLength: 20) }
        self.gln = gln
        self.extension = (ext == "0") ? nil : ext
    }

    /// Reads `urn:epc:id:sgln:<CompanyPrefix>.<LocationRef>.<Extension>`; extension `0`
    /// means "no extension".
    ///
    /// - Throws: ``GS1Error/malformedURN(_:reason:)`` or an extension error.
    public init(urn: String) throws(GS1Error) {
        let f = try EPCURN.fields(urn, scheme: "urn:epc:id:sgln:", count: 3)
        try EPCURN.checkCompanyPrefix(f[0], urn: urn)
        guard f[1].isEmpty || f[1].isAllASCIIDigits, f[0].utf8.count + f[1].utf8.count == 12 else {
            throw .malformedURN(urn, reason: "company prefix and location reference must have 12 digits together")
        }
        gln = try GLN(withoutCheckDigit: f[0] + f[1])
        let ext = try EPCURN.component(f[2], urn: urn, kind: "GLN extension", maxLength: 20)
        self.extension = ext == "0" ? nil : ext
    }

    /// The EPC URN, given the GS1 Company Prefix length (6–12).
    ///
    /// - Throws: ``GS1Error/malformedURN(_:reason:)`` when the length is out of range.
    public func urn(companyPrefixLength cpl: Int) throws(GS1Error) -> String {
        guard (6...12).contains(cpl) else { throw .malformedURN(gln.value, reason: "company prefix length must be 6 to 12") }
        let d = Array(gln.value)
        return "urn:epc:id:sgln:" + String(d[0..<cpl]) + "." + String(d[cpl..<12]) + "."
            + GS1Charset.urnEscape(self.extension ?? "0")
    }

    /// The Digital Link `…/414/<gln>[/254/<extension>]`.
    public func digitalLink(domain: String = "https://id.gs1.org") -> String {
        var s = domain + "/414/" + gln.value
        if let ext = self.extension { s += "/254/" + GS1Charset.digitalLinkEscape(ext) }
        return s
    }

    public var description: String { "(414)\(gln.value)" + (self.extension.map { "(254)\(AIElement.bracketedValue($0))" } ?? "") }
}
