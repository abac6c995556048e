// Where a lot or case was packed, and so which events concern it: a shipping event names the
// pallet, not the lots on it, so a trace follows the lot into each container for exactly the
// span of leaves it was inside (from the packing to the unpacking).
import OrchardLedger
import OrchardModel
import OrchardStore

/// A span during which an identifier was inside a container (a case, a pallet).
public struct Presence: Hashable, Sendable {
    public let container: TraceKey
    /// `aggregation` (packed) or `association`.
    public let kind: LineageKind
    /// Leaf of the event that put it in.
    public let from: UInt64
    /// Leaf of the event that took it out (unpacking, or an unpacking of every child); nil
    /// while it is still inside.
    public let until: UInt64?

    public init(container: TraceKey, kind: LineageKind, from: UInt64, until: UInt64?) {
        self.container = container
        self.kind = kind
        self.from = from
        self.until = until
    }

    /// Whether the event at `leaf` happened while the identifier was inside, the packing and the
    /// unpacking included (taking it out concerns it too).
    public func contains(leaf: UInt64) -> Bool { leaf >= from && (until.map { leaf <= $0 } ?? true) }
}

/// An event that concerns an identifier, directly or through a container it was in.
public struct ConcerningEvent: Hashable, Sendable {
    public let leaf: UInt64
    /// The identifier the event names: the one asked about, or a container it was in.
    public let named: TraceKey
    /// How the event names it.
    public let roles: NamingRoles
    /// True when the event names a container rather than the identifier itself.
    public let throughContainer: Bool
}

extension LedgerStore {
    /// The containers `key` was packed into or associated with, in ledger order, each with the
    /// leaves over which it was inside.
    public func presences(of key: TraceKey) throws -> [Presence] {
        let edges = try descendants(of: key)
        var spans = [Presence]()
        var containerEdges = [TraceKey: [StoredLineageEdge]]()   // read once per container
        for start in edges where start.kind == .aggregation || start.kind == .association {
            guard let container = start.other else { continue }
            let ending: LineageKind = start.kind == .aggregation ? .disaggregation : .dissociation
            // Ended by a DELETE naming this child, or by a DELETE of every child of the container.
            let named = edges.filter { $0.kind == ending && $0.other == container && $0.leaf > start.leaf }.map(\.leaf)
            if containerEdges[container] == nil { containerEdges[container] = try lineage(of: container) }
            let all = (containerEdges[container] ?? []).filter { $0.kind == ending && $0.other == nil && $0.leaf > start.leaf }.map(\.leaf)
            spans.append(Presence(container: container, kind: start.kind, from: start.leaf, until: (named + all).min()))
        }
        return spans
    }

    /// Every event that concerns `key`, in ledger order: those naming it, and those naming a
    /// container while `key` was inside it, packing and unpacking included (a case on a pallet on a truck: up to `depth`
    /// containers deep).
    public func events(concerning key: TraceKey, depth: Int = 4) throws -> [ConcerningEvent] {
        var found = [UInt64: ConcerningEvent]()
        func visit(_ k: TraceKey, within span: (from: UInt64, until: UInt64?)?, level: Int) throws {
            for e in try events(naming: k) {
                if let span, e.leaf < span.from || (span.until.map { e.leaf > $0 } ?? false) { continue }
                if found[e.leaf] == nil { found[e.leaf] = ConcerningEvent(leaf: e.leaf, named: k, roles: e.roles, throughContainer: level > 0) }
            }
            guard level < depth else { return }
            for p in try presences(of: k) {
                var from = p.from, until = p.until
                if let span {
                    from = max(from, span.from)
                    if let u = span.until { until = min(until ?? u, u) }
                }
                if let until, until < from { continue }
                try visit(p.container, within: (from, until), level: level + 1)
            }
        }
        try visit(key, within: nil, level: 0)
        return found.values.sorted { $0.leaf < $1.leaf }
    }
}
