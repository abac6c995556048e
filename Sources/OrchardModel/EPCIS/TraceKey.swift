// One key per traceable thing — a lot, a pallet, a case, any object an event names — whatever
// spelling the event uses for it.

/// The key under which the ledger indexes an identifier: the constrained canonical GS1 Digital
/// Link (`https://id.gs1.org/01/…/10/…`) of an EPC URN, EPC class URN or Digital Link on any
/// domain, so every spelling of one lot is one key; any other URI as written.
public struct TraceKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The canonical form.
    public let rawValue: String

    /// The key of an identifier as an event writes it.
    public init(_ identifier: String) {
        rawValue = CanonicalDigitalLink.normalise(identifier) ?? identifier
    }

    /// A key already in canonical form (read back from an index).
    public init(canonical: String) { rawValue = canonical }

    /// What kind of thing a key names, read from its GS1 key.
    public enum Kind: String, Sendable, CaseIterable {
        /// A batch/lot of a trade item (GTIN + lot, an LGTIN).
        case lot
        /// A logistic unit (an SSCC): a pallet or a shipping container.
        case logisticUnit
        /// One serialised trade item (GTIN + serial, an SGTIN): a case, a box.
        case item
        /// A trade item class without a lot (a GTIN alone).
        case product
        /// Anything else: another GS1 key or a private URI.
        case other
    }

    public var kind: Kind {
        guard rawValue.hasPrefix("https://id.gs1.org/") else { return .other }
        let path = rawValue.utf8.dropFirst("https://id.gs1.org".utf8.count)
        if path.starts(with: "/00/".utf8) { return .logisticUnit }
        guard path.starts(with: "/01/".utf8) else { return .other }
        if rawValue.contains("/21/") { return .item }
        if rawValue.contains("/10/") { return .lot }
        return .product
    }

    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

extension String {
    /// The digits that follow `key` (e.g. `"/414/"`) in a canonical Digital Link, at most `count`
    /// of them; nil when `key` is absent. A byte search: Foundation's `range(of:)` is slow here.
    public func digitsAfter(_ key: StaticString, count: Int) -> String? {
        let k = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        let u = Array(utf8)
        guard u.count >= k.count else { return nil }
        var i = 0
        while i + k.count <= u.count {
            if u[i] == k[0], u[i..<(i + k.count)].elementsEqual(k) {
                let start = i + k.count
                var end = start
                while end < u.count, end - start < count, u[end] >= 0x30, u[end] <= 0x39 { end += 1 }
                return String(decoding: u[start..<end], as: UTF8.self)
            }
            i += 1
        }
        return nil
    }
}
