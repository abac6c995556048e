// RFC 8785 canonical JSON text read into one flat array of nodes that point into the text: no
// allocation per value, nothing to free value by value. The ledger stores every payload in
// canonical form, so the audit's replay reads stored events this way (see AppendPlanner); any
// text this reader does not take — not canonical, or canonical in a way it does not judge — is
// left to ``JSONParser``, which says what is wrong or reads it the long way.

import OrchardCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One value on a ``JSONTape``.
struct TapeNode {
    var kind: JSONKind
    /// A string with escapes (its text is decoded when read).
    var escaped = false
    /// Strings: the first byte after the opening quote; numbers: the first byte; containers:
    /// the number of members or items.
    var start: Int32
    /// Strings: the closing quote; numbers: the byte after the last; containers: unused.
    var end: Int32 = 0
    /// The index of the first node after this value (its members and items included).
    var next: Int32 = 0
}

/// Canonical JSON text and its values as a flat array: an object's node is followed by its
/// members (name, then value), an array's by its items, and every node knows where the next
/// value after it starts.
public struct JSONTape: Sendable {
    /// The whole buffer the text lies in (the text is `bytes[from...]`).
    let bytes: [UInt8]
    let nodes: [TapeNode]
    /// Where the text starts in `bytes` (it runs to the end).
    let textStart: Int

    /// The root value's node.
    public var root: Int32 { 0 }

    /// Reads `bytes[start...]` as one JSON value in RFC 8785 canonical form, nested `depth`
    /// levels deep in a larger document (so the nesting limit is the larger document's). Nil when
    /// it is not valid JSON or not canonical as ``JSONParser`` judges canonical text (the same
    /// texts are refused: `parseCanonical` then says nil too).
    public init?(canonical bytes: [UInt8], from start: Int, depth: Int) {
        // Storage a tape of this thread let go of (see ``recycle()``), else a new array.
        var nodes = TapeNodePool.current.take()
        // About one value every 12 bytes in EPCIS events: one allocation for most payloads.
        nodes.reserveCapacity(max(16, (bytes.count - start) / 10))
        let ok = bytes.withUnsafeBufferPointer { p -> Bool in
            var reader = CanonicalTapeReader(p: p, i: start, depth: depth)
            guard reader.value(into: &nodes), reader.i == p.count else { return false }
            return true
        }
        guard ok else { return nil }
        self.bytes = bytes
        self.nodes = nodes
        textStart = start
    }

    /// Offers this tape's node storage to the next tape read on this thread, for a caller done
    /// with the tape (and everything read from it that may hold it). A tape's nodes run to
    /// kilobytes: glibc's per-thread caches keep no blocks that large, so an array per payload
    /// went through the allocator's shared bins, twice a record. Safe whatever still holds the
    /// tape: the storage is reused only if nothing else holds it by then (else the next tape
    /// gets an array of its own, as arrays do).
    public func recycle() {
        TapeNodePool.current.offer(nodes)
    }

    /// The value as a ``JSONValue`` (for code that needs the tree).
    public func value(_ n: Int32) -> JSONValue {
        withView { $0.value(n) }
    }

    /// `body` with a view of the tape that reads it without reference counting (valid only
    /// within `body`).
    func withView<R, E: Error>(_ body: (JSONTapeView) throws(E) -> R) throws(E) -> R {
        try nodes.withUnsafeBufferPointer { n in
            bytes.withUnsafeBufferPointer { b in
                Result { () throws(E) in try body(JSONTapeView(nodes: n, bytes: b)) }
            }
        }.get()
    }
}

/// Node arrays of tapes this thread is done with (see ``JSONTape/recycle()``).
final class TapeNodePool {
    private var spare: [[TapeNode]] = []
    /// At most this many arrays are kept, of at most `largest` nodes each (2 MiB a thread at most).
    static let kept = 2, largest = 65_536

    private static let perThread = PerThread { TapeNodePool() }

    /// This thread's pool.
    static var current: TapeNodePool { perThread.current }

    /// An empty array, with the capacity of a spare one when there is one.
    func take() -> [TapeNode] {
        guard var nodes = spare.popLast() else { return [] }
        // (Still shared: the array gives up this storage and allocates its own.)
        nodes.removeAll(keepingCapacity: true)
        return nodes
    }

    func offer(_ nodes: [TapeNode]) {
        guard spare.count < Self.kept, nodes.capacity <= Self.largest else { return }
        spare.append(nodes)
    }
}

/// A ``JSONTape`` read through pointers to its nodes and text, for as long as the tape is held.
struct JSONTapeView: JSONReader {
    typealias Node = Int32
    let nodes: UnsafeBufferPointer<TapeNode>
    let bytes: UnsafeBufferPointer<UInt8>

    /// The value as a ``JSONValue``.
    func value(_ n: Int32) -> JSONValue {
        switch kind(n) {
        case .null: return .null
        case .bool: return .bool(bool(n)!)
        case .number: return .number(number(n)!)
        case .string: return .string(string(n)!)
        case .array:
            var items = [JSONValue]()
            items.reserveCapacity(count(n))
            forEachItem(n) { items.append(value($0)) }
            return .array(items)
        case .object:
            var members = [JSONMember]()
            members.reserveCapacity(count(n))
            forEachMember(n) { key, v in members.append(JSONMember(String(decoding: key, as: UTF8.self), value(v))) }
            return .object(members)
        }
    }

