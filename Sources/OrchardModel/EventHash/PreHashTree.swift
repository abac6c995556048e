// The intermediate tree the pre-hash string is built from. It mirrors the XML view of an
// event (element name, text, children), so JSON-LD and XML inputs hash alike.
//
// The tree is flat: nodes live in one array, children are index ranges into another, element
// names are small integers (interned spellings), and leaf text stays the parsed JSON value until
// it is written. Building it applies the JSON-to-XML corrections (`xList` members become one
// `xList` element with `x` children, `childEPCs` gets `epc` children, `inputEPC`/`outputEPC` →
// `epc`, `…Quantity` → `quantityElement`) as it goes. ReferencePreHash.swift keeps the String
// tree this replaces; its `correctStructure` is the specification of those rules.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A leaf's JSON value or a lazy element's object, where the event was read from: a parsed
/// tree or the tape of canonical text.
enum TreeValue {
    case none
    case json(JSONValue)
    case tape(Int32)
}

struct TreeNode {
    /// `lazy`: an object element whose children are not built yet; `value` holds the object.
    static let leaf: UInt8 = 0, container: UInt8 = 1, pair: UInt8 = 2, lazy: UInt8 = 3

    var name: Int32
    var kind: UInt8
    var scope: VocabularyScope
    /// Written (or left out) by an ordered parent, or moved to its extensions: no longer a child.
    var consumed = false
    /// Moved out as a user extension of an ordered parent.
    var taken = false
    var childStart: Int32 = 0
    var childCount: Int32 = 0
    /// Children not consumed yet.
    var live: Int32 = 0
    /// The leaf's JSON value (string, number, bool or null), the object of a lazy element;
    /// `.none` for other nodes.
    var value: TreeValue

    init(name: Int32, kind: UInt8, scope: VocabularyScope, value: TreeValue = .none) {
        self.name = name
        self.kind = kind
        self.scope = scope
        self.value = value
    }
}

/// Interns names and builds the corrected flat tree of one event.
struct TreeBuilder {
    let statics = StaticNames.shared
    // Copies of the static tables, so that reading them touches no class instance.
    let staticInfos: [NameInfo]
    let staticBytes: [UInt8]
    let staticSlots: [Int32]
    let staticCount: Int32
    let context: EventHashContext
    let topLevelIgnored: Bool
    var dynInfos: [NameInfo] = []
    var dynBytes: [UInt8] = []
    var dynIndex: [String: Int32] = [:]
    /// The tape the event's values are on, when it was read from one.
    let tape: JSONTapeView?
    var nodes: [TreeNode] = []
    var kids: [Int32] = []
    private var stack: [Int32] = []
    private var memberNames: [Int32] = []
    /// The values of the members whose names are in `memberNames`.
    private var memberValues: [TreeValue] = []
    /// Set when the input needs the String reference (non-ASCII keys or namespace URIs).
    var bail = false
    /// Bit n set when a namespace prefix of n bytes is declared (bit 63: 63 or more; all bits
    /// when a prefix is not ASCII).
    let prefixLengths: UInt64
    /// Bit b set when a declared prefix starts with byte 64·k + b (k = 0, 1; all bits when a
    /// prefix is not ASCII). An empty prefix counts as starting with byte 0.
    let prefixFirstLow: UInt64, prefixFirstHigh: UInt64

    init(context: EventHashContext, tape: JSONTapeView?, workspace ws: PreHashWorkspace) {
        self.context = context
        self.tape = tape
        staticInfos = statics.infos
        staticBytes = statics.bytes
        staticSlots = statics.slots
        staticCount = statics.count
        topLevelIgnored = !context.ignoredFields.isEmpty
        var mask: UInt64 = 0, low: UInt64 = 0, high: UInt64 = 0
        for k in context.namespaces.keys {
            if !Self.isASCII(k) { mask = ~0; low = ~0; high = ~0; break }
            mask |= 1 << UInt64(min(k.utf8.count, 63))
            let first = k.utf8.first ?? 0
            if first < 0x40 { low |= 1 << UInt64(first) } else { high |= 1 << UInt64(first & 0x3F) }
        }
        prefixLengths = mask
        prefixFirstLow = low
        prefixFirstHigh = high
        exchangeBuffers(with: ws)
    }

