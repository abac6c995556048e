// Who holds how much of one lot, or has it in transit: a handful of entries, kept in a small
// sorted array. Lots have one to three holders; an array scanned with string equality is far
// cheaper in the ordered stage of an append than a hashed dictionary, and encodes in order.

/// Amounts (millionths of the lot's unit) by participant ID, each > 0, sorted by ID.
public struct CustodyTable: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: Int64)
    private var entries: [Element] = []

    public init() {}

    public init(dictionaryLiteral elements: (String, Int64)...) {
        for (k, v) in elements { self[k] = v }
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into h: inout Hasher) {
        for e in entries { h.combine(e.key); h.combine(e.value) }
    }

    public func makeIterator() -> IndexingIterator<[Element]> { entries.makeIterator() }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    /// The participant IDs, in order.
    public var keys: [String] { entries.map(\.key) }
    /// The amounts, in ID order.
    public var values: [Int64] { entries.map(\.value) }
    /// The sum of all amounts.
    public var total: Int64 { entries.reduce(0) { $0 + $1.value } }

    /// The amount of `key` (nil when it has none); setting nil or ≤ 0 removes the entry.
    public subscript(key: String) -> Int64? {
        get {
            for e in entries where e.key == key { return e.value }
            return nil
        }
        set {
            let i = entries.firstIndex { $0.key >= key } ?? entries.count
            let present = i < entries.count && entries[i].key == key
            if let v = newValue, v > 0 {
                if present {
                    entries[i].value = v
                } else {
                    // Room for a few holders at once: a table read from the store is full, and
                    // custody moves from one holder to the next.
                    if entries.count == entries.capacity { entries.reserveCapacity(entries.count + 4) }
                    entries.insert((key, v), at: i)
                }
            } else if present {
                entries.remove(at: i)
            }
        }
    }
}