    @inline(__always) func kind(_ n: Int32) -> JSONKind { nodes[Int(n)].kind }

    /// The text between a string's quotes, escapes undecoded.
    @inline(__always) private func text(_ node: TapeNode) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: bytes.baseAddress! + Int(node.start), count: Int(node.end - node.start))
    }

    func string(_ n: Int32) -> String? {
        let node = nodes[Int(n)]
        guard node.kind == .string else { return nil }
        // UTF-8 was validated when the tape was read.
        return node.escaped ? Self.unescaped(text(node)) : String(decoding: text(node), as: UTF8.self)
    }

    func repeatedString(_ n: Int32) -> (string: String, handle: RepeatedStrings.Handle?)? {
        let node = nodes[Int(n)]
        guard node.kind == .string else { return nil }
        if !node.escaped, let h = RepeatedStrings.current.handle(text(node)) { return (h.string, h) }
        return string(n).map { ($0, nil) }
    }

    @inline(__always)
    func withUTF8<R, E: Error>(_ n: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R? {
        let node = nodes[Int(n)]
        guard node.kind == .string else { return nil }
        if !node.escaped { return try body(text(node)) }
        var s = Self.unescaped(text(node))
        return try s.withUTF8 { b in Result { () throws(E) in try body(b) } }.get()
    }

    /// `body` with a number's text as it lies in the canonical bytes; nil when `n` is not a number.
    func withNumberText<R>(_ n: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        let node = nodes[Int(n)]
        guard node.kind == .number else { return nil }
        return body(text(node))
    }

    func number(_ n: Int32) -> JSONNumber? {
        let node = nodes[Int(n)]
        guard node.kind == .number else { return nil }
        let t = text(node)
        let s = String(decoding: t, as: UTF8.self)
        return JSONParser.exactDecimal(bytes, Int(node.start)..<Int(node.end)).map { JSONNumber(text: s, value: $0) } ?? JSONNumber(validatedText: s)
    }

    func bool(_ n: Int32) -> Bool? {
        let node = nodes[Int(n)]
        guard node.kind == .bool else { return nil }
        return bytes[Int(node.start)] == UInt8(ascii: "t")
    }

    func member(_ n: Int32, _ key: String) -> Int32? {
        var key = key
        return key.withUTF8 { member(n, utf8: $0) }
    }

    /// The value of the first member whose name is `k` (UTF-8) of the object `n`.
    func member(_ n: Int32, utf8 k: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard nodes[Int(n)].kind == .object else { return nil }
        var at = Int(n) + 1
        let end = Int(nodes[Int(n)].next)
        while at < end {
            let name = nodes[at]
            // Canonical names have no escapes.
            if Int(name.end - name.start) == k.count,
               k.isEmpty || memcmp(bytes.baseAddress! + Int(name.start), k.baseAddress!, k.count) == 0 {
                return Int32(at + 1)
            }
            at = Int(nodes[at + 1].next)
        }
        return nil
    }

    @inline(__always) func count(_ n: Int32) -> Int {
        let node = nodes[Int(n)]
        return node.kind == .object || node.kind == .array ? Int(node.start) : 0
    }

    @inline(__always)
    func forEachMember<E: Error>(_ n: Int32, _ body: (UnsafeBufferPointer<UInt8>, Int32) throws(E) -> Void) throws(E) {
        guard nodes[Int(n)].kind == .object else { return }
        var at = Int(n) + 1
        let end = Int(nodes[Int(n)].next)
        while at < end {
            try body(text(nodes[at]), Int32(at + 1))
            at = Int(nodes[at + 1].next)
        }
    }

    @inline(__always)
    func forEachItem<E: Error>(_ n: Int32, _ body: (Int32) throws(E) -> Void) throws(E) {
        guard nodes[Int(n)].kind == .array else { return }
        var at = Int(n) + 1
        let end = Int(nodes[Int(n)].next)
        while at < end {
            try body(Int32(at))
            at = Int(nodes[at].next)
        }
    }

    /// The text of a string with the escapes canonical text has (`\"`, `\\`, `\b`, `\f`, `\n`,
    /// `\r`, `\t`) decoded.
    static func unescaped(_ text: UnsafeBufferPointer<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.count)
        var k = 0
        while k < text.count {
            let b = text[k]
            k += 1
            guard b == UInt8(ascii: "\\"), k < text.count else { out.append(b); continue }
            // (The tape takes no `\u` escape.)
            out.append(JSONParser.escaped(text[k]) ?? text[k])
            k += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Reads canonical text onto a tape; every refusal is a plain `false` (the caller then parses the
/// long way, which explains).
private struct CanonicalTapeReader {
    let p: UnsafeBufferPointer<UInt8>
    var i: Int
    var depth: Int
    static let maxDepth = 256

    mutating func value(into nodes: inout [TapeNode]) -> Bool {
        guard i < p.count else { return false }
        switch p[i] {
        case UInt8(ascii: "{"): return object(into: &nodes)
        case UInt8(ascii: "["): return array(into: &nodes)
        case UInt8(ascii: "\""): return string(into: &nodes)
        case UInt8(ascii: "t"): return literal("true", .bool, into: &nodes)
        case UInt8(ascii: "f"): return literal("false", .bool, into: &nodes)
        case UInt8(ascii: "n"): return literal("null", .null, into: &nodes)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number(into: &nodes)
        default: return false
        }
    }

    private mutating func literal(_ word: StaticString, _ kind: JSONKind, into nodes: inout [TapeNode]) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= p.count, memcmp(p.baseAddress! + i, word.utf8Start, n) == 0 else { return false }
        nodes.append(TapeNode(kind: kind, start: Int32(i), end: Int32(i + n), next: Int32(nodes.count + 1)))
        i += n
        return true
    }

    private mutating func object(into nodes: inout [TapeNode]) -> Bool {
        depth += 1
        guard depth <= Self.maxDepth else { return false }
        defer { depth -= 1 }
        let at = nodes.count
        nodes.append(TapeNode(kind: .object, start: 0))
        i += 1
        var count: Int32 = 0
        var previous: Range<Int>? = nil
        if i < p.count, p[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                guard i < p.count, p[i] == UInt8(ascii: "\""), string(into: &nodes) else { return false }
                let name = nodes[nodes.count - 1]
                // Canonical names have no escapes and come in RFC 8785 order (so none repeats).
                guard !name.escaped else { return false }
                let raw = Int(name.start)..<Int(name.end)
                if let previous, !JSONParser.precedes(p, previous, raw) { return false }
                previous = raw
                guard i < p.count, p[i] == UInt8(ascii: ":") else { return false }
                i += 1
                guard value(into: &nodes) else { return false }
                count += 1
                guard i < p.count else { return false }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                guard p[i] == UInt8(ascii: "}") else { return false }
                i += 1
                break
            }
        }
        nodes[at].start = count
        nodes[at].next = Int32(nodes.count)
        return true
    }

    private mutating func array(into nodes: inout [TapeNode]) -> Bool {
        depth += 1
        guard depth <= Self.maxDepth else { return false }
        defer { depth -= 1 }
        let at = nodes.count
        nodes.append(TapeNode(kind: .array, start: 0))
        i += 1
        var count: Int32 = 0
        if i < p.count, p[i] == UInt8(ascii: "]") {
            i += 1
        } else {
            while true {
                guard value(into: &nodes) else { return false }
                count += 1
                guard i < p.count else { return false }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                guard p[i] == UInt8(ascii: "]") else { return false }
                i += 1
                break
            }
        }
        nodes[at].start = count
        nodes[at].next = Int32(nodes.count)
        return true
    }

    /// A string with only the escapes RFC 8785 writes for characters other than control
    /// characters (a `\u` escape, or `\/`, is not judged canonical here, as in ``JSONParser``).
    private mutating func string(into nodes: inout [TapeNode]) -> Bool {
        i += 1
        let start = i
        var ascii = true, escaped = false
        scan: while i < p.count {
            // Eight bytes at a time to the first that matters (a quote, backslash, control
            // character or non-ASCII byte); near the end of the text, one at a time.
            if i + 8 <= p.count {
                let w = ByteWord.load(p, i)
                let m = ByteWord.below(w, 0x20) | ByteWord.equal(w, UInt8(ascii: "\"")) | ByteWord.equal(w, UInt8(ascii: "\\"))
                    | (w & ByteWord.highs)
                if m == 0 {
                    i += 8
                    continue
                }
                i += m.trailingZeroBitCount >> 3
            }
            let b = p[i]
            if b == UInt8(ascii: "\"") { break scan }
            if b < 0x20 { return false }
            if b >= 0x80 { ascii = false }
            if b == UInt8(ascii: "\\") {
                guard i + 1 < p.count else { return false }
                switch p[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    escaped = true
                    i += 2
                    continue
                default: return false
                }
            }
            i += 1
        }
        guard i < p.count else { return false }
        let end = i
        i += 1
        if !ascii, String(validating: UnsafeBufferPointer(rebasing: p[start..<end]), as: UTF8.self) == nil { return false }
        nodes.append(TapeNode(kind: .string, escaped: escaped, start: Int32(start), end: Int32(end), next: Int32(nodes.count + 1)))
        return true
    }

    /// A number in the form ``ECMAScriptNumber/isCanonical(_:)`` accepts (which is also valid
    /// JSON number text and a finite double).
    private mutating func number(into nodes: inout [TapeNode]) -> Bool {
        let start = i
        while i < p.count, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: ".") || (p[i] >= 0x30 && p[i] <= 0x39) { i += 1 }
        guard ECMAScriptNumber.isCanonical(UnsafeBufferPointer(rebasing: p[start..<i])) else { return false }
        nodes.append(TapeNode(kind: .number, start: Int32(start), end: Int32(i), next: Int32(nodes.count + 1)))
        return true
    }
}