    /// Swaps this builder's buffers with the thread's workspace (borrowing or giving back).
    private mutating func exchangeBuffers(with ws: PreHashWorkspace) {
        swap(&nodes, &ws.nodes)
        swap(&kids, &ws.kids)
        swap(&stack, &ws.stack)
        swap(&memberNames, &ws.memberNames)
        swap(&memberValues, &ws.memberValues)
        swap(&dynInfos, &ws.dynInfos)
        swap(&dynBytes, &ws.dynBytes)
        swap(&dynIndex, &ws.dynIndex)
    }

    /// Empties the buffers and hands them back for the next event on this thread.
    mutating func giveBack(to ws: PreHashWorkspace) {
        nodes.removeAll(keepingCapacity: nodes.capacity <= PreHashWorkspace.keptNodes)
        kids.removeAll(keepingCapacity: kids.capacity <= PreHashWorkspace.keptNodes)
        stack.removeAll(keepingCapacity: true)
        memberNames.removeAll(keepingCapacity: true)
        memberValues.removeAll(keepingCapacity: true)
        // Names outside the static table are kept for the thread's next events: a name's ID, flags
        // and list element depend on its spelling alone, and events repeat the extension and
        // master-data names of the ones before (interning them again was a sixth of an event ID).
        if dynInfos.count > PreHashWorkspace.keptNames {
            dynInfos.removeAll(keepingCapacity: true)
            dynBytes.removeAll(keepingCapacity: true)
            dynIndex.removeAll()
        }
        exchangeBuffers(with: ws)
    }

    // MARK: - Names

    @inline(__always) func info(_ id: Int32) -> NameInfo {
        id < staticCount ? staticInfos[Int(id)] : dynInfos[Int(id - staticCount)]
    }

    /// The known name spelled `b`, or -1.
    @inline(__always) func staticName(_ b: UnsafeBufferPointer<UInt8>) -> Int32 {
        let mask = staticSlots.count - 1
        var h = Int(StaticNames.hash(b))
        while true {
            let id = staticSlots[h & mask]
            if id < 0 { return -1 }
            let i = staticInfos[Int(id)]
            if Int(i.count) == b.count && staticBytes.withUnsafeBufferPointer({
                b.isEmpty || memcmp($0.baseAddress! + Int(i.start), b.baseAddress!, b.count) == 0
            }) {
                return id
            }
            h &+= 1
        }
    }

    /// The known name spelled `s`, or -1.
    @inline(__always) func staticName(_ s: String) -> Int32 {
        s.withBytes { staticName($0) }
    }

    @inline(__always) func flags(_ id: Int32) -> UInt16 { info(id).flags }

    /// The ID of a spelling, adding it when new.
    mutating func intern(_ s: String) -> Int32 {
        let known = staticName(s)
        if known >= 0 { return known }
        if let id = dynIndex[s] { return id }
        guard Self.isASCII(s) else { bail = true; return KN.empty.rawValue }
        let id = staticCount + Int32(dynInfos.count)
        dynInfos.append(NameInfo(start: Int32(dynBytes.count), count: Int32(s.utf8.count),
                                 flags: NameInfo.flags(of: s), listElement: -1))
        dynBytes += s.utf8
        dynIndex[s] = id
        return id
    }

    /// The name of one element of list `id` (`id` without its "List").
    mutating func listElement(_ id: Int32) -> Int32 {
        let i = info(id)
        if i.listElement >= 0 { return i.listElement }
        let bytes = id < staticCount ? staticBytes : dynBytes
        let e = intern(String(decoding: bytes[Int(i.start)..<Int(i.start + i.count - 4)], as: UTF8.self))
        if id >= staticCount { dynInfos[Int(id - staticCount)].listElement = e }
        return e
    }

