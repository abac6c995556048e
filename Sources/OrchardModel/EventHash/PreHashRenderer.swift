// Writing the pre-hash string from the tree: the CBV 2.0 field order, sorted lists, value
// normalisation, and user extensions, straight into a UTF-8 byte buffer.
//
// The rules are those of ReferencePreHash.swift (`RefPreHashRenderer`), which this replaces:
// - An element with a field order writes its fields in that order; repeated fields are sorted
//   by byte order among themselves. What the order writes is consumed; an element whose children
//   were all consumed is gone, anything else stays for the unordered part.
// - Before that, a nested element moves its user extensions (`{namespace/}name`) out, to be
//   written (sorted) after its ordered fields, unless a child name mentions `eventTime` or
//   `action` (which is how the event itself is told apart).
// - Elements no order covers are written `name[=value]` plus their children, siblings sorted by
//   byte order; typed entries write type then identifier.
// - Values: trimmed; fields whose name mentions "time" (not "offset") are written as UTC
//   milliseconds when ordered; numbers in Python's short form; CBV URNs as Web URIs; GS1
//   identifiers as constrained canonical Digital Links.
// Sorting works on byte ranges of the buffer: siblings are written one after another, their
// ranges sorted, and the bytes moved only when they were out of order.

import OrchardCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct PreHashWriter {
    var tree: TreeBuilder
    var out: [UInt8] = []
    /// Start and end offsets in `out` of the siblings written so far, per open sort (a stack).
    private var segments: [Segment] = []
    private var scratch: [UInt8] = []
    /// What an ordered element writes, sortable by field position (a stack): `position << 32 |
    /// kids index` for tree children, `position << 56 | member index << 16 | name` for `direct`.
    private var matches: [Int] = []
    /// The member values `direct` writes (a stack, like `matches`).
    private var directValues: [TreeValue] = []
    /// The last expensive string value per (scope, time?) and what it was written as.
    private var cache: [CacheEntry] = []
    private var cacheBytes: [UInt8] = []
    /// What the String path wrote for values seen before on this thread.
    private var memo = ValueMemo()
    /// The names `direct` last read under each field order, and what it made of them.
    private var layouts = DirectLayouts()
    private let orderPos: [Int8]
    private let orderSub: [Int]
    /// Set while this event's writing is recorded as a plan (see PreHashPlan.swift).
    private var recording = false
    private var recorder = PreHashRecorder()
    /// Where each op of the plan being run started in `out`.
    private var starts: [Int] = []

    struct Segment { var start: Int, end: Int }

    struct CacheEntry {
        /// The string's bytes, in `cacheBytes`; start -1: no entry.
        var keyStart: Int32, keyEnd: Int32
        /// The bytes written, in `cacheBytes`; start -1: nothing was written.
        var start: Int32, end: Int32
    }

    enum Siblings { case unconsumed, taken, eventTail }

    private init(context: EventHashContext, tape: JSONTapeView?, workspace ws: PreHashWorkspace) {
        tree = TreeBuilder(context: context, tape: tape, workspace: ws)
        orderPos = tree.statics.orderPos
        orderSub = tree.statics.orderSub
        swap(&out, &ws.out)
        swap(&segments, &ws.segments)
        swap(&matches, &ws.matches)
        swap(&directValues, &ws.directValues)
        swap(&scratch, &ws.scratch)
        swap(&cache, &ws.cache)
        swap(&cacheBytes, &ws.cacheBytes)
        swap(&memo, &ws.memo)
        swap(&layouts, &ws.layouts)
        swap(&recorder, &ws.recorder)
        swap(&starts, &ws.planStarts)
    }

    private mutating func giveBack(to ws: PreHashWorkspace) {
        tree.giveBack(to: ws)
        out.removeAll(keepingCapacity: out.capacity <= PreHashWorkspace.keptCapacity)
        swap(&out, &ws.out)
        segments.removeAll(keepingCapacity: true)
        matches.removeAll(keepingCapacity: true)
        directValues.removeAll(keepingCapacity: true)
        scratch.removeAll(keepingCapacity: scratch.capacity <= PreHashWorkspace.keptCapacity)
        cache.removeAll(keepingCapacity: true)
        cacheBytes.removeAll(keepingCapacity: cacheBytes.capacity <= PreHashWorkspace.keptCapacity)
        swap(&segments, &ws.segments)
        swap(&matches, &ws.matches)
        swap(&directValues, &ws.directValues)
        swap(&scratch, &ws.scratch)
        swap(&cache, &ws.cache)
        swap(&cacheBytes, &ws.cacheBytes)
        swap(&memo, &ws.memo)
        swap(&layouts, &ws.layouts)
        swap(&recorder, &ws.recorder)
        swap(&starts, &ws.planStarts)
    }

    /// The pre-hash bytes of an event (an object, from the tree or from `tape`), or nil when it
    /// needs the String reference.
    static func render(_ event: TreeValue, tape: JSONTapeView?, type: UnsafeBufferPointer<UInt8>, context: EventHashContext) -> [UInt8]? {
        withRendered(event, tape: tape, type: type, context: context) { Array($0) }
    }

    /// `body` with the pre-hash bytes of an event, written in this thread's buffer (see
    /// ``render(_:tape:type:context:)``); nil when the event needs the String reference.
    static func withRendered<R>(_ event: TreeValue, tape: JSONTapeView?, type: UnsafeBufferPointer<UInt8>, context: EventHashContext,
                                _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        let ws = PreHashWorkspace.current
        var w = PreHashWriter(context: context, tape: tape, workspace: ws)
        defer { w.giveBack(to: ws) }
        let root = w.tree.root(event)
        if w.tree.bail { return nil }
        w.out.append(contentsOf: "eventType=".utf8)
        w.out.append(contentsOf: type)
        w.ordered(Int(root), StaticNames.Order.event)
        w.generic(Int(root), .eventTail)
        // Objects are expanded while rendering, so their keys are checked only then.
        if w.tree.bail { return nil }
        return w.out.withUnsafeBufferPointer(body)
    }

    /// `body` with the pre-hash bytes of the event at the root of `tape` (its text from
    /// `textStart` to the end; its type at node `type`, a non-empty string; the `@context` it
    /// declares at node `declared`): written by the plan of its shape when this thread has one,
    /// else by the writer, recording a plan. Nil when the event needs the String reference.
    static func withRendered<R>(tape: JSONTapeView, textStart: Int, type: Int32, declared: Int32?,
                                _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        let ws = PreHashWorkspace.current
        let found = ws.plans.find(tape, textStart: textStart)
        // A plan's shape holds the text of the event's own context: the plan knows what it declares.
        let context = found?.context ?? declared.map { EventHashContext(jsonLDContext: tape.value($0)) } ?? .standard
        var w = PreHashWriter(context: context, tape: tape, workspace: ws)
        defer { w.giveBack(to: ws) }
        if let found {
            if w.run(found) {
                ws.planWrites &+= 1
                return w.out.withUnsafeBufferPointer(body)
            }
            // A value that writes nothing: the writer decides what that changes.
            w.out.removeAll(keepingCapacity: true)
            w.segments.removeAll(keepingCapacity: true)
        } else {
            w.recording = true
            w.recorder.reset()
        }
        let root = w.tree.root(.tape(0))
        if w.tree.bail { return nil }
        w.out.append(contentsOf: "eventType=".utf8)
        if w.recording { w.recorder.literal(w.out, from: 0) }
        let at = w.out.count
        _ = tape.withUTF8(type) { w.out.append(contentsOf: $0) }
        if w.recording { w.recorder.raw(type, at: at) }
        w.ordered(Int(root), StaticNames.Order.event)
        w.generic(Int(root), .eventTail)
        if w.tree.bail { return nil }
        if w.recording && !w.recorder.failed && w.recorder.open.isEmpty {
            ws.plans.add(PreHashPlan(w.recorder, tape: tape, textStart: textStart, context: context))
        }
        return w.out.withUnsafeBufferPointer(body)
    }

    /// Writes an event by `plan` (its shape checked by the caller); false when a value wrote
    /// nothing, which the plan cannot say the meaning of.
    private mutating func run(_ plan: PreHashPlan) -> Bool {
        starts.removeAll(keepingCapacity: true)
        starts.reserveCapacity(plan.ops.count)
        return plan.ops.withUnsafeBufferPointer { ops in
            for op in ops {
                starts.append(out.count)
                switch op.kind {
                case .literal:
                    plan.literals.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[Int(op.a)..<Int(op.a + op.b)])) }
                case .value:
                    guard writeValue(.tape(op.a), op.scope, time: op.time) else { return false }
                case .raw:
                    guard tree.tape!.withUTF8(op.a, { b -> Bool in out.append(contentsOf: b); return !b.isEmpty }) == true else { return false }
                case .sort:
                    let smark = segments.count
                    var k = Int(op.a)
                    for _ in 0..<Int(op.b) {
                        segments.append(Segment(start: starts[Int(plan.sorts[k])], end: starts[Int(plan.sorts[k + 1])]))
                        k += 2
                    }
                    sortSegments(segments[smark].start, smark)
                }
            }
            return true
        }
    }

    // MARK: - Structure

    @inline(__always) private mutating func appendName(_ id: Int32) {
        let i = tree.info(id)
        let range = Int(i.start)..<Int(i.start + i.count)
        let start = out.count
        if id < tree.staticCount {
            tree.staticBytes.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[range])) }
        } else {
            tree.dynBytes.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[range])) }
        }
        if recording { recorder.literal(out, from: start) }
    }

    /// Writes a value of the event (see ``writeValue(_:_:time:)``), recorded when recording.
    @inline(__always) private mutating func writeEventValue(_ value: TreeValue, _ scope: VocabularyScope, time: Bool) -> Bool {
        let start = out.count
        let written = writeValue(value, scope, time: time)
        if recording { recorder.value(value, scope, time: time, at: start, written: written) }
        return written
    }

    /// Opens the sibling range `start..<out.count`, to be sorted with others.
    @inline(__always) private mutating func openSegment(_ start: Int) {
        segments.append(Segment(start: start, end: out.count))
        if recording { recorder.segment(start, out.count) }
    }

    /// Sorts the sibling ranges opened since `smark` (see ``sortSegments(_:_:)``), recorded when recording.
    @inline(__always) private mutating func sortOpened(_ base: Int, _ smark: Int) {
        if recording { recorder.sort(segments.count - smark, end: out.count) }
        sortSegments(base, smark)
    }

    /// Writes the children of `p` in `order`, consuming what it writes.
    private mutating func ordered(_ p: Int, _ order: Int) {
        tree.expand(p)
        let cs = Int(tree.nodes[p].childStart), ce = cs + Int(tree.nodes[p].childCount)
        guard ce > cs else { return }
        var taken = false
        if ce - cs > 1 {
            var blocked = false
            for k in cs..<ce where tree.flags(tree.nodes[Int(tree.kids[k])].name) & NameInfo.eventTimeOrAction != 0 {
                blocked = true
                break
            }
            if !blocked {
                for k in cs..<ce {
                    let c = Int(tree.kids[k])
                    if tree.flags(tree.nodes[c].name) & NameInfo.extensionName != 0 {
                        tree.nodes[c].consumed = true
                        tree.nodes[c].taken = true
                        tree.nodes[p].live -= 1
                        taken = true
                    }
                }
            }
        }
        let mark = matches.count
        let staticCount = tree.staticCount, base = order * Int(staticCount)
        for k in cs..<ce {
            let c = Int(tree.kids[k])
            let name = tree.nodes[c].name
            guard name < staticCount, !tree.nodes[c].consumed else { continue }
            let pos = orderPos[base + Int(name)]
            if pos >= 0 { matches.append(Int(pos) << 32 | k) }
        }
        let end = matches.count
        if end - mark > 1 { sortMatches(mark..<end) }
        var i = mark
        while i < end {
            let pos = matches[i] >> 32
            let sub = orderSub[order &* 32 &+ pos]
            let base = out.count, smark = segments.count
            let single = i + 1 == end || matches[i + 1] >> 32 != pos
            while i < end && matches[i] >> 32 == pos {
                let c = Int(tree.kids[matches[i] & 0xFFFF_FFFF])
                let s = out.count
                element(c, sub)
                if !single && out.count > s { openSegment(s) }
                if tree.nodes[c].live == 0 {
                    tree.nodes[c].consumed = true
                    tree.nodes[p].live -= 1
                }
                i += 1
            }
            if !single { sortOpened(base, smark) }
        }
        while matches.count > mark { matches.removeLast() }
        if taken { generic(p, .taken) }
    }

    /// Sorts `matches[range]` in place (sorting the slice itself would copy it first).
    private mutating func sortMatches(_ range: Range<Int>) {
        matches.withUnsafeMutableBufferPointer { var part = UnsafeMutableBufferPointer(rebasing: $0[range]); part.sort() }
    }

    /// One ordered field: `name=value`, or `name` and its ordered children; nothing when empty.
    private mutating func element(_ c: Int, _ sub: Int) {
        let start = out.count
        let name = tree.nodes[c].name
        appendName(name)
        let kind = tree.nodes[c].kind
        if kind == TreeNode.leaf {
            if !writeEventValue(tree.nodes[c].value, tree.nodes[c].scope, time: tree.flags(name) & NameInfo.time != 0) {
                out.removeLast(out.count - start)
            }
        } else {
            let after = out.count
            if kind == TreeNode.lazy && sub >= 0 && direct(c, sub) {
                tree.nodes[c].live = 0
            } else if sub >= 0 {
                ordered(c, sub)
            } else {
                tree.expand(c)
            }
            if out.count == after {
                out.removeLast(out.count - start)
                if recording { recorder.failed = true }
            }
        }
    }

    /// The ordered fields of a lazy object element written straight from its JSON members, when
    /// every member is a known name in `order` with a plain value: then the element's children
    /// would be exactly those leaves, none an extension, all consumed. False (nothing written)
    /// otherwise.
    private mutating func direct(_ c: Int, _ order: Int) -> Bool {
        let object = tree.nodes[c].value
        guard tree.kind(object) == .object else { return false }
        let scope = tree.nodes[c].scope
        let mark = matches.count, vmark = directValues.count
        var ok = true
        if layouts.hasNames(of: object, tape: tree.tape, order: order) {
            // The names of the last object under this order: the same members are skipped and the
            // same fields written in the same order; only the values are read (and checked) anew.
            let skipped = layouts.skipped(order)
            var m = 0
            TreeBuilder.forEachMember(tree.tape, object) { _, value in
                defer { m += 1 }
                guard ok, skipped & (1 << UInt64(m)) == 0 else { return }
                let k = tree.kind(value)
                guard k != .object && k != .array else { ok = false; return }
                directValues.append(value)
            }
            if ok { layouts.appendPlan(order, to: &matches) }
        } else {
            let base = order * Int(tree.staticCount)
            var skipped: UInt64 = 0, m = 0
            layouts.startNames(order)
            TreeBuilder.forEachMember(tree.tape, object) { key, value in
                guard ok else { return }
                defer { m += 1 }
                // (An object of more than 64 members is not remembered: its names are not kept.)
                if m < 64 { layouts.addName(order, key) }
                let i = directValues.count - vmark
                guard i < 1 << 24 else { ok = false; return }
                let id = tree.staticName(key)
                guard id >= 0 else { ok = false; return }
                let f = tree.staticInfos[Int(id)].flags
                if f & NameInfo.skippedKey != 0 {
                    if m < 64 { skipped |= 1 << UInt64(m) }
                    return
                }
                guard f & (NameInfo.list | NameInfo.childEPCs) == 0 else { ok = false; return }
                let k = tree.kind(value)
                guard k != .object && k != .array else { ok = false; return }
                let pos = orderPos[base + Int(TreeBuilder.renamed(id, hasChildren: false))]
                guard pos >= 0 else { ok = false; return }
                matches.append(Int(pos) << 56 | i << 16 | Int(id))
                directValues.append(value)
            }
            if ok && matches.count - mark > 1 { sortMatches(mark..<matches.count) }
            // Remembered only when every member was read: a refusal may depend on a value.
            if ok && m <= 64 { layouts.remember(order, skipped: skipped, plan: matches[mark...]) }
        }
        let end = matches.count
        defer {
            while matches.count > mark { matches.removeLast() }
            while directValues.count > vmark { directValues.removeLast() }
        }
        guard ok else { return false }
        var k = mark
        while k < end {
            let pos = matches[k] >> 56
            let groupStart = out.count, smark = segments.count
            let single = k + 1 == end || matches[k + 1] >> 56 != pos
            while k < end && matches[k] >> 56 == pos {
                let i = (matches[k] >> 16) & 0xFF_FFFF, id = Int32(matches[k] & 0xFFFF)
                let name = TreeBuilder.renamed(id, hasChildren: false)
                let s = out.count
                appendName(name)
                if !writeEventValue(directValues[vmark + i], scope.child(id), time: tree.flags(name) & NameInfo.time != 0) {
                    out.removeLast(out.count - s)
                } else if !single {
                    openSegment(s)
                }
                k += 1
            }
            if !single { sortOpened(groupStart, smark) }
        }
        return true
    }

    /// Writes the selected children of `p` without a field order, sorted by byte order.
    private mutating func generic(_ p: Int, _ which: Siblings) {
        tree.expand(p)
        let cs = Int(tree.nodes[p].childStart), ce = cs + Int(tree.nodes[p].childCount)
        guard ce > cs else { return }
        let base = out.count, smark = segments.count
        for k in cs..<ce {
            let c = Int(tree.kids[k])
            switch which {
            case .unconsumed: if tree.nodes[c].consumed { continue }
            case .taken: if !tree.nodes[c].taken { continue }
            case .eventTail:
                if tree.nodes[c].consumed || tree.flags(tree.nodes[c].name) & NameInfo.ignoredAtEvent != 0 { continue }
            }
            let s = out.count
            if tree.nodes[c].kind == TreeNode.pair {
                let ps = Int(tree.nodes[c].childStart)
                for j in ps..<(ps + Int(tree.nodes[c].childCount)) { one(Int(tree.kids[j])) }
            } else {
                one(c)
            }
            if out.count > s { openSegment(s) }
        }
        sortOpened(base, smark)
    }

    /// `name[=value]` and the remaining children.
    private mutating func one(_ c: Int) {
        appendName(tree.nodes[c].name)
        if tree.nodes[c].kind == TreeNode.leaf {
            _ = writeEventValue(tree.nodes[c].value, tree.nodes[c].scope, time: false)
        } else {
            generic(c, .unconsumed)
        }
    }

    /// Puts the sibling ranges opened at `smark` (covering `base..<out.count`) in byte order.
    private mutating func sortSegments(_ base: Int, _ smark: Int) {
        let n = segments.count - smark
        defer { while segments.count > smark { segments.removeLast() } }
        guard n > 1 else { return }
        var segs: [Segment] = []
        swap(&segs, &segments)
        defer { swap(&segs, &segments) }
        let inOrder = out.withUnsafeBufferPointer { o in
            for i in (smark + 1)..<(smark + n) where Self.less(o, segs[i], segs[i - 1]) { return false }
            return true
        }
        if inOrder { return }
        out.withUnsafeBufferPointer { o in
            segs.withUnsafeMutableBufferPointer { var part = UnsafeMutableBufferPointer(rebasing: $0[smark...]); part.sort { Self.less(o, $0, $1) } }
        }
        var sc: [UInt8] = []
        swap(&sc, &scratch)
        sc.removeAll(keepingCapacity: true)
        sc.append(contentsOf: out[base...])
        out.withUnsafeMutableBufferPointer { o in
            sc.withUnsafeBufferPointer { from in
                var w = base
                for s in segs[smark...] {
                    let len = s.end - s.start
                    (o.baseAddress! + w).update(from: from.baseAddress! + (s.start - base), count: len)
                    w += len
                }
            }
        }
        swap(&sc, &scratch)
    }

    @inline(__always) private static func less(_ o: UnsafeBufferPointer<UInt8>, _ a: Segment, _ b: Segment) -> Bool {
        let la = a.end - a.start, lb = b.end - b.start
        let r = memcmp(o.baseAddress! + a.start, o.baseAddress! + b.start, min(la, lb))
        return r != 0 ? r < 0 : la < lb
    }

    // MARK: - Values

    /// Writes `=value` for a leaf; false (nothing written) when its text is empty.
    private mutating func writeValue(_ value: TreeValue, _ scope: VocabularyScope, time: Bool) -> Bool {
        switch value {
        case .none: return false
        case let .json(v):
            switch v {
            case var .string(s): return s.withUTF8 { writeString($0, scope, time: time) }
            case let .number(n): return writeNumber(n, time: time)
            case let .bool(b): return writeBool(b)
            default: return false
            }
        case let .tape(n):
            let tape = tree.tape!
            switch tape.kind(n) {
            case .string: return tape.withUTF8(n) { writeString($0, scope, time: time) } ?? false
            case .number:
                // Most numbers are short decimals, written from their text where it lies.
                out.append(UInt8(ascii: "="))
                if tape.withNumberText(n, { PythonNumber.appendShortDecimal($0, to: &out) }) == true { return true }
                out.removeLast()
                return writeNumber(tape.number(n)!, time: time)
            case .bool: return writeBool(tape.bool(n)!)
            default: return false
            }
        }
    }

    private mutating func writeBool(_ b: Bool) -> Bool {
        out.append(contentsOf: b ? "=true".utf8 : "=false".utf8)
        return true
    }

    /// Numbers: Python's `str(float(…))` form, integers without a fraction. (Neither the time
    /// nor the value normalisation changes that form, so the field does not matter.)
    private mutating func writeNumber(_ n: JSONNumber, time: Bool) -> Bool {
        out.append(UInt8(ascii: "="))
        if PythonNumber.appendShortDecimal(n.text, to: &out) { return true }
        let t = RefPreHashRenderer.trim(PythonNumber.format(n.value))
        guard !t.isEmpty else { out.removeLast(); return false }
        out.append(contentsOf: (time ? RefPreHashRenderer.normaliseTime(t) : RefPreHashRenderer.normaliseValue(t)).utf8)
        return true
    }

    private mutating func writeString(_ s: UnsafeBufferPointer<UInt8>, _ scope: VocabularyScope, time: Bool) -> Bool {
        // Most times are in a fixed layout (every sensor reading's): ASCII, nothing to trim, the
        // first ":" at 13. Unless that could be a declared prefix, `writeText` would come to
        // exactly this.
        if time && !scope.expands && (s.count == 25 || s.count == 20) && !tree.mayBePrefix(length: 13, first: s[0]) {
            out.append(UInt8(ascii: "="))
            if EPCISTimestamp.appendUTCMilliseconds(ofFixedText: s, to: &out) { return true }
            out.removeLast()
        }
        // A plain word (a unit such as `CEL`, an action): nothing to expand, trim or normalise.
        if !time && !scope.expands && Self.isPlainWord(s) {
            out.append(UInt8(ascii: "="))
            out.append(contentsOf: s)
            return true
        }
        let slot = Int(scope.rawValue) &* 2 &+ (time ? 1 : 0)
        if !cache.isEmpty, cache[slot].keyStart >= 0, Int(cache[slot].keyEnd - cache[slot].keyStart) == s.count,
           cacheBytes.withUnsafeBufferPointer({ s.isEmpty || memcmp($0.baseAddress! + Int(cache[slot].keyStart), s.baseAddress!, s.count) == 0 }) {
            let r = cache[slot]
            guard r.start >= 0 else { return false }
            out.append(UInt8(ascii: "="))
            cacheBytes.withUnsafeBufferPointer {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[Int(r.start)..<Int(r.end)]))
            }
            return true
        }
        out.append(UInt8(ascii: "="))
        let start = out.count
        let (written, expensive) = writeText(s, scope, time: time)
        if !written { out.removeLast() }
        if expensive {
            if cache.isEmpty {
                cache.append(contentsOf: repeatElement(CacheEntry(keyStart: -1, keyEnd: -1, start: -1, end: -1), count: VocabularyScope.count * 2))
            }
            let ks = Int32(cacheBytes.count)
            cacheBytes.append(contentsOf: s)
            let ke = Int32(cacheBytes.count)
            if written {
                cacheBytes.append(contentsOf: out[start...])
                cache[slot] = CacheEntry(keyStart: ks, keyEnd: ke, start: ke, end: Int32(cacheBytes.count))
            } else {
                cache[slot] = CacheEntry(keyStart: ks, keyEnd: ke, start: -1, end: -1)
            }
        }
        return written
    }

    /// Writes the normalised text of a string leaf (without `=`). Returns whether anything was
    /// written and whether it took the slow String path (worth remembering).
    private mutating func writeText(_ b: UnsafeBufferPointer<UInt8>, _ scope: VocabularyScope, time: Bool) -> (Bool, Bool) {
        let (ascii, colon) = Self.classify(b)
        guard ascii else {
            // Non-ASCII: the String reference, step by step.
            let s = String(decoding: b, as: UTF8.self)
            let t = RefPreHashRenderer.trim(scope.expand(RefHashTreeBuilder(context: tree.context).expandValue(s)))
            guard !t.isEmpty else { return (false, true) }
            out.append(contentsOf: (time ? RefPreHashRenderer.normaliseTime(t) : RefPreHashRenderer.normaliseValue(t)).utf8)
            return (true, true)
        }
        // (A prefix that cannot be declared needs no String: most values with a colon are URNs.)
        if colon >= 0, scope.expands || tree.mayBePrefix(length: colon, first: colon > 0 ? b[0] : 0) {
            let s = String(decoding: b, as: UTF8.self)
            if let expanded = tree.expandedValue(s, colon: colon) {
                // A CURIE: its URI, then the vocabulary (as the reference does).
                return (writeTrimmed(scope.expand(expanded), time: time), true)
            }
            if scope.expands {
                // Not a bare word, but the vocabulary still gets to look at it.
                return (writeTrimmed(scope.expand(s), time: time), true)
            }
        }
        if scope.expands && !time, let bytes = VocabularyWords.normalised[Int(scope.rawValue)][String(decoding: b, as: UTF8.self)] {
            // A bare CBV word: its Web URI, normalised (worked out once per process).
            out.append(contentsOf: bytes)
            return (true, false)
        }
        // Nothing to expand (a word outside the vocabulary stays as it is).
        var slow = false
        let written = writeTrimmed(b, time: time, slow: &slow)
        return (written, slow)
    }

    private mutating func writeTrimmed(_ s: String, time: Bool) -> Bool {
        var slow = false
        return writeTrimmed(s, time: time, slow: &slow)
    }

    private mutating func writeTrimmed(_ s: String, time: Bool, slow: inout Bool) -> Bool {
        s.withBytes { writeTrimmed($0, time: time, slow: &slow) }
    }

    /// Trims ASCII whitespace, then writes a time (`time`) or a value normalised.
    private mutating func writeTrimmed(_ b: UnsafeBufferPointer<UInt8>, time: Bool, slow: inout Bool) -> Bool {
        var lo = 0, hi = b.count
        while lo < hi && Self.isSpace(b[lo]) { lo += 1 }
        while hi > lo && Self.isSpace(b[hi - 1]) { hi -= 1 }
        guard hi > lo else { return false }
        let t = UnsafeBufferPointer(rebasing: b[lo..<hi])
        if time {
            if !EPCISTimestamp.appendUTCMilliseconds(ofText: t, to: &out) {
                slow = true
                out.append(contentsOf: RefPreHashRenderer.normaliseTime(String(decoding: t, as: UTF8.self)).utf8)
            }
        } else {
            let f = t[0]
            let numeric = (f >= 0x30 && f <= 0x39) || f == 0x2B || f == 0x2D || f == 0x2E
            if numeric || memchr(t.baseAddress!, 0x2E, t.count) != nil || Self.isCBVURN(t) {
                slow = true
                // Identifiers recur from event to event (locations, sensors, units): their
                // normalised text is worked out once per thread; plain lot, item and pallet URNs
                // are read faster than remembered (a pallet, named by one event, would only push
                // out of the memo what repeats).
                let plain = PlainEPCURN.withCanonicalDigitalLink(t) { out.append(contentsOf: $0) } != nil
                if !plain && !memo.append(t, to: &out) {
                    let v = RefPreHashRenderer.normaliseValue(String(decoding: t, as: UTF8.self))
                    out.append(contentsOf: v.utf8)
                    memo.remember(t, v)
                }
            } else {
                // No number, no CBV URN, and no dot (every GS1 identifier form has one).
                out.append(contentsOf: t)
            }
        }
        return true
    }

    /// Whether the bytes are ASCII, and the offset of the first ":" (-1 if none).
    private static func classify(_ b: UnsafeBufferPointer<UInt8>) -> (Bool, Int) {
        var colon = -1
        var i = 0
        while i < b.count {
            // Eight bytes without a colon or a non-ASCII byte at a time (or, once the colon is
            // found, without a non-ASCII byte).
            if i + 8 <= b.count {
                let w = ByteWord.load(b, i)
                if !ByteWord.hasHigh(w) && (colon >= 0 || !ByteWord.has(w, 0x3A)) {
                    i += 8
                    continue
                }
            }
            let stop = min(b.count, i + 8)
            while i < stop {
                let c = b[i]
                if c >= 0x80 { return (false, colon) }
                if c == 0x3A && colon < 0 { colon = i }
                i += 1
            }
        }
        return (true, colon)
    }

    /// Whether `b` is a letter followed by letters, digits, `_` or `-`, at most 16 bytes: no
    /// colon (no CURIE or URN), no dot, nothing to trim, not a number — `writeText` writes such
    /// text as it is.
    @inline(__always) static func isPlainWord(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count > 0 && b.count <= 16, (b[0] | 0x20) &- 0x61 < 26 else { return false }
        for c in b {
            let letter = (c | 0x20) &- 0x61 < 26, digit = c &- 0x30 < 10
            if !(letter || digit || c == 0x5F || c == 0x2D) { return false }
        }
        return true
    }

    @inline(__always) private static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C
    }

    private static func isCBVURN(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        let prefix: StaticString = "urn:epcglobal:cbv:"
        return t.count >= prefix.utf8CodeUnitCount && memcmp(t.baseAddress!, prefix.utf8Start, prefix.utf8CodeUnitCount) == 0
    }
}

