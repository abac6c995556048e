// What an event says about the things it names, for the trace indexes: every identifier with
// the roles it plays, and the lineage edges (transformation, packing, unpacking) it makes.

/// The roles an identifier plays in one event (a set: a pallet can be parent and subject).
public struct NamingRoles: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// In `epcList` or `quantityList`.
    public static let subject = NamingRoles(rawValue: 1)
    /// In `childEPCs` or `childQuantityList`.
    public static let child = NamingRoles(rawValue: 2)
    /// In `inputEPCList` or `inputQuantityList`.
    public static let input = NamingRoles(rawValue: 4)
    /// In `outputEPCList` or `outputQuantityList`.
    public static let output = NamingRoles(rawValue: 8)
    /// The `parentID` of an aggregation or association (a pallet, a case).
    public static let parent = NamingRoles(rawValue: 16)

    init(_ role: EPCISListRole) {
        switch role {
        case .subject: self = .subject
        case .child: self = .child
        case .input: self = .input
        case .output: self = .output
        }
    }

    /// The role names, for JSON and people: `["parent", "subject"]`.
    public var names: [String] {
        [(NamingRoles.subject, "subject"), (.child, "child"), (.input, "input"), (.output, "output"), (.parent, "parent")]
            .filter { contains($0.0) }.map(\.1)
    }
}

/// How a lineage edge was made. The raw values are stored (Docs/FORMAT.md §7).
public enum LineageKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// A TransformationEvent made the output from the input.
    case transformation = 1
    /// An AggregationEvent `ADD` put the child into the parent: its presence starts.
    case aggregation = 2
    /// An AggregationEvent `DELETE` took the child out of the parent: its presence ends.
    case disaggregation = 3
    /// An AssociationEvent `ADD` associated the child with the parent.
    case association = 4
    /// An AssociationEvent `DELETE` ended the association.
    case dissociation = 5

    public var description: String {
        switch self {
        case .transformation: "transformation"
        case .aggregation: "aggregation"
        case .disaggregation: "disaggregation"
        case .association: "association"
        case .dissociation: "dissociation"
        }
    }

    /// Whether the edge ends an earlier edge's presence (unpacking, dissociation).
    public var endsPresence: Bool { self == .disaggregation || self == .dissociation }
}

/// One lineage edge as an event makes it: from the output or parent to the input or child.
public struct LineageEdge: Hashable, Sendable {
    /// The transformation's output, or the aggregation's parent.
    public let from: TraceKey
    /// The transformation's input, or the child; nil for a `DELETE` that names no children,
    /// which EPCIS defines as taking every child out of the parent.
    public let to: TraceKey?
    public let kind: LineageKind

    public init(from: TraceKey, to: TraceKey?, kind: LineageKind) {
        self.from = from
        self.to = to
        self.kind = kind
    }
}

extension EPCISEvent {
    /// Every identifier the event names — quantity-list classes, `epcList`, `parentID`,
    /// `childEPCs`, `inputEPCList`, `outputEPCList` — each once, with the roles it plays, in
    /// order of first mention.
    public var namedIdentifiers: [(key: TraceKey, roles: NamingRoles)] {
        var out = [(key: TraceKey, roles: NamingRoles)]()
        out.reserveCapacity(quantities.count + epcs.count + 1)
        func add(_ key: TraceKey, _ roles: NamingRoles) {
            if let i = out.firstIndex(where: { $0.key == key }) { out[i].roles.formUnion(roles) } else { out.append((key, roles)) }
        }
        if let parentID { add(TraceKey(parentID), .parent) }
        for q in quantities { add(q.lot, NamingRoles(q.role)) }
        for e in epcs { add(TraceKey(e.epc), NamingRoles(e.role)) }
        return out
    }

    /// The lineage edges the event makes: output → input for a transformation (every output
    /// from every input), parent → child for an aggregation or association `ADD` or `DELETE`
    /// (`OBSERVE` only confirms what is known and makes none).
    public var lineageEdges: [LineageEdge] {
        var edges = [LineageEdge]()
        if type == .transformation {
            let outputs = quantities.filter { $0.role == .output }.map(\.lot) + epcs.filter { $0.role == .output }.map { TraceKey($0.epc) }
            let inputs = quantities.filter { $0.role == .input }.map(\.lot) + epcs.filter { $0.role == .input }.map { TraceKey($0.epc) }
            for o in outputs { for i in inputs { edges.append(LineageEdge(from: o, to: i, kind: .transformation)) } }
        }
        if let parentID, type == .aggregation || type == .association, let action, action != .observe {
            let kind: LineageKind = switch (type, action) {
            case (.aggregation, .add): .aggregation
            case (.aggregation, _): .disaggregation
            case (_, .add): .association
            default: .dissociation
            }
            let parent = TraceKey(parentID)
            let children = quantities.filter { $0.role == .child }.map(\.lot) + epcs.filter { $0.role == .child }.map { TraceKey($0.epc) }
            for c in children { edges.append(LineageEdge(from: parent, to: c, kind: kind)) }
            if children.isEmpty, kind.endsPresence { edges.append(LineageEdge(from: parent, to: nil, kind: kind)) }
        }
        return edges
    }
}
