// A lot's journey as a person reads it: each event in words, with its actor, local time,
// quantities, cold-chain leg and harvest facts, and whether it checked out. Built from event
// records alone (plus the genesis and the registry), so the ledger's trace and an offline bundle
// describe a journey with the same code.
import OrchardLedger
import OrchardModel

/// Which way a trace goes: back to the farm, or forward to every lot and holder made from it.
public enum TraceDirection: String, Sendable, CaseIterable {
    case backward, forward
}

/// Who did something, as the registry knows them.
public struct Actor: Hashable, Sendable {
    public let id: String
    public let name: String
    public let role: String
    public let province: String?
    public let gln: String?

    public init(_ p: Participant) {
        id = p.id; name = p.name; role = p.role; province = p.province; gln = p.gln
    }

    /// `Name (role, Province)`.
    public var label: String { "\(name) (\([role, province].compactMap { $0 }.joined(separator: ", ")))" }
}

/// Whether one event checked out: its signature with the key registered at its leaf, and its
/// inclusion in the tree of a signed checkpoint.
public struct Verdict: Hashable, Sendable {
    /// Nil when the signature is valid; else why not.
    public let signatureProblem: String?
    /// Nil when included in the checkpoint's tree; else why not.
    public let inclusionProblem: String?
    /// The tree size the inclusion was checked against.
    public let treeSize: UInt64?

    public init(signatureProblem: String?, inclusionProblem: String?, treeSize: UInt64?) {
        self.signatureProblem = signatureProblem
        self.inclusionProblem = inclusionProblem
        self.treeSize = treeSize
    }

    public var isVerified: Bool { signatureProblem == nil && inclusionProblem == nil }

    /// `signature ✓ · included ✓ (tree 1234)` or the reasons.
    public var summary: String {
        let sig = signatureProblem.map { "signature ✗ \($0)" } ?? "signature ✓"
        let inc = inclusionProblem.map { "included ✗ \($0)" } ?? "included ✓" + (treeSize.map { " (tree \($0))" } ?? "")
        return sig + " · " + inc
    }
}

/// An error declaration that names an event of the journey (EPCIS 2.0 §7.4.1.4).
public struct Correction: Hashable, Sendable {
    public let declaredAtLeaf: UInt64
    public let declaredBy: String
    public let declarationTime: String
    public let reason: String?
    public let correctiveEventIDs: [String]

    public init(declaredAtLeaf: UInt64, declaredBy: String, declarationTime: String, reason: String?, correctiveEventIDs: [String]) {
        self.declaredAtLeaf = declaredAtLeaf
        self.declaredBy = declaredBy
        self.declarationTime = declarationTime
        self.reason = reason
        self.correctiveEventIDs = correctiveEventIDs
    }
}

/// What kind of step an event is, for people and for the timeline's layout.
public enum StepKind: String, Sendable, CaseIterable {
    case harvest, transformation, packing, unpacking, shipping, transport, receiving, storing, sale, loss, correction, other
}

/// One quantity an event states.
public struct StepQuantity: Hashable, Sendable {
    public let lot: TraceKey
    public let role: EPCISListRole
    public let quantity: Quantity?
    public let unit: UnitOfMeasure

    /// `1,234.5 kg` style text: the exact amount and the unit's symbol.
    public var text: String { Journey.quantityText(quantity, unit: unit) }
}

/// Harvest master data from a commissioning event's `ilmd`.
public struct HarvestFacts: Hashable, Sendable {
    public let farm: Actor?
    public let farmID: String?
    public let plot: String?
    public let variety: String?
    public let harvestDate: String?
    public let product: String?
    public let quantity: StepQuantity?
}

/// A cold-chain leg: one carrier's transport with its temperature log.
public struct ColdChainLeg: Hashable, Sendable {
    public let carrier: Actor?
    public let from: Actor?
    public let to: Actor?
    /// Sensor start time (else the shipping event's time), as written.
    public let departure: String?
    /// The receipt at the destination (else the sensor end time), as written.
    public let arrival: String?
    public let readings: Int
    /// °C, rounded to 0.1 for display by the renderers.
    public let minimum: Double?
    public let mean: Double?
    public let maximum: Double?
    /// The product's safe range from genesis, °C.
    public let safeRange: ClosedRange<Double>?
    /// Minutes during which the last reading was outside the safe range (each reading holds until
    /// the next one, the last until the sensor's end time).
    public let minutesOutside: Int
    /// True when any minute was outside the safe range.
    public var excursion: Bool { minutesOutside > 0 }
}