/// The bare CBV words of each vocabulary position and the bytes the pre-hash writes for them:
/// `normaliseValue(trim(scope.expand(word)))`, as the reference computes it for a word that no
/// CURIE expansion changes (the writer looks words up only then, and only outside time fields).
enum VocabularyWords {
    static let normalised: [[String: [UInt8]]] = {
        var tables = [[String: [UInt8]]](repeating: [:], count: VocabularyScope.count)
        func add<V: CBVVocabulary>(_ scope: VocabularyScope, _: V.Type) {
            for word in V.allCases.map(\.rawValue) {
                let t = RefPreHashRenderer.trim(scope.expand(word))
                if !t.isEmpty { tables[Int(scope.rawValue)][word] = Array(RefPreHashRenderer.normaliseValue(t).utf8) }
            }
        }
        add(.bizStep, BizStep.self)
        add(.disposition, Disposition.self)
        add(.btt, BusinessTransactionType.self)
        add(.sdt, SourceDestinationType.self)
        add(.measurementType, MeasurementType.self)
        add(.alertType, SensorAlertType.self)
        add(.component, SensorComponent.self)
        return tables
    }()
}

/// Buffers kept per thread between events, so that hashing an event allocates little more than
/// its result.
final class PreHashWorkspace {
    var nodes: [TreeNode] = [], kids: [Int32] = [], stack: [Int32] = [], memberNames: [Int32] = [], memberValues: [TreeValue] = []
    var dynInfos: [NameInfo] = [], dynBytes: [UInt8] = [], dynIndex: [String: Int32] = [:]
    var segments: [PreHashWriter.Segment] = [], matches: [Int] = [], directValues: [TreeValue] = [], scratch: [UInt8] = []
    var cache: [PreHashWriter.CacheEntry] = [], cacheBytes: [UInt8] = []
    var memo = ValueMemo()
    var layouts = DirectLayouts()
    var recorder = PreHashRecorder()
    var plans = PreHashPlans()
    var planStarts: [Int] = []
    /// Events written by a plan on this thread (for tests).
    var planWrites = 0
    var out: [UInt8] = []
    /// Larger buffers are let go after the event that needed them (bytes, and nodes); more names
    /// than `keptNames` outside the static table, and the thread starts its names over.
    static let keptCapacity = 1 << 16, keptNodes = 1 << 12, keptNames = 4096

