// The pre-hash implementation as it was before the byte renderer: a tree of Swift Strings,
// rendered by concatenation. Kept, unchanged in behaviour, as the reference the fast path falls
// back to for unusual input (non-ASCII keys) and that EventHashSpeedTests compares it with.

enum ReferencePreHash {
    static func preHashString(for event: JSONValue, context: EventHashContext = .init()) throws(EventHashError) -> String {
        guard case let .object(members) = event else { throw .notAnObject }
        guard let type = members.first(where: { $0.key == "type" })?.value.stringValue, !type.isEmpty else {
            throw .missingEventType
        }
        let builder = RefHashTreeBuilder(context: context)
        let root = RefHashNode(type, "", builder.children(of: members, vocabulary: .event, topLevel: true))
        var children = RefHashTreeBuilder.correctStructure(root).children
        var out = "eventType=" + type
        out += RefPreHashRenderer.ordered(&children, RefFieldOrder.event)
        children.removeAll { RefPreHashRenderer.ignoredAtEventLevel.contains($0.name) }
        out += RefPreHashRenderer.generic(children)
        return out
    }
}

/// One element: name, text value and children. A `pair` node is one typed entry of
/// `bizTransactionList`, `sourceList` or `destinationList` (type first, then the ID).
struct RefHashNode {
    var name: String
    var text: String
    var children: [RefHashNode]
    var isPair = false

    init(_ name: String, _ text: String = "", _ children: [RefHashNode] = [], isPair: Bool = false) {
        self.name = name
        self.text = text
        self.children = children
        self.isPair = isPair
    }
}

/// Builds the tree from one JSON-LD event.
struct RefHashTreeBuilder {
    let context: EventHashContext

    /// Keys left out at every level (JSON-LD comments) and at event level (identity-free fields).
    static let commentKeys: Set<String> = ["#text", "rdfs:comment", "comment"]

    /// The children of an event or nested object.
    func children(of members: [JSONMember], vocabulary: VocabularyScope, topLevel: Bool) -> [RefHashNode] {
        var out: [RefHashNode] = []
        out.reserveCapacity(members.count)
        for m in members {
            if Self.commentKeys.contains(m.key) || m.key == "@context" || m.key.hasPrefix("@xmlns") { continue }
            if topLevel && context.ignoredFields.contains(m.key) { continue }
            let name = expandKey(m.key)
            let scope = vocabulary.child(m.key)
            if case let .array(items) = m.value {
                for item in items { out.append(node(name, item, scope)) }
            } else {
                out.append(node(name, m.value, scope))
            }
        }
        return out
    }

    private func node(_ name: String, _ value: JSONValue, _ scope: VocabularyScope) -> RefHashNode {
        switch value {
        case let .string(s): return RefHashNode(name, scope.expand(expandValue(s)))
        case let .number(n): return RefHashNode(name, PythonNumber.format(n.value))
        case let .bool(b): return RefHashNode(name, b ? "true" : "false")
        case .null: return RefHashNode(name)
        case let .object(members): return RefHashNode(name, "", children(of: members, vocabulary: scope, topLevel: false))
        case let .array(items):
            // A list inside a list has no element name of its own.
            return RefHashNode(name, "", items.map { node("", $0, scope) })
        }
    }

    /// `prefix:local` with a declared prefix becomes `{namespace}local`.
    func expandKey(_ key: String) -> String {
        guard let colon = key.firstIndex(of: ":"), let ns = context.namespaces[String(key[..<colon])] else { return key }
        return "{" + ns + "}" + key[key.index(after: colon)...]
    }

    /// `prefix:local` with a declared prefix becomes `namespacelocal` (a full URI).
    func expandValue(_ value: String) -> String {
        guard let colon = value.firstIndex(of: ":"), let ns = context.namespaces[String(value[..<colon])] else { return value }
        return ns + value[value.index(after: colon)...]
    }

    // MARK: - Matching the XML structure

    static let typedLists: Set<String> = ["bizTransactionList", "sourceList", "destinationList"]

