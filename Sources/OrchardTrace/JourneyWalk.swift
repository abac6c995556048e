// Which events a journey must hold, decided from the events themselves: the rules of
// Docs/TRACE.md §2 as one walk over "the leaves naming an identifier" and "the record at a leaf".
// The bundle writer runs it over the ledger to choose a bundle's records; the bundle verifier runs
// it over the bundle (its lot map openings and records) to prove nothing was left out.
import OrchardLedger
import OrchardModel

/// Where a walk reads: every leaf naming an identifier, and the record at a leaf.
public protocol JourneySource {
    /// Every leaf whose event names `key`, in increasing order (the lot map commits to exactly
    /// these). Throws when the source cannot say (a bundle without an opening for the key).
    func leaves(naming key: TraceKey) throws -> [UInt64]
    /// The event record at `leaf`. Throws when the source does not hold it (a bundle that left
    /// it out).
    func record(at leaf: UInt64, for key: TraceKey) throws -> TraceRecord
}

/// The events a journey must hold and the identifiers whose events were consulted.
public struct JourneyWalk: Sendable {
    /// Leaves of every event the journey holds, increasing.
    public let leaves: [UInt64]
    /// Each identifier consulted, with the span of its events that belongs to the journey
    /// (inclusive leaves): the lots of the lineage and the containers they travelled in.
    public let spans: [TraceKey: ClosedRange<UInt64>]

    /// Containers are followed this deep (a case on a pallet in a container).
    public static let containerDepth = 4

    /// The backward journey of `subject` in a tree of `treeSize` leaves (TRACE.md §2): its events;
    /// for each transformation that made an identifier, its inputs up to that transformation; for
    /// each child packed into it, the child until it was taken out; and for each container an
    /// identifier was in, the container's events from the packing to the unpacking.
    public static func backward(_ subject: TraceKey, treeSize: UInt64, source: some JourneySource) throws -> JourneyWalk {
        var walk = Walker(source: source)
        var bound = [TraceKey: UInt64]()
        var queue: [(TraceKey, UInt64)] = [(subject, treeSize - 1)]
        while let (key, until) = queue.popLast() {
            if let b = bound[key], b >= until { continue }
            bound[key] = until
            let own = try walk.concerning(key, from: 0, until: until, depth: 0)
            for r in own {
                for edge in r.event.lineageEdges where edge.from == key {
                    guard let child = edge.to else { continue }
                    switch edge.kind {
                    case .transformation:
                        queue.append((child, r.leafIndex))
                    case .aggregation, .association:
                        let ending: LineageKind = edge.kind == .aggregation ? .disaggregation : .dissociation
                        let end = own.first { $0.leafIndex > r.leafIndex && $0.event.lineageEdges.contains {
                            $0.kind == ending && $0.from == key && ($0.to == child || $0.to == nil) } }
                        queue.append((child, min(until, end?.leafIndex ?? until)))
                    case .disaggregation, .dissociation:
                        break
                    }
                }
            }
        }
        return JourneyWalk(leaves: walk.required.sorted(), spans: walk.spans)
    }

    /// The forward journey of `subject` (a recall): its events from the start; for each
    /// transformation that consumed an identifier, every output from that transformation on; and
    /// the containers they travelled in.
    public static func forward(_ subject: TraceKey, treeSize: UInt64, source: some JourneySource) throws -> JourneyWalk {
        var walk = Walker(source: source)
        var start = [TraceKey: UInt64]()
        var queue: [(TraceKey, UInt64)] = [(subject, 0)]
        while let (key, from) = queue.popLast() {
            if let s = start[key], s <= from { continue }
            start[key] = from
            for r in try walk.concerning(key, from: from, until: treeSize - 1, depth: 0) where r.event.type == .transformation {
                for edge in r.event.lineageEdges where edge.kind == .transformation && edge.to == key {
                    queue.append((edge.from, r.leafIndex))
                }
            }
        }
        return JourneyWalk(leaves: walk.required.sorted(), spans: walk.spans)
    }
}

/// The shared part: an identifier's events in a span, and those of the containers it was in.
private struct Walker<Source: JourneySource> {
    let source: Source
    var required = Set<UInt64>()
    var spans = [TraceKey: ClosedRange<UInt64>]()
    var namings = [TraceKey: [UInt64]]()

    init(source: Source) { self.source = source }

    mutating func leaves(_ key: TraceKey) throws -> [UInt64] {
        if let l = namings[key] { return l }
        let l = try source.leaves(naming: key)
        namings[key] = l
        return l
    }

    /// The records of `key`'s events in `from…until` (all required), plus those of every
    /// container `key` was in during that span (recursively, `depth` containers deep).
    mutating func concerning(_ key: TraceKey, from: UInt64, until: UInt64, depth: Int) throws -> [TraceRecord] {
        guard from <= until else { return [] }
        let span = spans[key].map { min($0.lowerBound, from)...max($0.upperBound, until) } ?? from...until
        spans[key] = span
        var own = [TraceRecord]()
        for leaf in try leaves(key) where leaf >= from && leaf <= until {
            required.insert(leaf)
            own.append(try source.record(at: leaf, for: key))
        }
        guard depth < JourneyWalk.containerDepth else { return own }
        for r in own {
            for edge in r.event.lineageEdges where edge.to == key && (edge.kind == .aggregation || edge.kind == .association) {
                let container = edge.from
                let ending: LineageKind = edge.kind == .aggregation ? .disaggregation : .dissociation
                // Inside from the packing until the first unpacking of `key` (or of everything).
                var end = until
                for leaf in try leaves(container) where leaf > r.leafIndex && leaf <= until {
                    let c = try source.record(at: leaf, for: container)
                    if c.event.lineageEdges.contains(where: { $0.kind == ending && $0.from == container && ($0.to == key || $0.to == nil) }) {
                        end = leaf
                        break
                    }
                }
                _ = try concerning(container, from: max(from, r.leafIndex), until: end, depth: depth + 1)
            }
        }
        return own
    }
}