    private static let perThread = PerThread { PreHashWorkspace() }

    /// This thread's workspace.
    static var current: PreHashWorkspace { perThread.current }
}

/// Values and the text `RefPreHashRenderer.normaliseValue` makes of them, kept by their bytes
/// (one thread's, at most ``capacity`` entries; full, it starts over).
struct ValueMemo {
    private struct Entry { var hash: UInt64, key: Int32, keyCount: Int32, value: Int32, valueCount: Int32 }
    static let capacity = 1 << 12
    private var slots: [Int32] = []
    private var entries: [Entry] = []
    private var bytes: [UInt8] = []

    private static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        // FNV-1a: short ASCII keys, no adversary to fear (a collision only costs a comparison).
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for c in b { h = (h ^ UInt64(c)) &* 0x100_0000_01B3 }
        return h
    }

    /// Appends what `key` was remembered as to `out`; false when it was not.
    mutating func append(_ key: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        guard !slots.isEmpty, !key.isEmpty else { return false }
        let h = Self.hash(key), mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = slots[i]
            if e < 0 { return false }
            let entry = entries[Int(e)]
            if entry.hash == h, Int(entry.keyCount) == key.count,
               bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + Int(entry.key), key.baseAddress!, key.count) == 0 }) {
                bytes.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[Int(entry.value)..<Int(entry.value + entry.valueCount)])) }
                return true
            }
            i = (i + 1) & mask
        }
    }

    /// Remembers that `key` is written `value`.
    mutating func remember(_ key: UnsafeBufferPointer<UInt8>, _ value: String) {
        guard !key.isEmpty else { return }
        if slots.isEmpty || entries.count >= Self.capacity {
            slots = Array(repeating: -1, count: Self.capacity * 2)
            entries.removeAll(keepingCapacity: true)
            bytes.removeAll(keepingCapacity: true)
        }
        let h = Self.hash(key), mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        let k = Int32(bytes.count)
        bytes.append(contentsOf: key)
        let v = Int32(bytes.count)
        bytes.append(contentsOf: value.utf8)
        slots[i] = Int32(entries.count)
        entries.append(Entry(hash: h, key: k, keyCount: Int32(key.count), value: v, valueCount: Int32(bytes.count) - v))
    }
}