    /// The element name of a member key given as UTF-8 bytes (see ``memberName(_:topLevel:)``).
    mutating func memberName(bytes key: UnsafeBufferPointer<UInt8>, topLevel: Bool) -> Int32 {
        let id = staticName(key)
        if id >= 0 {
            let i = staticInfos[Int(id)]
            if i.flags & NameInfo.skippedKey != 0 { return -1 }
            if topLevel && topLevelIgnored && context.ignoredFields.contains(String(decoding: key, as: UTF8.self)) { return -1 }
            return id
        }
        return memberName(String(decoding: key, as: UTF8.self), topLevel: topLevel)
    }

    /// The element name of a member key, or -1 when the key is left out (comments, `@context`,
    /// `@xmlns…`, ignored event-level fields).
    mutating func memberName(_ key: String, topLevel: Bool) -> Int32 {
        let id = staticName(key)
        if id >= 0 {
            let i = staticInfos[Int(id)]
            if i.flags & NameInfo.skippedKey != 0 { return -1 }
            if topLevel && topLevelIgnored && context.ignoredFields.contains(key) { return -1 }
            return id
        }
        guard Self.isASCII(key) else { bail = true; return -1 }
        if key.utf8.starts(with: "@xmlns".utf8) { return -1 }
        if topLevel && topLevelIgnored && context.ignoredFields.contains(key) { return -1 }
        guard let colon = key.utf8.firstIndex(of: UInt8(ascii: ":")) else { return intern(key) }
        // `prefix:local` with a declared prefix becomes `{namespace}local` (RefHashTreeBuilder.expandKey;
        // the key is ASCII, so its first ":" byte is its first ":" character).
        let n = key.utf8.distance(from: key.utf8.startIndex, to: colon)
        guard mayBePrefix(length: n, first: n > 0 ? key.utf8.first! : 0), let ns = context.namespaces[String(key.utf8[..<colon])!] else { return intern(key) }
        return intern("{" + ns + "}" + String(key.utf8[key.utf8.index(after: colon)...])!)
    }

    /// Whether every byte of `s` is ASCII (read in place: the generic UTF-8 view walk cost more
    /// than the rest of interning a name).
    @inline(__always) static func isASCII(_ s: String) -> Bool {
        s.utf8.withContiguousStorageIfAvailable { b in !b.contains { $0 >= 0x80 } } ?? s.utf8.allSatisfy { $0 < 0x80 }
    }

    /// Whether a namespace prefix of `length` bytes starting with `first` may be declared
    /// (false means surely not).
    @inline(__always) func mayBePrefix(length: Int, first: UInt8) -> Bool {
        prefixLengths & (1 << UInt64(min(length, 63))) != 0
            && (first < 0x40 ? prefixFirstLow : prefixFirstHigh) & (1 << UInt64(first & 0x3F)) != 0
    }

    /// `prefix:local` with a declared prefix becomes `namespacelocal` (a full URI), as
    /// `RefHashTreeBuilder.expandValue` does, for ASCII text with its first ":" at `colon`;
    /// nil when the prefix is not declared (the text stays as it is).
    func expandedValue(_ value: String, colon: Int) -> String? {
        let u = value.utf8
        guard mayBePrefix(length: colon, first: colon > 0 ? u.first! : 0) else { return nil }
        let c = u.index(u.startIndex, offsetBy: colon)
        guard let ns = context.namespaces[String(u[..<c])!] else { return nil }
        return ns + String(u[u.index(after: c)...])!
    }

    @inline(__always) static func renamed(_ id: Int32, hasChildren: Bool) -> Int32 {
        switch id {
        case KN.inputEPC.rawValue, KN.outputEPC.rawValue: return KN.epc.rawValue
        case KN.inputQuantity.rawValue, KN.outputQuantity.rawValue, KN.childQuantity.rawValue:
            return KN.quantityElement.rawValue
        case KN.quantity.rawValue where hasChildren: return KN.quantityElement.rawValue
        default: return id
        }
    }

