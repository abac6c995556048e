// Events of one shape are written alike: the writer's every decision — which fields, in which
// order, which siblings are sorted together, which values are normalised how — depends on the
// member names, the kinds of the values and the context, never on a value's text, except that a
// value may write nothing (and sorted siblings come out in another order). So the writing of a
// stored event is recorded once per shape, as a plan: the names it
// wrote, the values it wrote (by tape node, with their vocabulary and time handling), and the
// sorts. An event of the same shape is then written by the plan — each value normalised as the
// writer normalises it, each sort done again on the new bytes — without building the tree or
// walking the field orders. A plan that meets a value writing nothing gives up; the writer then
// takes the event as it would have.
//
// Two stored events have the same shape when their canonical texts are equal outside the text of
// their string and number values (which the tape places exactly; the event's own `@context` is
// compared whole, so the plan's context is the event's): the same bytes between those values, in
// the same number of nodes. A JSON text read around values of the same kinds at the
// same places parses into the same nodes, so each of the plan's node numbers names the same value
// in the new event's tape as in the recorded one's.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How one event's pre-hash bytes were written, and the shape of the events it writes. A class:
/// a thread's plans are looked up for every event, and one reference is cheaper to hand over than
/// the arrays it holds.
final class PreHashPlan {
    enum Kind: UInt8 {
        /// `literals[a..<a + b]` (a name).
        case literal
        /// The value of tape node `a`, normalised in `scope` (as a time when `time`).
        case value
        /// The text of tape node `a` as it is (the event's type).
        case raw
        /// Sort the `b` sibling ranges listed at `sorts[a...]` (pairs of op indices: the op a range
        /// starts at, the op it ends before).
        case sort
    }

    struct Op {
        var kind: Kind
        var time = false
        var scope = VocabularyScope.none
        var a: Int32
        var b: Int32 = 0
    }

    // The shape: the tape's node count, its string and number values (node numbers, kinds), and
    // the text before, between and after them (`gapEnds[k]`: where gap k ends in `gaps`).
    let nodeCount: Int
    let values: [Int32]
    let kinds: [JSONKind]
    let gaps: [UInt8]
    let gapEnds: [Int32]
    /// The context the event declares (the text of its `@context` is part of the shape).
    let context: EventHashContext
    // What was written.
    let ops: [Op]
    let literals: [UInt8]
    let sorts: [Int32]

    /// The plan `recorder` recorded for the event on `tape` (its text from `textStart`).
    init(_ recorder: PreHashRecorder, tape: JSONTapeView, textStart: Int, context: EventHashContext) {
        var values = [Int32]()
        // (The event's own `@context` is shape: its values stay in the text compared.)
        tape.forEachMember(0) { key, v in
            if !(key.count == 8 && memcmp(key.baseAddress!, "@context", 8) == 0) { Self.values(tape, v, into: &values) }
        }
        var kinds = [JSONKind](), gaps = [UInt8](), gapEnds = [Int32]()
        kinds.reserveCapacity(values.count)
        gapEnds.reserveCapacity(values.count + 1)
        var previous = textStart
        for n in values {
            let node = tape.nodes[Int(n)]
            kinds.append(node.kind)
            gaps.append(contentsOf: UnsafeBufferPointer(rebasing: tape.bytes[previous..<Int(node.start)]))
            gapEnds.append(Int32(gaps.count))
            previous = Int(node.end)
        }
        gaps.append(contentsOf: UnsafeBufferPointer(rebasing: tape.bytes[previous...]))
        gapEnds.append(Int32(gaps.count))
        nodeCount = tape.nodes.count
        self.context = context
        self.values = values
        self.kinds = kinds
        self.gaps = gaps
        self.gapEnds = gapEnds
        // Names written one after another are one literal, unless a sibling range starts or ends
        // between them (the ops a sort names keep their places).
        var named = [Bool](repeating: false, count: recorder.ops.count + 1)
        for i in recorder.sorts { named[Int(i)] = true }
        var ops = [Op](), literals = [UInt8](), moved = [Int32](repeating: 0, count: recorder.ops.count + 1)
        ops.reserveCapacity(recorder.ops.count)
        for (i, op) in recorder.ops.enumerated() {
            moved[i] = Int32(ops.count)
            var op = op
            if op.kind == .literal {
                let bytes = recorder.literals[Int(op.a)..<Int(op.a + op.b)]
                if !named[i], let last = ops.last, last.kind == .literal {
                    ops[ops.count - 1].b += op.b
                    literals.append(contentsOf: bytes)
                    continue
                }
                op.a = Int32(literals.count)
                literals.append(contentsOf: bytes)
            }
            ops.append(op)
        }
        moved[recorder.ops.count] = Int32(ops.count)
        self.ops = ops
        self.literals = literals
        sorts = recorder.sorts.map { moved[Int($0)] }
    }

    /// About the memory the plan holds.
    var byteSize: Int {
        gaps.count + literals.count + MemoryLayout<Op>.stride * ops.count + 5 * values.count + 4 * (gapEnds.count + sorts.count)
    }