/// One event of the journey, described.
public struct JourneyStep: Sendable {
    public let leaf: UInt64
    public let eventID: EventID
    public let kind: StepKind
    /// What happened, in words.
    public let summary: String
    /// The bare business step (`shipping`, `grading`, …).
    public let bizStep: String
    public let eventTime: String
    /// `2026-06-04 12:59 +08:00`: the event's time in its own time zone.
    public let localTime: String
    public let millis: Int64
    /// The signer, as registered when it signed.
    public let actor: Actor?
    /// The participant at the event's business location (or read point), if registered.
    public let location: Actor?
    public let quantities: [StepQuantity]
    public let harvest: HarvestFacts?
    public let leg: ColdChainLeg?
    /// Why it was written off (`damage`, `spoilage`, …) for a loss.
    public let lossCause: String?
    /// The container a packing or unpacking event names.
    public let container: TraceKey?
    public let disposition: String?
    /// Where a shipment was sent (`destinationList` identifiers, as written).
    public let destinations: [String]
    public var verdict: Verdict?
    public var correction: Correction?
}

/// A lot (or case, or pallet) of the journey and how it is linked to others.
public struct LotNode: Sendable {
    public let key: TraceKey
    public let kind: TraceKey.Kind
    public let gtin: String?
    public let product: String?
    /// Leaves of the journey's events that name it.
    public var events: [UInt64]
    /// What it was made from or holds: transformation inputs, packed children.
    public var inputs: [LotLink]
    /// What was made from it or holds it: transformation outputs, containers.
    public var outputs: [LotLink]
}

/// A lineage edge as seen from one lot.
public struct LotLink: Hashable, Sendable {
    public let key: TraceKey
    public let kind: LineageKind
    public let leaf: UInt64
}

/// A journey: the steps in time order and the graph of lots they connect.
public struct Journey: Sendable {
    public let subject: TraceKey
    public let direction: TraceDirection
    public var steps: [JourneyStep]
    public let lots: [LotNode]
    public let origin: String

    /// Describes `records` (in any order).
    public init(subject: TraceKey, direction: TraceDirection, records: [TraceRecord], genesis: Genesis, registry: Registry,
                verdicts: [UInt64: Verdict] = [:], corrections: [UInt64: Correction] = [:]) {
        self.subject = subject
        self.direction = direction
        self.origin = genesis.origin
        let sorted = records.sorted { $0.leafIndex < $1.leafIndex }
        let describer = StepDescriber(genesis: genesis, registry: registry, records: sorted)
        var steps = sorted.map { describer.describe($0) }
        // A declaration carries the ID of the event it declares erroneous (its errorDeclaration
        // is not hashed): among the records themselves, it marks that event (as in a bundle).
        var declared = corrections
        for r in sorted {
            guard let d = r.event.errorDeclaration,
                  let target = sorted.first(where: { $0.eventID == r.eventID && $0.event.errorDeclaration == nil }),
                  declared[target.leafIndex] == nil else { continue }
            declared[target.leafIndex] = Correction(declaredAtLeaf: r.leafIndex, declaredBy: describer.actor(of: r)?.name ?? "the programme authority",
                                                    declarationTime: d.declarationTime, reason: d.reason,
                                                    correctiveEventIDs: d.correctiveEventIDs)
        }
        for i in steps.indices {
            steps[i].verdict = verdicts[steps[i].leaf]
            steps[i].correction = declared[steps[i].leaf]
        }
        self.steps = steps.sorted { ($0.millis, $0.leaf) < ($1.millis, $1.leaf) }
        self.lots = Self.graph(sorted, genesis: genesis)
    }

