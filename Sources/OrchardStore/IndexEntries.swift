// A batch's index entries, kept flat until they are written in key order: keys end to end in one
// byte buffer and plain-old-data references into it. Sorting then compares bytes in place (no
// retain or release per comparison), and dropping a batch frees a few buffers, not one or two
// heap arrays per entry. The keys and their order are exactly those of Docs/FORMAT.md §7.
import OrchardCrypto
import OrchardLedger
import OrchardModel
#if canImport(Glibc)
import Glibc
#endif

/// Where one key sits in a ``ByteArena``. `prefix` is its first 8 bytes as a big-endian integer
/// (zero-padded), so most comparisons are one integer compare.
struct ByteSlice {
    var prefix: UInt64
    var start: UInt32
    var count: UInt32
}

/// Byte strings stored end to end in one buffer.
struct ByteArena {
    private(set) var bytes: [UInt8] = []

    /// Where the next string starts; pass it to ``slice(from:)`` once the string is appended.
    var mark: Int { bytes.count }

    mutating func append(_ byte: UInt8) { bytes.append(byte) }

    mutating func append(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    mutating func append(bigEndian v: UInt64) {
        withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a lot key as ``StoredTraceKey/encode(_:)`` spells it (the Digital Link host left
    /// out), without an intermediate array.
    mutating func append(lot: String) {
        let start = bytes.count
        var lot = lot
        lot.withUTF8 { b in
            let host = Self.digitalLinkHost
            let n = host.count
            if b.count > n, b[n] == UInt8(ascii: "/"), host.withUnsafeBufferPointer({ memcmp(b.baseAddress!, $0.baseAddress!, n) == 0 }) {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: b[n...]))
            } else {
                bytes.append(contentsOf: b)
            }
        }
        assert(Array(bytes[start...]) == StoredTraceKey.encode(TraceKey(canonical: lot)), "key spelt unlike StoredTraceKey")
    }

    /// The host ``StoredTraceKey`` leaves out of Digital Link lot keys.
    private static let digitalLinkHost = Array("https://id.gs1.org".utf8)

    /// The string appended since `start`.
    func slice(from start: Int) -> ByteSlice {
        var prefix: UInt64 = 0
        for i in 0..<8 { prefix = prefix << 8 | UInt64(start + i < bytes.count ? bytes[start + i] : 0) }
        return ByteSlice(prefix: prefix, start: UInt32(start), count: UInt32(bytes.count - start))
    }

    /// Runs `body` with the arena's bytes pinned, for ordering and reading slices.
    func withOrder<R>(_ body: (ByteOrder) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { try body(ByteOrder(base: $0.baseAddress)) }
    }
}

/// Byte order (LMDB's default: memcmp, then the shorter first) over slices of one pinned arena.
struct ByteOrder {
    let base: UnsafePointer<UInt8>?

