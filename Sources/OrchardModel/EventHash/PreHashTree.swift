// The intermediate tree the pre-hash string is built from. It mirrors the XML view of an
// event (element name, text, children), so JSON-LD and XML inputs hash alike.

/// One element: name, text value and children. A `pair` node is one typed entry of
/// `bizTransactionList`, `sourceList` or `destinationList` (type first, then the ID).
struct HashNode {
    var name: String
    var text: String
    var children: [HashNode]
    var isPair = false

    init(_ name: String, _ text: String = "", _ children: [HashNode] = [], isPair: Bool = false) {
        self.name = name
        self.text = text
        self.children = children
        self.isPair = isPair
    }
}

/// Builds the tree from one JSON-LD event.
struct HashTreeBuilder {
    let context: EventHashContext

    /// Keys left out at every level (JSON-LD comments) and at event level (identity-free fields).
    static let commentKeys: Set<String> = ["#text", "rdfs:comment", "comment"]

    /// The children of an event or nested object.
    func children(of members: [JSONMember], vocabulary: VocabularyScope, topLevel: Bool) -> [HashNode] {
        var out: [HashNode] = []
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

    private func node(_ name: String, _ value: JSONValue, _ scope: VocabularyScope) -> HashNode {
        switch value {
        case let .string(s): return HashNode(name, scope.expand(expandValue(s)))
        case let .number(n): return HashNode(name, PythonNumber.format(n.value))
        case let .bool(b): return HashNode(name, b ? "true" : "false")
        case .null: return HashNode(name)
        case let .object(members): return HashNode(name, "", children(of: members, vocabulary: scope, topLevel: false))
        case let .array(items):
            // A list inside a list has no element name of its own.
            return HashNode(name, "", items.map { node("", $0, scope) })
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
    static func correctStructure(_ node: HashNode) -> HashNode {
        var plain: [HashNode] = []
        var lists: [(String, [HashNode])] = []
        var childEPCs: [HashNode] = []
        for child in node.children {
            if child.name.hasSuffix("List") {
                let element = HashNode(String(child.name.dropLast(4)), child.text, child.children)
                if let i = lists.firstIndex(where: { $0.0 == child.name }) { lists[i].1.append(element) }
                else { lists.append((child.name, [element])) }
            } else if child.name == "childEPCs" {
                childEPCs.append(HashNode("epc", child.text))
            } else {
                plain.append(child)
            }
        }
        var corrected: [HashNode] = plain.map(correctStructure)
        for (name, elements) in lists {
            if typedLists.contains(name) {
                corrected.append(HashNode(name, "", elements.map(typedPair)))
            } else {
                corrected.append(correctStructure(HashNode(name, "", elements)))
            }
        }
        if !childEPCs.isEmpty { corrected.append(HashNode("childEPCs", "", childEPCs)) }
        var out = HashNode(node.name, node.text, corrected, isPair: node.isPair)
        switch out.name {
        case "inputEPC", "outputEPC": out.name = "epc"
        case "inputQuantity", "outputQuantity", "childQuantity": out.name = "quantityElement"
        case "quantity" where !out.children.isEmpty: out.name = "quantityElement"
        default: break
        }
        return out
    }

    /// A typed entry: `type` first, then the identifier (other members are not part of the hash).
    static func typedPair(_ entry: HashNode) -> HashNode {
        let type = entry.children.first { $0.name == "type" }
        let id = entry.children.first { $0.name != "type" }
        return HashNode("", "", [type, id].compactMap { $0 }, isPair: true)
    }
}

/// Which CBV vocabulary a bare word in the current position belongs to, following the EPCIS
/// 2.0 JSON-LD context (`bizStep`, `disposition`, typed list entries, sensor reports).
enum VocabularyScope {
    case event, none, bizStep, disposition, persistentDisposition, btt, sdtList, sdt, sensorList, sensorElement,
         sensorReport, measurementType, alertType, component, btList

    func child(_ key: String) -> VocabularyScope {
        switch (self, key) {
        case (.event, "bizStep"): return .bizStep
        case (.event, "disposition"): return .disposition
        case (.event, "persistentDisposition"): return .persistentDisposition
        case (.persistentDisposition, "set"), (.persistentDisposition, "unset"): return .disposition
        case (.event, "bizTransactionList"): return .btList
        case (.btList, "type"): return .btt
        case (.event, "sourceList"), (.event, "destinationList"): return .sdtList
        case (.sdtList, "type"): return .sdt
        case (.event, "sensorElementList"): return .sensorList
        case (.sensorList, "sensorReport"): return .sensorReport
        case (.sensorReport, "type"): return .measurementType
        case (.sensorReport, "exception"): return .alertType
        case (.sensorReport, "component"): return .component
        default: return .none
        }
    }

    /// The Web URI of a bare CBV word in this position; anything else unchanged.
    func expand(_ value: String) -> String {
        switch self {
        case .bizStep: return BizStep(rawValue: value)?.webURI ?? value
        case .disposition: return Disposition(rawValue: value)?.webURI ?? value
        case .btt: return BusinessTransactionType(rawValue: value)?.webURI ?? value
        case .sdt: return SourceDestinationType(rawValue: value)?.webURI ?? value
        case .measurementType: return MeasurementType(rawValue: value)?.webURI ?? value
        case .alertType: return SensorAlertType(rawValue: value)?.webURI ?? value
        case .component: return SensorComponent(rawValue: value)?.webURI ?? value
        default: return value
        }
    }
}