    /// The lots the records name and the lineage edges between them.
    static func graph(_ records: [TraceRecord], genesis: Genesis) -> [LotNode] {
        var nodes = [TraceKey: LotNode]()
        func node(_ key: TraceKey) -> LotNode {
            if let n = nodes[key] { return n }
            let gtin = key.rawValue.digitsAfter("/01/", count: 14)
            return LotNode(key: key, kind: key.kind, gtin: gtin, product: gtin.flatMap { genesis.product(gtin: $0)?.name },
                           events: [], inputs: [], outputs: [])
        }
        for r in records {
            for (key, _) in r.event.namedIdentifiers {
                var n = node(key)
                if n.events.last != r.leafIndex { n.events.append(r.leafIndex) }
                nodes[key] = n
            }
            for edge in r.event.lineageEdges {
                guard let to = edge.to else { continue }
                var from = node(edge.from)
                from.inputs.append(LotLink(key: to, kind: edge.kind, leaf: r.leafIndex))
                nodes[edge.from] = from
                var child = node(to)
                child.outputs.append(LotLink(key: edge.from, kind: edge.kind, leaf: r.leafIndex))
                nodes[to] = child
            }
        }
        return nodes.values.sorted { ($0.events.first ?? .max, $0.key) < ($1.events.first ?? .max, $1.key) }
    }

    /// `lot 260604-1A`, `pallet 069712300000001019`, `case 17`: a key as people say it.
    public static func label(_ key: TraceKey) -> String { StepDescriber.label(key) }

    /// Every step verified (and at least one step).
    public var isVerified: Bool { !steps.isEmpty && steps.allSatisfy { $0.verdict?.isVerified == true } }

    /// The steps that are cold-chain legs.
    public var legs: [ColdChainLeg] { steps.compactMap(\.leg) }

    // MARK: - Text helpers shared by the renderers

    /// An exact quantity with its unit's symbol: `7,120.29 kg`.
    public static func quantityText(_ q: Quantity?, unit: UnitOfMeasure) -> String {
        guard let q else { return "(no quantity) \(unit.symbol)" }
        return "\(grouped(q.decimalText)) \(unit.symbol)"
    }

    /// `1234567.5` → `1,234,567.5`.
    static func grouped(_ decimal: String) -> String {
        var sign = "", text = Substring(decimal)
        if text.hasPrefix("-") { sign = "-"; text = text.dropFirst() }
        let parts = text.split(separator: ".", maxSplits: 1)
        let whole = Array(parts.first ?? "0")
        var out = ""
        for (i, c) in whole.enumerated() {
            if i > 0, (whole.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return sign + out + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// `2026-06-04 12:59 +08:00` for an EPCIS time, shown at the event's own offset.
    public static func localTime(_ text: String, offset: String?) -> (text: String, millis: Int64) {
        guard let t = try? EPCISTimestamp(text) else { return (text, 0) }
        let minutes = offset.flatMap(offsetMinutes) ?? t.timeZoneOffsetMinutes
        let local = t.millisecondsSinceEpoch + Int64(minutes) * 60_000
        var days = local / 86_400_000
        var ms = local - days * 86_400_000
        if ms < 0 { ms += 86_400_000; days -= 1 }
        let (y, m, d) = civil(days)
        let hh = Int(ms / 3_600_000), mm = Int(ms / 60_000 % 60)
        let sign = minutes < 0 ? "-" : "+"
        let off = sign + two(abs(minutes) / 60) + ":" + two(abs(minutes) % 60)
        return ("\(y)-\(two(m))-\(two(d)) \(two(hh)):\(two(mm)) \(off)", t.millisecondsSinceEpoch)
    }

    static func offsetMinutes(_ s: String) -> Int? {
        let u = Array(s.utf8)
        guard u.count == 6, u[0] == 0x2B || u[0] == 0x2D, u[3] == 0x3A,
              let h = Int(String(decoding: u[1...2], as: UTF8.self)), let m = Int(String(decoding: u[4...5], as: UTF8.self)) else { return nil }
        return (u[0] == 0x2D ? -1 : 1) * (h * 60 + m)
    }

    static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
    static func civil(_ days: Int64) -> (Int64, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