/// The member names of the last object ``PreHashWriter`` wrote field by field under each field
/// order, and what it made of them: the members it skipped, and the fields it wrote in the order
/// it wrote them. What it makes of an object's members depends on their names and the order
/// alone, and objects of one kind repeat their names (every sensor report of a leg has `time`,
/// `type`, `uom` and `value`): the next such object needs its names compared, not looked up and
/// sorted. One entry per order, kept by one thread.
struct DirectLayouts {
    private struct Entry {
        /// The names end to end, and where each ends.
        var names: [UInt8] = []
        var ends: [Int32] = []
        /// Bit m set: member m is not written.
        var skipped: UInt64 = 0
        /// The fields written, in order (``PreHashWriter``'s `matches` entries, member positions
        /// counted among the members not skipped).
        var plan: [Int] = []
        var valid = false
    }

    private var entries: [Entry] = []

    /// Whether the members of `object` have exactly the names remembered for `order`.
    func hasNames(of object: TreeValue, tape: JSONTapeView?, order: Int) -> Bool {
        guard order < entries.count, entries[order].valid else { return false }
        return entries[order].names.withUnsafeBufferPointer { names in
            entries[order].ends.withUnsafeBufferPointer { ends in
                var m = 0, start = 0, same = true
                TreeBuilder.forEachMember(tape, object) { key, _ in
                    guard same else { return }
                    guard m < ends.count else { same = false; return }
                    let end = Int(ends[m])
                    if end - start != key.count || (key.count > 0 && memcmp(names.baseAddress! + start, key.baseAddress!, key.count) != 0) {
                        same = false
                        return
                    }
                    start = end
                    m += 1
                }
                return same && m == ends.count
            }
        }
    }

    func skipped(_ order: Int) -> UInt64 { entries[order].skipped }

    func appendPlan(_ order: Int, to matches: inout [Int]) { matches.append(contentsOf: entries[order].plan) }

    /// Forgets `order`'s names, to record new ones with ``addName(_:_:)``.
    mutating func startNames(_ order: Int) {
        while entries.count <= order { entries.append(Entry()) }
        entries[order].valid = false
        entries[order].names.removeAll(keepingCapacity: true)
        entries[order].ends.removeAll(keepingCapacity: true)
    }

    mutating func addName(_ order: Int, _ key: UnsafeBufferPointer<UInt8>) {
        entries[order].names.append(contentsOf: key)
        entries[order].ends.append(Int32(entries[order].names.count))
    }

    /// Keeps the names added since ``startNames(_:)`` with what was made of them.
    mutating func remember(_ order: Int, skipped: UInt64, plan: ArraySlice<Int>) {
        entries[order].skipped = skipped
        entries[order].plan.removeAll(keepingCapacity: true)
        entries[order].plan.append(contentsOf: plan)
        entries[order].valid = true
    }
}