    /// Turns JSON list conventions into the XML element structure, recursively: `xList` members
    /// become one `xList` element with `x` children, `childEPCs` gets `epc` children, and the
    /// XML names `inputEPC`/`outputEPC` (→ `epc`) and `…Quantity` (→ `quantityElement`) are aligned.
    static func correctStructure(_ node: RefHashNode) -> RefHashNode {
        var plain: [RefHashNode] = []
        var lists: [(String, [RefHashNode])] = []
        var childEPCs: [RefHashNode] = []
        for child in node.children {
            if child.name.hasSuffix("List") {
                let element = RefHashNode(String(child.name.dropLast(4)), child.text, child.children)
                if let i = lists.firstIndex(where: { $0.0 == child.name }) { lists[i].1.append(element) }
                else { lists.append((child.name, [element])) }
            } else if child.name == "childEPCs" {
                childEPCs.append(RefHashNode("epc", child.text))
            } else {
                plain.append(child)
            }
        }
        var corrected: [RefHashNode] = plain.map(correctStructure)
        for (name, elements) in lists {
            if typedLists.contains(name) {
                corrected.append(RefHashNode(name, "", elements.map(typedPair)))
            } else {
                corrected.append(correctStructure(RefHashNode(name, "", elements)))
            }
        }
        if !childEPCs.isEmpty { corrected.append(RefHashNode("childEPCs", "", childEPCs)) }
        var out = RefHashNode(node.name, node.text, corrected, isPair: node.isPair)
        switch out.name {
        case "inputEPC", "outputEPC": out.name = "epc"
        case "inputQuantity", "outputQuantity", "childQuantity": out.name = "quantityElement"
        case "quantity" where !out.children.isEmpty: out.name = "quantityElement"
        default: break
        }
        return out
    }

    /// A typed entry: `type` first, then the identifier (other members are not part of the hash).
    static func typedPair(_ entry: RefHashNode) -> RefHashNode {
        let type = entry.children.first { $0.name == "type" }
        let id = entry.children.first { $0.name != "type" }
        return RefHashNode("", "", [type, id].compactMap { $0 }, isPair: true)
    }
}

/// The order of an element's children; `nil` sub-order means a plain value.
struct RefFieldOrder: Sendable {
    let name: String
    let children: [RefFieldOrder]?
    init(_ name: String, _ children: [RefFieldOrder]? = nil) { self.name = name; self.children = children }

    static let quantity = [RefFieldOrder("quantityElement", [RefFieldOrder("epcClass"), RefFieldOrder("quantity"), RefFieldOrder("uom")])]
    static let epcs = [RefFieldOrder("epc")]

    /// CBV 2.0 §8.9 order, as written by the reference implementation (see ALGORITHM.md).
    static let event: [RefFieldOrder] = [
        RefFieldOrder("eventTime"), RefFieldOrder("eventTimeZoneOffset"), RefFieldOrder("certificationInfo"),
        RefFieldOrder("parentID"), RefFieldOrder("epcList", epcs), RefFieldOrder("inputEPCList", epcs),
        RefFieldOrder("childEPCs", epcs), RefFieldOrder("quantityList", quantity), RefFieldOrder("childQuantityList", quantity),
        RefFieldOrder("inputQuantityList", quantity), RefFieldOrder("outputEPCList", epcs),
        RefFieldOrder("outputQuantityList", quantity), RefFieldOrder("action"), RefFieldOrder("transformationID"),
        RefFieldOrder("bizStep"), RefFieldOrder("disposition"),
        RefFieldOrder("persistentDisposition", [RefFieldOrder("set"), RefFieldOrder("unset")]),
        RefFieldOrder("readPoint", [RefFieldOrder("id")]), RefFieldOrder("bizLocation", [RefFieldOrder("id")]),
        RefFieldOrder("sensorElementList", [RefFieldOrder("sensorElement", [
            RefFieldOrder("sensorMetadata", ["time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData",
                                          "dataProcessingMethod", "bizRules"].map { RefFieldOrder($0) }),
            RefFieldOrder("sensorReport", ["type", "exception", "deviceID", "deviceMetadata", "rawData",
                                        "dataProcessingMethod", "time", "microorganism", "chemicalSubstance", "value",
                                        "component", "stringValue", "booleanValue", "hexBinaryValue", "uriValue",
                                        "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue", "uom",
                                        "coordinateReferenceSystem"].map { RefFieldOrder($0) }),
        ])]),
    ]
}

enum RefPreHashRenderer {
    /// Event-level fields that do not identify the event.
    static let ignoredAtEventLevel: Set<String> = ["recordTime", "eventID", "type", "errorDeclaration"]

