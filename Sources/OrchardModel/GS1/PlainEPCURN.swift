// The EPC URNs nearly every event names — lot classes (`urn:epc:class:lgtin:`) and serialised
// items (`urn:epc:id:sgtin:`) with plain lots and serials, and the pallets packing makes
// (`urn:epc:id:sscc:`, each named by one event only, so never remembered) — read byte by
// byte into their constrained canonical Digital Link. The general reader (EPCURNSchemes.digitalLinkPath) splits
// Strings and joins new ones; at a million records a thread's memo often misses (tens of thousands
// of lots), and each miss paid for it twice (the lot's index key, then its pre-hash text) besides
// the lot check's own parse. Anything this does not
// take (escapes, characters a Digital Link escapes, other schemes, wrong lengths) is left to the
// general path, and `PlainEPCURNTests` holds the two to the same answers.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum PlainEPCURN {
    /// The longest Digital Link written: `https://id.gs1.org/01/`, 14 digits, `/10/` or `/21/`,
    /// and 20 characters.
    static let maxLength = 22 + 14 + 4 + 20

    private static let lgtin: StaticString = "urn:epc:class:lgtin:"
    private static let sgtin: StaticString = "urn:epc:id:sgtin:"
    private static let sscc: StaticString = "urn:epc:id:sscc:"
    private static let domain: StaticString = "https://id.gs1.org/01/"
    private static let ssccDomain: StaticString = "https://id.gs1.org/00/"

    /// Calls `body` with the constrained canonical Digital Link of `urn` when it is a plain LGTIN
    /// or SGTIN URN — a company prefix of 6–12 digits, an indicator and item reference making 13
    /// digits with it, and a lot or serial of 1–20 characters from `A–Z a–z 0–9 - . _` — which
    /// also makes it a valid ``LGTIN`` or ``SGTIN``; or an SSCC URN — a company prefix of 6–12
    /// digits and a serial reference (extension digit first) making 17 digits with it. Nil for
    /// any other text.
    static func withCanonicalDigitalLink<R>(_ urn: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard let base = urn.baseAddress else { return nil }
        let qualifier: (UInt8, UInt8)
        var i: Int
        if urn.count > sscc.utf8CodeUnitCount && memcmp(base, sscc.utf8Start, sscc.utf8CodeUnitCount) == 0 {
            return withSSCC(urn, body)
        } else if urn.count > lgtin.utf8CodeUnitCount && memcmp(base, lgtin.utf8Start, lgtin.utf8CodeUnitCount) == 0 {
            qualifier = (0x31, 0x30)  // "10"
            i = lgtin.utf8CodeUnitCount
        } else if urn.count > sgtin.utf8CodeUnitCount && memcmp(base, sgtin.utf8Start, sgtin.utf8CodeUnitCount) == 0 {
            qualifier = (0x32, 0x31)  // "21"
            i = sgtin.utf8CodeUnitCount
        } else {
            return nil
        }
        // <company prefix>.<indicator><item reference>.<lot or serial>
        guard let key = keyParts(urn, from: i, digits: 13) else { return nil }
        i = key.ref.upperBound
        guard i < urn.count, urn[i] == 0x2E else { return nil }
        i += 1
        let rest = i, restCount = urn.count - i
        guard (1...20).contains(restCount) else { return nil }
        while i < urn.count {
            let c = urn[i]
            guard isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || c == 0x2D || c == 0x2E || c == 0x5F else { return nil }
            i += 1
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength) { out -> R in
            var n = 0
            @inline(__always) func put(_ b: UInt8) { out[n] = b; n += 1 }
            for k in 0..<domain.utf8CodeUnitCount { put(domain.utf8Start[k]) }
            writeKey(urn, key, to: out, at: &n)  // the GTIN-14
            put(0x2F); put(qualifier.0); put(qualifier.1); put(0x2F)
            for k in rest..<urn.count { put(urn[k]) }
            return body(UnsafeBufferPointer(rebasing: out[..<n]))
        }
    }

    /// `urn:epc:id:sscc:<company prefix>.<serial reference>` (17 digits in all) as
    /// `https://id.gs1.org/00/` and the SSCC: the extension digit, the company prefix, the rest of
    /// the serial reference and the check digit.
    private static func withSSCC<R>(_ urn: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard let key = keyParts(urn, from: sscc.utf8CodeUnitCount, digits: 17), key.ref.upperBound == urn.count else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ssccDomain.utf8CodeUnitCount + 18) { out -> R in
            var n = 0
            for k in 0..<ssccDomain.utf8CodeUnitCount { out[n] = ssccDomain.utf8Start[k]; n += 1 }
            writeKey(urn, key, to: out, at: &n)
            return body(UnsafeBufferPointer(rebasing: out[..<n]))
        }
    }

    /// Reads `<company prefix>.<reference>` from `start`: a company prefix of 6–12 digits, a dot,
    /// and a reference of digits (up to the first other byte) making `digits` with it. Nil otherwise.
    @inline(__always)
    private static func keyParts(_ urn: UnsafeBufferPointer<UInt8>, from start: Int, digits: Int) -> (cp: Range<Int>, ref: Range<Int>)? {
        var i = start
        while i < urn.count && isDigit(urn[i]) { i += 1 }
        let cp = start..<i
        guard (6...12).contains(cp.count), i < urn.count, urn[i] == 0x2E else { return nil }
        i += 1
        let ref = i
        while i < urn.count && isDigit(urn[i]) { i += 1 }
        guard cp.count + (i - ref) == digits else { return nil }
        return (cp, ref..<i)
    }

    /// Writes the GS1 key the parts make at `n`: the reference's first digit (a GTIN's indicator,
    /// an SSCC's extension digit), the company prefix, the rest of the reference, and the check digit.
    @inline(__always)
    private static func writeKey(_ urn: UnsafeBufferPointer<UInt8>, _ key: (cp: Range<Int>, ref: Range<Int>),
                                 to out: UnsafeMutableBufferPointer<UInt8>, at n: inout Int) {
        let first = n
        out[n] = urn[key.ref.lowerBound]; n += 1
        for k in key.cp { out[n] = urn[k]; n += 1 }
        for k in (key.ref.lowerBound + 1)..<key.ref.upperBound { out[n] = urn[k]; n += 1 }
        out[n] = checkDigit(UnsafeBufferPointer(rebasing: out[first..<n])); n += 1
    }

    /// The GS1 mod-10 check digit (as an ASCII digit) of an odd number of ASCII digits: weight 3
    /// on the last, then 1 and 3 alternately leftwards.
    @inline(__always) private static func checkDigit(_ digits: UnsafeBufferPointer<UInt8>) -> UInt8 {
        var sum = 0
        for k in 0..<digits.count { sum += Int(digits[k] - 0x30) * (k % 2 == 0 ? 3 : 1) }
        return UInt8(0x30 + (10 - sum % 10) % 10)
    }

    /// ``withCanonicalDigitalLink(_:_:)`` for a String: the Digital Link as a String, or nil.
    static func canonicalDigitalLink(_ urn: String) -> String? {
        urn.withBytes { withCanonicalDigitalLink($0) { String(decoding: $0, as: UTF8.self) } }
    }

    @inline(__always) private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
}

extension String {
    /// `body` with the string's UTF-8 bytes, where they lie when they can (else in a copy): the
    /// byte readers of the model and the event hash read Strings through this.
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = utf8.withContiguousStorageIfAvailable(body) { return r }
        var copy = self
        return copy.withUTF8(body)
    }

    /// Whether the string starts with the ASCII text `prefix`, compared as bytes in the string's
    /// own storage (`hasPrefix` compares characters, several times slower on identifiers read
    /// for every event).
    func hasBytePrefix(_ prefix: StaticString) -> Bool {
        withBytes { $0.count >= prefix.utf8CodeUnitCount && (prefix.utf8CodeUnitCount == 0 || memcmp($0.baseAddress!, prefix.utf8Start, prefix.utf8CodeUnitCount) == 0) }
    }

    /// Whether the string's UTF-8 holds the byte `b` (a `memchr` in its own storage).
    func containsByte(_ b: UInt8) -> Bool {
        withBytes { !$0.isEmpty && memchr($0.baseAddress!, Int32(b), $0.count) != nil }
    }
}

