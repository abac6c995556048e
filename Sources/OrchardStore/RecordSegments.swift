// Records are stored 16 to an LMDB value ("segment"). A value larger than half a page goes to
// overflow pages, whole pages each: a 4.3 KB event with temperature readings alone would take
// two pages (8 KB). Packing 16 records (~16 KB) wastes at most one page per segment. (64 records
// wasted less, but LMDB commits values of 64 KB and more about twice as slowly: measured with
// `Tools/bench --storage-loop --raw-per-value 64` against `16`, see Docs/PERFORMANCE.md.)

enum RecordSegments {
    /// Records per segment. Level 4 of the Merkle tree spans exactly one segment.
    static let size: UInt64 = 16

    static func key(forLeaf leaf: UInt64) -> [UInt8] { [UInt8](bigEndian: leaf / size) }

    /// `count (u32 BE) ‖ end offset of each record (u32 BE) ‖ the records' stored forms`.
    static func encode(_ records: [[UInt8]]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(4 + 4 * records.count + records.reduce(0) { $0 + $1.count })
        appendU32(records.count, to: &out)
        var end = 0
        for r in records { end += r.count; appendU32(end, to: &out) }
        for r in records { out += r }
        return out
    }

    @inline(__always)
    static func appendU32(_ v: Int, to out: inout [UInt8]) {
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).bigEndian) { out.append(contentsOf: $0) }
    }

    /// All records of a segment.
    static func decode(_ b: [UInt8]) throws -> [[UInt8]] {
        try b.withUnsafeBytes { try decode($0) }
    }

    /// All records of a segment read where it lies (each record copied out once).
    static func decode(_ b: UnsafeRawBufferPointer) throws -> [[UInt8]] {
        let n = try count(b)
        return try (0..<n).map { try record($0, in: b, count: n) }
    }

    /// The `i`-th record of a segment.
    static func record(_ i: Int, in b: [UInt8]) throws -> [UInt8] {
        try b.withUnsafeBytes { try record(i, in: $0, count: try count($0)) }
    }

    private static func record(_ i: Int, in b: UnsafeRawBufferPointer, count n: Int) throws -> [UInt8] {
        guard i < n else { throw StoreError.notFound(.leaf(UInt64(i), treeSize: nil)) }
        let base = 4 + 4 * n
        let start = i == 0 ? 0 : u32(b, 4 + 4 * (i - 1))
        let end = u32(b, 4 + 4 * i)
        guard start <= end, base + end <= b.count else { throw StoreError.corrupt("record segment offsets") }
        return Array(UnsafeRawBufferPointer(rebasing: b[(base + start)..<(base + end)]))
    }

    private static func count(_ b: UnsafeRawBufferPointer) throws -> Int {
        guard b.count >= 4 else { throw StoreError.corrupt("record segment too short") }
        let n = u32(b, 0)
        guard b.count >= 4 + 4 * n else { throw StoreError.corrupt("record segment header") }
        return n
    }

    private static func u32(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int {
        Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
    }
}

/// Collects a batch's records into segments and writes each touched segment once.
///
/// Records are copied once, straight into the segment's value: the buffer starts with room for
/// a full segment's header, so a full segment (all but a batch's first and last) is written
/// where it was assembled; a partial one is shifted once to close the gap.
struct SegmentWriter {
    private static let headerRoom = 4 + 4 * Int(RecordSegments.size)
    private var segment: UInt64?
    /// `headerRoom` bytes for the header, then the stored forms of the records so far.
    private var buffer: [UInt8] = []
    /// End of each record, counted from the end of the header.
    private var ends: [UInt32] = []

    /// Adds the record at `leaf` (leaves arrive in order, with no gaps).
    mutating func add(_ stored: [UInt8], leaf: UInt64, txn: LMDBTransaction, db: LedgerSchema) throws {
        let s = leaf / RecordSegments.size
        if segment != s {
            try flush(txn: txn, db: db)
            segment = s
            buffer.removeAll(keepingCapacity: true)
            buffer.append(contentsOf: repeatElement(0, count: Self.headerRoom))
            ends.removeAll(keepingCapacity: true)
            // A batch may start inside a segment that an earlier batch began.
            if let existing = try txn.get(db.records, [UInt8](bigEndian: s)) {
                for r in try RecordSegments.decode(existing) { append(r) }
            }
        }
        guard UInt64(ends.count) == leaf % RecordSegments.size else {
            throw StoreError.corrupt("record segment \(s) out of step at leaf \(leaf)")
        }
        append(stored)
    }

    private mutating func append(_ stored: [UInt8]) {
        buffer.append(contentsOf: stored)
        ends.append(UInt32(buffer.count - Self.headerRoom))
    }

    /// Writes the open segment.
    mutating func flush(txn: LMDBTransaction, db: LedgerSchema) throws {
        guard let s = segment, !ends.isEmpty else { return }
        let gap = Self.headerRoom - 4 - 4 * ends.count
        buffer.withUnsafeMutableBytes { b in
            b.storeBytes(of: UInt32(ends.count).bigEndian, toByteOffset: gap, as: UInt32.self)
            for (i, end) in ends.enumerated() { b.storeBytes(of: end.bigEndian, toByteOffset: gap + 4 + 4 * i, as: UInt32.self) }
        }
        if gap > 0 { buffer.removeFirst(gap) }
        try txn.put(db.records, [UInt8](bigEndian: s), buffer)
        segment = nil
        ends.removeAll(keepingCapacity: true)
    }
}