    // MARK: - Building

    private mutating func add(_ node: TreeNode) -> Int32 {
        nodes.append(node)
        return Int32(nodes.count - 1)
    }

    /// Moves the child IDs pushed since `mark` into `kids`.
    private mutating func popChildren(_ mark: Int) -> (Int32, Int32) {
        let start = Int32(kids.count), n = stack.count - mark
        kids.append(contentsOf: stack[mark...])
        while stack.count > mark { stack.removeLast() }
        return (start, Int32(n))
    }

    private mutating func container(_ name: Int32, _ scope: VocabularyScope, _ kind: UInt8 = TreeNode.container,
                                    children: (Int32, Int32)) -> Int32 {
        var n = TreeNode(name: name, kind: kind, scope: scope)
        (n.childStart, n.childCount) = children
        n.live = n.childCount
        return add(n)
    }

    // MARK: - Reading values (from the tree or the tape)

    @inline(__always) func kind(_ v: TreeValue) -> JSONKind {
        switch v {
        case .none: .null
        case let .json(j): JSONValueReader().kind(j)
        case let .tape(n): tape!.kind(n)
        }
    }

    /// Whether `v` is an array with no items.
    @inline(__always) func isEmptyArray(_ v: TreeValue) -> Bool {
        switch v {
        case .none: false
        case let .json(j): if case let .array(items) = j { items.isEmpty } else { false }
        case let .tape(n): tape!.kind(n) == .array && tape!.count(n) == 0
        }
    }

    // The visitors are static, given the tape: their bodies change the builder.

    /// `body` with each item of an array value.
    @inline(__always) static func forEachItem(_ tape: JSONTapeView?, _ v: TreeValue, _ body: (TreeValue) -> Void) {
        switch v {
        case .none: break
        case let .json(j): if case let .array(items) = j { for item in items { body(.json(item)) } }
        case let .tape(n): tape!.forEachItem(n) { body(.tape($0)) }
        }
    }

    /// `body` with each member of an object value: its name's UTF-8 bytes and its value.
    @inline(__always) static func forEachMember(_ tape: JSONTapeView?, _ v: TreeValue, _ body: (UnsafeBufferPointer<UInt8>, TreeValue) -> Void) {
        switch v {
        case .none: break
        case let .json(j): JSONValueReader().forEachMember(j) { body($0, .json($1)) }
        case let .tape(n): tape!.forEachMember(n) { body($0, .tape($1)) }
        }
    }

    /// Each item of an array value, or the value itself.
    @inline(__always) static func forEachElement(_ tape: JSONTapeView?, of v: TreeValue, _ body: (TreeValue) -> Void) {
        let isArray = switch v {
        case .none: false
        case let .json(j): if case .array = j { true } else { false }
        case let .tape(n): tape!.kind(n) == .array
        }
        if isArray { forEachItem(tape, v, body) } else { body(v) }
    }

    // MARK: - Building

    /// The root: the corrected children of the event's members (an object).
    mutating func root(_ event: TreeValue) -> Int32 {
        let children = correctedMembers(event, scope: .event, topLevel: true)
        return container(KN.empty.rawValue, .event, children: children)
    }