    @inline(__always)
    func compare(_ a: ByteSlice, _ b: ByteSlice) -> Int32 {
        if a.prefix != b.prefix { return a.prefix < b.prefix ? -1 : 1 }
        let n = Int(min(a.count, b.count))
        if n > 0, let base {
            let c = memcmp(base + Int(a.start), base + Int(b.start), n)
            if c != 0 { return c }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    @inline(__always)
    func less(_ a: ByteSlice, _ b: ByteSlice) -> Bool { compare(a, b) < 0 }

    /// Copies a slice into `out`, reusing its storage (the put path allocates nothing per key).
    @inline(__always)
    func copy(_ s: ByteSlice, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        guard s.count > 0, let base else { return }
        out.append(contentsOf: UnsafeBufferPointer(start: base + Int(s.start), count: Int(s.count)))
    }
}

/// One `events` entry: a 32-byte key held as four big-endian words (integer order is byte
/// order), and its value, leaf ‖ block height.
struct EventIndexEntry: Comparable {
    var k0, k1, k2, k3: UInt64
    var leaf: UInt64
    var height: UInt64

    init(key: SHA256Digest, leaf: UInt64, height: UInt64) {
        (k0, k1, k2, k3) = (key.word0, key.word1, key.word2, key.word3)
        self.leaf = leaf
        self.height = height
    }

    @inline(__always)
    static func < (a: Self, b: Self) -> Bool { (a.k0, a.k1, a.k2, a.k3) < (b.k0, b.k1, b.k2, b.k3) }

    static func == (a: Self, b: Self) -> Bool { (a.k0, a.k1, a.k2, a.k3) == (b.k0, b.k1, b.k2, b.k3) }

    /// Writes the key (32 bytes) and value (16 bytes) into reused buffers of those sizes.
    @inline(__always)
    func encode(key: inout [UInt8], value: inout [UInt8]) {
        key.withUnsafeMutableBytes { b in
            b.storeBytes(of: k0.bigEndian, toByteOffset: 0, as: UInt64.self)
            b.storeBytes(of: k1.bigEndian, toByteOffset: 8, as: UInt64.self)
            b.storeBytes(of: k2.bigEndian, toByteOffset: 16, as: UInt64.self)
            b.storeBytes(of: k3.bigEndian, toByteOffset: 24, as: UInt64.self)
        }
        value.withUnsafeMutableBytes { b in
            b.storeBytes(of: leaf.bigEndian, toByteOffset: 0, as: UInt64.self)
            b.storeBytes(of: height.bigEndian, toByteOffset: 8, as: UInt64.self)
        }
    }
}

/// One lineage edge of a batch: its two keys, and the two dup values (`leaf ‖ kind ‖ other key`)
/// it is stored as in `lineage` (under `from`) and `descendants` (under `to`).
struct LineageEntry {
    var from: ByteSlice
    var to: ByteSlice
    var lineageValue: ByteSlice
    var descendantsValue: ByteSlice
}

/// The `events`, `trace`, `lineage` and `descendants` entries of a batch, written in key order
/// by ``write(txn:db:)`` (sorted inserts touch each B-tree page once).
struct IndexEntries {
    private var events: [EventIndexEntry] = []
    private var keys = ByteArena()
    /// `trace` keys and the naming roles stored as their one-byte value.
    private var trace: [(key: ByteSlice, roles: UInt8)] = []
    /// Lineage edges as added; once sorted, in `descendants` order (by `to`, then value).
    private var edges: [LineageEntry] = []
    /// Once sorted: the edges in `lineage` order (by `from`, then value).
    private var byFrom: [LineageEntry] = []
    private var sorted = false

    init(expectedRecords n: Int = 0) {
        events.reserveCapacity(n)
        trace.reserveCapacity(n * 2)
    }

    mutating func addEvent(_ key: SHA256Digest, leaf: UInt64, height: UInt64) {
        sorted = false
        events.append(EventIndexEntry(key: key, leaf: leaf, height: height))
    }

    /// The `trace` key `identifier ‖ 0x00 ‖ leaf`, valued by how the event names it.
    mutating func addTrace(_ key: TraceKey, roles: NamingRoles, leaf: UInt64) {
        sorted = false
        let start = keys.mark
        keys.append(lot: key.rawValue)
        keys.append(0)
        keys.append(bigEndian: leaf)
        trace.append((keys.slice(from: start), roles.rawValue))
    }

    /// A lineage edge made at `leaf`. An edge without a child (a `DELETE` of every child) is
    /// stored under its parent only.
    mutating func addLineage(_ edge: LineageEdge, leaf: UInt64) {
        sorted = false
        let a = keys.mark
        keys.append(lot: edge.from.rawValue)
        let from = keys.slice(from: a)
        let b = keys.mark
        if let to = edge.to { keys.append(lot: to.rawValue) }
        let to = keys.slice(from: b)
        let c = keys.mark
        keys.append(bigEndian: leaf)
        keys.append(edge.kind.rawValue)
        if let to = edge.to { keys.append(lot: to.rawValue) }
        let lineageValue = keys.slice(from: c)
        let d = keys.mark
        keys.append(bigEndian: leaf)
        keys.append(edge.kind.rawValue)
        keys.append(lot: edge.from.rawValue)
        edges.append(LineageEntry(from: from, to: to, lineageValue: lineageValue, descendantsValue: keys.slice(from: d)))
    }

    /// Sorts every index by key (the pairs of the dup-sorted lineage indexes twice, once for
    /// each direction). Safe to call on another thread than the writer's.
    mutating func sort() {
        guard !sorted else { return }
        events.sort()
        keys.withOrder { order in
            trace.sort { order.less($0.key, $1.key) }
            byFrom = edges
            byFrom.sort { let c = order.compare($0.from, $1.from); return c != 0 ? c < 0 : order.less($0.lineageValue, $1.lineageValue) }
            edges.sort { let c = order.compare($0.to, $1.to); return c != 0 ? c < 0 : order.less($0.descendantsValue, $1.descendantsValue) }
        }
        sorted = true
    }

    /// Puts every index in key order (sorting first if ``sort()`` has not run), each through one
    /// cursor.
    mutating func write(txn: LMDBTransaction, db: LedgerSchema) throws {
        sort()
        var key = [UInt8](repeating: 0, count: 32), value = [UInt8](repeating: 0, count: 16)
        try txn.withCursor(db.events) { cursor in
            for e in events {
                e.encode(key: &key, value: &value)
                try cursor.put(key, value)
            }
        }
        try keys.withOrder { order in
            var key = [UInt8](), value = [UInt8](repeating: 0, count: 1)
            key.reserveCapacity(256)
            try txn.withCursor(db.trace) { cursor in
                for t in trace {
                    order.copy(t.key, into: &key)
                    value[0] = t.roles
                    try cursor.put(key, value)
                }
            }
            value.reserveCapacity(512)
            // Dup-sorted: keys in order, then each key's values in order; equal pairs put once.
            try txn.withCursor(db.lineage) { cursor in
                for (i, e) in byFrom.enumerated() where i == 0 || !Self.same(byFrom[i - 1], e, order) {
                    order.copy(e.from, into: &key)
                    order.copy(e.lineageValue, into: &value)
                    try cursor.put(key, value, noDupData: true)
                }
            }
            try txn.withCursor(db.descendants) { cursor in
                for (i, e) in edges.enumerated() where e.to.count > 0 && (i == 0 || !Self.same(edges[i - 1], e, order)) {
                    order.copy(e.to, into: &key)
                    order.copy(e.descendantsValue, into: &value)
                    try cursor.put(key, value, noDupData: true)
                }
            }
        }
    }

    private static func same(_ a: LineageEntry, _ b: LineageEntry, _ order: ByteOrder) -> Bool {
        order.compare(a.from, b.from) == 0 && order.compare(a.lineageValue, b.lineageValue) == 0
    }

    /// Puts the balance of every lot the batch touched, in key order.
    static func writeBalances(_ balances: [TraceKey: LotBalance], txn: LMDBTransaction, db: LedgerSchema) throws {
        var keys = ByteArena(), values = ByteArena()
        var entries = [(key: ByteSlice, value: ByteSlice)]()
        entries.reserveCapacity(balances.count)
        for (lot, balance) in balances {
            let k = keys.mark
            keys.append(lot: lot.rawValue)
            let v = values.mark
            values.append(balance.encoded)
            entries.append((keys.slice(from: k), values.slice(from: v)))
        }
        var key = [UInt8](), value = [UInt8]()
        try keys.withOrder { order in
            try values.withOrder { valueBytes in
                entries.sort { order.less($0.key, $1.key) }
                try txn.withCursor(db.balances) { cursor in
                    for e in entries {
                        order.copy(e.key, into: &key)
                        valueBytes.copy(e.value, into: &value)
                        try cursor.put(key, value)
                    }
                }
            }
        }
    }
}
