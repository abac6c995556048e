// The lineage a bundle claims (`lots`): for every identifier its events name, which events name it
// and with which roles, and the lineage links those events make from it. It is derived from the
// events alone, so a verifier recomputes it and compares; the writer and the verifier share this
// one derivation.
import OrchardModel

extension TraceBundle {
    /// One identifier (lot, case, pallet, any EPC) the journey's events name.
    public struct Lot: Hashable, Sendable {
        /// Its canonical trace key.
        public let key: TraceKey
        /// The events that name it, in leaf order, with the roles it plays in each.
        public var namedBy: [Naming]
        /// The lineage links events make from it (it is the output or the parent), in leaf order.
        public var links: [Link]

        public init(key: TraceKey, namedBy: [Naming] = [], links: [Link] = []) {
            self.key = key
            self.namedBy = namedBy
            self.links = links
        }
    }

    /// An event naming an identifier: its leaf and the roles the identifier plays in it.
    public struct Naming: Hashable, Sendable {
        public let leaf: UInt64
        public let roles: NamingRoles

        public init(leaf: UInt64, roles: NamingRoles) {
            self.leaf = leaf
            self.roles = roles
        }
    }

    /// A lineage link an event makes from an output or parent to an input or child.
    public struct Link: Hashable, Sendable {
        /// The leaf of the event that makes it.
        public let leaf: UInt64
        public let kind: LineageKind
        /// The input or child; nil for a `DELETE` that names no child (every child taken out).
        public let to: TraceKey?

        public init(leaf: UInt64, kind: LineageKind, to: TraceKey?) {
            self.leaf = leaf
            self.kind = kind
            self.to = to
        }
    }

    /// The lots the events claim, by key: every identifier each event names
    /// (`EPCISEvent.namedIdentifiers`) and the lineage edges it makes (`EPCISEvent.lineageEdges`;
    /// none for an error declaration, which re-states an event already in the lineage).
    public static func lots(of events: [TraceRecord]) -> [Lot] {
        var byKey = [TraceKey: Lot]()
        for record in events.sorted(by: { $0.leafIndex < $1.leafIndex }) {
            for (key, roles) in record.event.namedIdentifiers {
                byKey[key, default: Lot(key: key)].namedBy.append(Naming(leaf: record.leafIndex, roles: roles))
            }
            guard record.event.errorDeclaration == nil else { continue }
            for edge in record.event.lineageEdges {
                byKey[edge.from, default: Lot(key: edge.from)].links.append(Link(leaf: record.leafIndex, kind: edge.kind, to: edge.to))
            }
        }
        return byKey.values.sorted { $0.key < $1.key }
    }
}

// MARK: JSON

extension TraceBundle.Lot {
    /// `{"key", "namedBy": [{"leaf", "roles"}], "links": [{"leaf", "kind", "to"?}]}`.
    public var json: JSONValue {
        .object([
            JSONMember("key", .string(key.rawValue)),
            JSONMember("namedBy", .array(namedBy.map { n in
                .object([JSONMember("leaf", .number(JSONNumber(Int(n.leaf)))), JSONMember("roles", .array(n.roles.names.map { .string($0) }))])
            })),
            JSONMember("links", .array(links.map { l in
                var m = [JSONMember("leaf", .number(JSONNumber(Int(l.leaf)))), JSONMember("kind", .string(l.kind.description))]
                if let to = l.to { m.append(JSONMember("to", .string(to.rawValue))) }
                return .object(m)
            })),
        ])
    }

    init(json: JSONValue, path: String, reader r: BundleReader) throws(BundleFailure) {
        key = TraceKey(try r.string(json["key"], "\(path).key"))
        namedBy = []
        for (i, n) in try r.array(json["namedBy"], "\(path).namedBy").enumerated() {
            let p = "\(path).namedBy[\(i)]"
            var roles = NamingRoles()
            for (k, name) in try r.array(n["roles"], "\(p).roles").enumerated() {
                let text = try r.string(name, "\(p).roles[\(k)]")
                guard let role = Self.roleNames[text] else {
                    throw r.fail("\(p).roles[\(k)]", "unknown role \"\(text)\" (subject, child, input, output or parent)")
                }
                roles.insert(role)
            }
            namedBy.append(TraceBundle.Naming(leaf: try r.integer(n["leaf"], "\(p).leaf"), roles: roles))
        }
        links = []
        for (i, l) in try r.array(json["links"], "\(path).links").enumerated() {
            let p = "\(path).links[\(i)]"
            let kindText = try r.string(l["kind"], "\(p).kind")
            guard let kind = LineageKind.allCases.first(where: { $0.description == kindText }) else {
                throw r.fail("\(p).kind", "unknown lineage kind \"\(kindText)\"")
            }
            let to = l["to"] == nil ? nil : TraceKey(try r.string(l["to"], "\(p).to"))
            links.append(TraceBundle.Link(leaf: try r.integer(l["leaf"], "\(p).leaf"), kind: kind, to: to))
        }
    }

    private static let roleNames: [String: NamingRoles] = [
        "subject": .subject, "child": .child, "input": .input, "output": .output, "parent": .parent,
    ]
}