    /// The corrected children of an object: plain members in order, then one element per list
    /// name (in order of first appearance), then `childEPCs`.
    private mutating func correctedMembers(_ object: TreeValue, scope: VocabularyScope, topLevel: Bool) -> (Int32, Int32) {
        let mark = stack.count, nmark = memberNames.count
        var special = false
        Self.forEachMember(tape, object) { key, value in
            let id = memberName(bytes: key, topLevel: topLevel)
            memberNames.append(id)
            memberValues.append(value)
            if id < 0 { return }
            let f = flags(id)
            if f & (NameInfo.list | NameInfo.childEPCs) != 0 { special = true; return }
            let s = scope.child(id)
            Self.forEachElement(tape, of: value) { item in
                let c = corrected(id, item, s)
                stack.append(c)
            }
        }
        let count = memberNames.count - nmark
        if special {
            var hasChildEPCs = false
            for i in 0..<count {
                let id = memberNames[nmark + i]
                guard id >= 0 else { continue }
                let f = flags(id)
                if f & NameInfo.childEPCs != 0 { hasChildEPCs = true; continue }
                guard f & NameInfo.list != 0, !memberNames[nmark..<(nmark + i)].contains(id) else { continue }
                // A list with no elements adds nothing (as in the reference and the fallback
                // renderer): `"bizTransactionList": []` hashes like an event without it.
                guard hasElements(id, nmark, count, from: i) else { continue }
                let g = group(id, nmark, count, from: i, scope: scope)
                stack.append(g)
            }
            if hasChildEPCs {
                let g = childEPCs(KN.childEPCs.rawValue, nmark, count, from: 0, scope: scope)
                stack.append(g)
            }
        }
        while memberNames.count > nmark { memberNames.removeLast() }
        while memberValues.count > nmark { memberValues.removeLast() }
        return popChildren(mark)
    }

    /// Calls `body` with each element of the members named `name` from member `from` on (the
    /// items of an array value, or the value itself), among the `count` members at `nmark`.
    @inline(__always)
    private mutating func forEachElement(_ name: Int32, _ nmark: Int, _ count: Int, from: Int,
                                         _ body: (inout TreeBuilder, TreeValue) -> Void) {
        for i in from..<count where memberNames[nmark + i] == name {
            let v = memberValues[nmark + i]
            if kind(v) == .array {
                Self.forEachItem(tape, v) { item in body(&self, item) }
            } else {
                body(&self, v)
            }
        }
    }

    /// Whether any member named `name` from member `from` on has an element (a value that is not
    /// an empty array).
    private func hasElements(_ name: Int32, _ nmark: Int, _ count: Int, from: Int) -> Bool {
        for i in from..<count where memberNames[nmark + i] == name {
            if isEmptyArray(memberValues[nmark + i]) { continue }
            return true
        }
        return false
    }

    /// The list element `list` holding the elements of the members named `source`.
    private mutating func group(_ list: Int32, _ nmark: Int, _ count: Int, from: Int, scope: VocabularyScope,
                                source: Int32? = nil) -> Int32 {
        let source = source ?? list
        let s = scope.child(source)
        let mark = stack.count
        if flags(list) & NameInfo.typedList != 0 {
            forEachElement(source, nmark, count, from: from) { b, item in
                let p = b.pair(item, s)
                b.stack.append(p)
            }
        } else {
            let element = listElement(list)
            let f = flags(element)
            if f & NameInfo.list != 0 {
                let g = group(element, nmark, count, from: from, scope: scope, source: source)
                stack.append(g)
            } else if f & NameInfo.childEPCs != 0 {
                let g = childEPCs(source, nmark, count, from: from, scope: scope)
                stack.append(g)
            } else {
                forEachElement(source, nmark, count, from: from) { b, item in
                    let c = b.corrected(element, item, s)
                    b.stack.append(c)
                }
            }
        }
        let children = popChildren(mark)
        return container(Self.renamed(list, hasChildren: children.1 > 0), s, children: children)
    }

    /// A `childEPCs` element with one `epc` per element of the members named `source` (their
    /// text only).
    private mutating func childEPCs(_ source: Int32, _ nmark: Int, _ count: Int, from: Int,
                                    scope: VocabularyScope) -> Int32 {
        let s = scope.child(source)
        let mark = stack.count
        forEachElement(source, nmark, count, from: from) { b, item in
            let k = b.kind(item)
            let value: TreeValue = k == .object || k == .array ? .none : item
            let c = b.add(TreeNode(name: KN.epc.rawValue, kind: TreeNode.leaf, scope: s, value: value))
            b.stack.append(c)
        }
        let children = popChildren(mark)
        return container(KN.childEPCs.rawValue, s, children: children)
    }