    /// The string and number values under node `n`, in text order.
    private static func values(_ t: JSONTapeView, _ n: Int32, into out: inout [Int32]) {
        switch t.kind(n) {
        case .object: t.forEachMember(n) { _, v in values(t, v, into: &out) }
        case .array: t.forEachItem(n) { values(t, $0, into: &out) }
        case .string, .number: out.append(n)
        case .bool, .null: break
        }
    }

    /// Whether the event on `tape` (its text from `textStart` to the end) has this plan's shape.
    func fits(_ tape: JSONTapeView, textStart: Int) -> Bool {
        guard tape.nodes.count == nodeCount else { return false }
        return gaps.withUnsafeBufferPointer { g in
            var previous = textStart, gapStart = 0
            for k in 0..<values.count {
                let node = tape.nodes[Int(values[k])]
                let gapEnd = Int(gapEnds[k]), length = gapEnd - gapStart
                guard node.kind == kinds[k], Int(node.start) - previous == length,
                      length == 0 || memcmp(tape.bytes.baseAddress! + previous, g.baseAddress! + gapStart, length) == 0 else {
                    return false
                }
                previous = Int(node.end)
                gapStart = gapEnd
            }
            let length = g.count - gapStart
            return tape.bytes.count - previous == length
                && (length == 0 || memcmp(tape.bytes.baseAddress! + previous, g.baseAddress! + gapStart, length) == 0)
        }
    }
}

/// What ``PreHashWriter`` writes for one event, as it writes it (see ``PreHashPlan``). `failed`
/// when the writing depended on more than the shape: a value or an element that wrote nothing.
struct PreHashRecorder {
    var ops: [PreHashPlan.Op] = []
    /// Where in the output each op started.
    var starts: [Int] = []
    var literals: [UInt8] = []
    var sorts: [Int32] = []
    /// Sibling ranges (op indices) not sorted yet, as the writer's own stack of them.
    var open: [Int32] = []
    var failed = false

    mutating func reset() {
        ops.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        literals.removeAll(keepingCapacity: true)
        sorts.removeAll(keepingCapacity: true)
        open.removeAll(keepingCapacity: true)
        failed = false
    }

    /// `out[start...]`, just written, is a name.
    mutating func literal(_ out: [UInt8], from start: Int) {
        ops.append(PreHashPlan.Op(kind: .literal, a: Int32(literals.count), b: Int32(out.count - start)))
        starts.append(start)
        literals.append(contentsOf: out[start...])
    }

    /// A value written from `start` on, or (`written` false) not written.
    mutating func value(_ v: TreeValue, _ scope: VocabularyScope, time: Bool, at start: Int, written: Bool) {
        guard written, case let .tape(n) = v else { failed = true; return }
        ops.append(PreHashPlan.Op(kind: .value, time: time, scope: scope, a: n))
        starts.append(start)
    }

    mutating func raw(_ n: Int32, at start: Int) {
        ops.append(PreHashPlan.Op(kind: .raw, a: n))
        starts.append(start)
    }

    /// The writer opened a sibling range `start..<end` of its output.
    mutating func segment(_ start: Int, _ end: Int) {
        // The first op that starts there (ops write something, but a sort writes nothing and
        // starts where the op after it starts: either is the same place when the plan is run).
        var lo = 0, hi = starts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if starts[mid] < start { lo = mid + 1 } else { hi = mid }
        }
        if lo == starts.count || starts[lo] != start || start == end { failed = true }
        open.append(Int32(lo))
        open.append(Int32(ops.count))
    }

    /// The writer sorts its last `n` sibling ranges (the output is at `end`).
    mutating func sort(_ n: Int, end: Int) {
        guard n > 0 else { return }
        guard open.count >= 2 * n else { failed = true; return }
        if n > 1 {
            ops.append(PreHashPlan.Op(kind: .sort, a: Int32(sorts.count), b: Int32(n)))
            starts.append(end)
            sorts.append(contentsOf: open[(open.count - 2 * n)...])
        }
        open.removeLast(2 * n)
    }
}

/// One thread's plans, found by the node count of the event's tape. Full — `capacity` plans, or
/// plans holding `byteCapacity` bytes of shapes and names (a plan holds about its event's text) —
/// it starts over.
struct PreHashPlans {
    static let capacity = 256, byteCapacity = 8 << 20
    private var byNodes: [Int: [PreHashPlan]] = [:]
    private var count = 0, bytes = 0

    /// The plan whose shape the event on `tape` has, if one was recorded.
    func find(_ tape: JSONTapeView, textStart: Int) -> PreHashPlan? {
        guard let candidates = byNodes[tape.nodes.count] else { return nil }
        for plan in candidates where plan.fits(tape, textStart: textStart) { return plan }
        return nil
    }

    mutating func add(_ plan: PreHashPlan) {
        let size = plan.byteSize
        if count >= Self.capacity || bytes + size > Self.byteCapacity {
            byNodes.removeAll(keepingCapacity: true)
            count = 0
            bytes = 0
        }
        byNodes[plan.nodeCount, default: []].append(plan)
        count += 1
        bytes += size
    }
}