    /// Writes `children` in `order`, consuming what it writes. Elements that were written
    /// completely are removed, so what remains afterwards is what the order does not cover.
    static func ordered(_ children: inout [RefHashNode], _ order: [RefFieldOrder]) -> String {
        var out = ""
        let extensions = takeExtensions(&children)
        for field in order {
            var values: [String] = []
            var i = 0
            while i < children.count {
                guard children[i].name == field.name else { i += 1; continue }
                let s = element(&children[i], field.children)
                if !s.isEmpty { values.append(s) }
                if children[i].children.isEmpty { children.remove(at: i) } else { i += 1 }
            }
            if values.count > 1 { values.sort(by: byteOrder) }
            for v in values { out += v }
        }
        if !extensions.isEmpty { out += generic(extensions) }
        return out
    }

    /// Moves user extensions (`{namespace/}name`) out of a nested element so they are written
    /// after its standard fields. Event-level extensions are left for the final, sorted part.
    static func takeExtensions(_ children: inout [RefHashNode]) -> [RefHashNode] {
        guard children.count > 1,
              !children.contains(where: { $0.name.refUTF8Contains("eventTime") || $0.name.refUTF8Contains("action") }) else { return [] }
        var taken: [RefHashNode] = []
        children.removeAll { node in
            let isExtension = node.name.utf8.first == UInt8(ascii: "{") && node.name.refUTF8Contains("/}")
            if isExtension { taken.append(node) }
            return isExtension
        }
        return taken
    }

    static func element(_ node: inout RefHashNode, _ order: [RefFieldOrder]?) -> String {
        var nested = ""
        if let order { nested = ordered(&node.children, order) }
        var text = trim(node.text)
        if !text.isEmpty {
            text = "=" + (isTimeField(node.name) ? normaliseTime(text) : normaliseValue(text))
        }
        return text.isEmpty && nested.isEmpty ? "" : node.name + text + nested
    }

    /// Writes elements not covered by a field order: `name[=value]` then their children,
    /// siblings sorted by byte order (typed-entry members keep type-then-ID order).
    static func generic(_ children: [RefHashNode]) -> String {
        var values: [String] = []
        values.reserveCapacity(children.count)
        for child in children {
            if child.isPair {
                values.append(child.children.map { one($0) }.joined())
            } else {
                values.append(one(child))
            }
        }
        if values.count > 1 { values.sort(by: byteOrder) }
        return values.joined()
    }

    private static func one(_ node: RefHashNode) -> String {
        let t = trim(node.text)
        return node.name + (t.isEmpty ? "" : "=" + normaliseValue(t)) + generic(node.children)
    }

    /// Fields whose name mentions "time" (but not "offset") hold timestamps.
    static func isTimeField(_ name: String) -> Bool {
        name.refUTF8Contains("time", caseInsensitive: true) && !name.refUTF8Contains("offset", caseInsensitive: true)
    }

    /// UTC with milliseconds; text that is not a timestamp is kept as it is. A timestamp
    /// without an offset is read as UTC.
    static func normaliseTime(_ text: String) -> String {
        if let t = try? EPCISTimestamp(text) { return t.utcMillisecondString }
        if let t = try? EPCISTimestamp(text + "Z") { return t.utcMillisecondString }
        return text
    }

    /// CBV URNs to Web URIs, numbers to their short form, GS1 identifiers to constrained
    /// canonical Digital Links.
    static func normaliseValue(_ text: String) -> String {
        var v = CBV.webURI(fromURN: text)
        if let first = v.utf8.first, (first >= 0x30 && first <= 0x39) || first == 0x2B || first == 0x2D || first == 0x2E,
           let n = PythonNumber.normalise(Substring(v)) {
            v = n
        }
        return CanonicalDigitalLink.normalise(v) ?? v
    }

    static func trim(_ s: String) -> String {
        guard let f = s.utf8.first, let l = s.utf8.last, isSpace(f) || isSpace(l) else { return s }
        let u = s.utf8
        guard let start = u.firstIndex(where: { !isSpace($0) }), let end = u.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: u[start...end], as: UTF8.self)
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C }

    static func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
}

extension String {
    /// Byte-wise substring test (ASCII case folding optional): the hash runs once per ingested
    /// event, and the generic `contains` of _StringProcessing was a measurable share of it.
    func refUTF8Contains(_ needle: StaticString, caseInsensitive: Bool = false) -> Bool {
        var s = self
        return s.withUTF8 { NameInfo.bytes($0, contain: needle, foldingCase: caseInsensitive) }
    }
}