    /// A corrected element named `name` for a JSON value.
    private mutating func corrected(_ name: Int32, _ value: TreeValue, _ scope: VocabularyScope) -> Int32 {
        switch kind(value) {
        case .object:
            // Built when first needed (`expand`); often never, when the renderer writes the
            // object's members straight from the JSON.
            var renamed = name
            if name == KN.quantity.rawValue {
                renamed = hasChildren(value) ? KN.quantityElement.rawValue : name
            } else {
                renamed = Self.renamed(name, hasChildren: true)
            }
            return add(TreeNode(name: renamed, kind: TreeNode.lazy, scope: scope, value: value))
        case .array:
            // A list inside a list has no element name of its own.
            let mark = stack.count
            Self.forEachItem(tape, value) { item in let c = corrected(KN.empty.rawValue, item, scope); stack.append(c) }
            let children = popChildren(mark)
            return container(Self.renamed(name, hasChildren: children.1 > 0), scope, children: children)
        default:
            return add(TreeNode(name: Self.renamed(name, hasChildren: false), kind: TreeNode.leaf, scope: scope, value: value))
        }
    }

    /// Whether an object's members give its element any children (the corrected ones).
    private mutating func hasChildren(_ object: TreeValue) -> Bool {
        var found = false
        Self.forEachMember(tape, object) { key, value in
            if found || memberName(bytes: key, topLevel: false) < 0 || isEmptyArray(value) { return }
            found = true
        }
        return found
    }

    /// Builds the children of a lazy object element.
    mutating func expand(_ c: Int) {
        guard nodes[c].kind == TreeNode.lazy else { return }
        let children = correctedMembers(nodes[c].value, scope: nodes[c].scope, topLevel: false)
        nodes[c].kind = TreeNode.container
        nodes[c].value = .none
        (nodes[c].childStart, nodes[c].childCount) = children
        nodes[c].live = children.1
    }

    /// An element named `name` as written, without the corrections (typed list entries keep theirs).
    private mutating func raw(_ name: Int32, _ value: TreeValue, _ scope: VocabularyScope) -> Int32 {
        switch kind(value) {
        case .object:
            let mark = stack.count
            Self.forEachMember(tape, value) { key, v in
                let id = memberName(bytes: key, topLevel: false)
                if id < 0 { return }
                let s = scope.child(id)
                Self.forEachElement(tape, of: v) { item in let c = raw(id, item, s); stack.append(c) }
            }
            return container(name, scope, children: popChildren(mark))
        case .array:
            let mark = stack.count
            Self.forEachItem(tape, value) { item in let c = raw(KN.empty.rawValue, item, scope); stack.append(c) }
            return container(name, scope, children: popChildren(mark))
        default:
            return add(TreeNode(name: name, kind: TreeNode.leaf, scope: scope, value: value))
        }
    }

    /// A typed entry: `type` first, then the identifier (other members are not part of the hash).
    private mutating func pair(_ entry: TreeValue, _ scope: VocabularyScope) -> Int32 {
        let mark = stack.count
        switch kind(entry) {
        case .object:
            var type: (Int32, TreeValue, VocabularyScope)?, id: (Int32, TreeValue, VocabularyScope)?
            Self.forEachMember(tape, entry) { key, v in
                if type != nil && id != nil { return }
                let name = memberName(bytes: key, topLevel: false)
                if name < 0 { return }
                Self.forEachElement(tape, of: v) { item in
                    if type != nil && id != nil { return }
                    if name == KN.type.rawValue { if type == nil { type = (name, item, scope.child(name)) } }
                    else if id == nil { id = (name, item, scope.child(name)) }
                }
            }
            if let type { let c = raw(type.0, type.1, type.2); stack.append(c) }
            if let id { let c = raw(id.0, id.1, id.2); stack.append(c) }
        case .array:
            var first: TreeValue?
            Self.forEachItem(tape, entry) { item in if first == nil { first = item } }
            if let first { let c = raw(KN.empty.rawValue, first, scope); stack.append(c) }
        default:
            break
        }
        return container(KN.empty.rawValue, .none, TreeNode.pair, children: popChildren(mark))
    }
}
