// The journey for people (a timeline read in a minute), for programs (a documented JSON graph of
// lots and events) and for spreadsheets (one row per critical tracking event, after the FDA FSMA
// 204 "sortable spreadsheet"). The CLI, the node and `verify-bundle` all print these.
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel

extension Journey {
    // MARK: - Timeline

    /// The timeline: newest first for a backward journey (shelf → farm), oldest first forward.
    public func timeline(verifiedAgainst treeSize: UInt64? = nil) -> String {
        var out = [String]()
        let subjectNode = lots.first { $0.key == subject }
        let title = [StepDescriber.label(subject), subjectNode?.product].compactMap { $0 }.joined(separator: " · ")
        out.append(title)
        out.append("  \(subject.rawValue)")
        let lotCount = lots.filter { $0.kind == .lot }.count
        let verified = steps.filter { $0.verdict?.isVerified == true }.count
        let checked = steps.filter { $0.verdict != nil }.count
        var status = "\(steps.count) events, \(lotCount) lot\(lotCount == 1 ? "" : "s")"
        if checked > 0 {
            status += verified == steps.count
                ? " · every event verified: signature with the key registered at its leaf, included in the tree"
                    + (treeSize ?? steps.first?.verdict?.treeSize).map { " of \($0) leaves" }.orEmpty
                : " · ✗ \(steps.count - verified) of \(steps.count) events NOT verified"
        }
        out.append("  " + (direction == .backward ? "Journey back to the farm: " : "Everything made from it since: ") + status)
        let excursions = legs.filter(\.excursion).count
        if !legs.isEmpty {
            out.append("  Cold chain: \(legs.count) leg\(legs.count == 1 ? "" : "s")" + (excursions > 0 ? ", ⚠ \(excursions) with an excursion" : ", all within the safe range"))
        }
        out.append("")
        let ordered = Array(direction == .backward ? steps.reversed() : steps)
        var i = 0
        while i < ordered.count {
            // A run of packings of the same lots by the same actor onto several containers (a lot
            // onto nine pallets) reads as one line; --json keeps every event.
            var j = i + 1
            while j < ordered.count, Self.packsAlike(ordered[i], ordered[j]) { j += 1 }
            if j - i > 2 {
                out.append(contentsOf: packingRun(Array(ordered[i..<j])))
            } else {
                for step in ordered[i..<j] { out.append(contentsOf: lines(for: step)) }
            }
            i = j
        }
        return out.joined(separator: "\n") + "\n"
    }

    func lines(for s: JourneyStep) -> [String] {
        let pad = String(repeating: " ", count: 25)
        var out = ["\(s.localTime.padding(toLength: 24, withPad: " ", startingAt: 0)) \(s.kind.heading.padding(toLength: 11, withPad: " ", startingAt: 0)) \(s.summary)"]
        var who = [String]()
        if let a = s.actor { who.append("by " + a.label) }
        if let l = s.location, l.id != s.actor?.id { who.append("at " + l.label) }
        if !who.isEmpty { out.append(pad + who.joined(separator: " · ")) }
        if let h = s.harvest, h.farmID != nil || h.harvestDate != nil {
            var facts = [String]()
            if let f = h.farm { facts.append("farm \(f.name)" + (f.province.map { ", \($0)" } ?? "")) } else if let id = h.farmID { facts.append("farm \(id)") }
            if let d = h.harvestDate { facts.append("harvested \(d)") }
            out.append(pad + facts.joined(separator: " · "))
        }
        if let leg = s.leg {
            var l = [String]()
            if let d = leg.departure { l.append("departed \(Self.localTime(d, offset: nil).text)") }
            if let a = leg.arrival { l.append("arrived \(Self.localTime(a, offset: nil).text)") }
            out.append(pad + l.joined(separator: " · "))
            if let mn = leg.minimum, let me = leg.mean, let mx = leg.maximum {
                var t = "temperature min \(Self.celsius(mn)) · mean \(Self.celsius(me)) · max \(Self.celsius(mx)) (\(leg.readings) readings)"
                if let r = leg.safeRange { t += ", safe \(Self.celsius(r.lowerBound, unit: false))–\(Self.celsius(r.upperBound))" }
                out.append(pad + t)
                if leg.safeRange != nil {
                    out.append(pad + (leg.excursion ? "⚠ EXCURSION: \(leg.minutesOutside) min outside the safe range" : "within the safe range throughout"))
                }
            } else {
                out.append(pad + "no temperature readings")
            }
        }
        if let c = s.correction {
            out.append(pad + "⚠ DECLARED ERRONEOUS by \(c.declaredBy) at leaf \(c.declaredAtLeaf) (\(c.declarationTime))" + (c.reason.map { ": \(StepDescriber.words(StepDescriber.bare($0, marker: "ER-", urn: "urn:epcglobal:cbv:er:")))" } ?? ""))
            for id in c.correctiveEventIDs { out.append(pad + "  corrected by \(id)") }
        }
        out.append(pad + "leaf \(s.leaf) · " + (s.verdict?.summary ?? "not checked"))
        return out
    }

    static func packsAlike(_ a: JourneyStep, _ b: JourneyStep) -> Bool {
        a.kind == .packing && b.kind == .packing && a.actor?.id == b.actor?.id && a.correction == nil && b.correction == nil
            && Set(a.quantities.map(\.lot)) == Set(b.quantities.map(\.lot)) && a.container?.kind == b.container?.kind
            && (a.verdict?.isVerified ?? true) && (b.verdict?.isVerified ?? true) && (a.verdict == nil) == (b.verdict == nil)
    }

    /// One entry for a run of alike packings.
    func packingRun(_ run: [JourneyStep]) -> [String] {
        let pad = String(repeating: " ", count: 25)
        let chrono = run.sorted { $0.leaf < $1.leaf }
        let first = chrono[0], last = chrono[chrono.count - 1]
        let amount = StepDescriber.amounts(run.flatMap(\.quantities))
        let lots = Set(run.flatMap { $0.quantities.map(\.lot) }).sorted().map(StepDescriber.label).joined(separator: ", ")
        let noun = first.container?.kind == .logisticUnit ? "pallets" : "containers"
        let containers = chrono.compactMap(\.container).map { StepDescriber.label($0).split(separator: " ").last.map(String.init) ?? "" }
        var out = ["\(first.localTime.padding(toLength: 24, withPad: " ", startingAt: 0)) \(StepKind.packing.heading.padding(toLength: 11, withPad: " ", startingAt: 0)) Packed \(amount) \(lots) onto \(run.count) \(noun) (until \(Self.localTime(last.eventTime, offset: nil).text))"]
        if let a = first.actor { out.append(pad + "by " + a.label) }
        out.append(pad + "\(noun): " + containers.joined(separator: ", "))
        let leaves = chrono.map(\.leaf)
        let contiguous = leaves.last! - leaves.first! + 1 == UInt64(leaves.count)
        out.append(pad + (contiguous ? "leaves \(leaves.first!)–\(leaves.last!)" : "leaves " + leaves.map(String.init).joined(separator: ", "))
                   + " · " + (first.verdict.map { _ in "each: " + (chrono.allSatisfy { $0.verdict?.isVerified == true } ? "signature ✓ · included ✓" : "see --json") } ?? "not checked"))
        return out
    }

    static func celsius(_ v: Double, unit: Bool = true) -> String {
        let r = (v * 10).rounded() / 10
        return String(format: "%.1f", r == 0 ? 0 : r) + (unit ? " °C" : "")
    }

    // MARK: - JSON

    /// The journey as a graph of lots and events (documented in Docs/TRACE.md).
    public var json: JSONValue {
        func str(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        func actor(_ a: Actor?) -> JSONValue {
            guard let a else { return .null }
            return .object([JSONMember("id", .string(a.id)), JSONMember("name", .string(a.name)), JSONMember("role", .string(a.role)),
                            JSONMember("province", str(a.province)), JSONMember("gln", str(a.gln))])
        }
        func number(_ d: Double?) -> JSONValue {
            guard let d else { return .null }
            let r = (d * 10).rounded() / 10
            return .number(JSONNumber(r == 0 ? 0 : r))
        }
        func quantity(_ q: StepQuantity) -> JSONValue {
            .object([JSONMember("lot", .string(q.lot.rawValue)), JSONMember("role", .string(q.role.rawValue)),
                     JSONMember("quantity", q.quantity.map { .number($0.jsonNumber) } ?? .null), JSONMember("unit", .string(q.unit.description))])
        }
        let lotsJSON: [JSONValue] = lots.map { n in
            func links(_ ls: [LotLink]) -> JSONValue {
                .array(ls.map { .object([JSONMember("key", .string($0.key.rawValue)), JSONMember("kind", .string($0.kind.description)),
                                         JSONMember("leaf", .number(JSONNumber(Int($0.leaf))))]) })
            }
            return .object([JSONMember("key", .string(n.key.rawValue)), JSONMember("kind", .string(n.kind.rawValue)),
                            JSONMember("gtin", str(n.gtin)), JSONMember("product", str(n.product)),
                            JSONMember("events", .array(n.events.map { .number(JSONNumber(Int($0))) })),
                            JSONMember("inputs", links(n.inputs)), JSONMember("outputs", links(n.outputs))])
        }
        let eventsJSON: [JSONValue] = steps.map { s in
            var m: [JSONMember] = [
                JSONMember("leaf", .number(JSONNumber(Int(s.leaf)))), JSONMember("eventID", .string(s.eventID.uri)),
                JSONMember("kind", .string(s.kind.rawValue)), JSONMember("bizStep", .string(s.bizStep)),
                JSONMember("summary", .string(s.summary)), JSONMember("eventTime", .string(s.eventTime)),
                JSONMember("localTime", .string(s.localTime)), JSONMember("actor", actor(s.actor)), JSONMember("location", actor(s.location)),
                JSONMember("disposition", str(s.disposition)), JSONMember("quantities", .array(s.quantities.map(quantity))),
                JSONMember("container", str(s.container?.rawValue)), JSONMember("lossCause", str(s.lossCause)),
            ]
            if let h = s.harvest {
                m.append(JSONMember("harvest", .object([
                    JSONMember("farm", actor(h.farm)), JSONMember("farmID", str(h.farmID)), JSONMember("plot", str(h.plot)),
                    JSONMember("variety", str(h.variety)), JSONMember("harvestDate", str(h.harvestDate)), JSONMember("product", str(h.product)),
                    JSONMember("quantity", h.quantity.map(quantity) ?? .null)])))
            }
            if let l = s.leg {
                m.append(JSONMember("coldChain", .object([
                    JSONMember("carrier", actor(l.carrier)), JSONMember("from", actor(l.from)), JSONMember("to", actor(l.to)),
                    JSONMember("departure", str(l.departure)), JSONMember("arrival", str(l.arrival)),
                    JSONMember("readings", .number(JSONNumber(Int(l.readings)))),
                    JSONMember("minCelsius", number(l.minimum)), JSONMember("meanCelsius", number(l.mean)), JSONMember("maxCelsius", number(l.maximum)),
                    JSONMember("safeRange", l.safeRange.map { .array([number($0.lowerBound), number($0.upperBound)]) } ?? .null),
                    JSONMember("minutesOutside", .number(JSONNumber(Int(l.minutesOutside)))), JSONMember("excursion", .bool(l.excursion))])))
            }
            if let v = s.verdict {
                m.append(JSONMember("verdict", .object([
                    JSONMember("verified", .bool(v.isVerified)), JSONMember("signature", str(v.signatureProblem ?? "valid")),
                    JSONMember("inclusion", str(v.inclusionProblem ?? "included")),
                    JSONMember("treeSize", v.treeSize.map { .number(JSONNumber(Int($0))) } ?? .null)])))
            }
            if let c = s.correction {
                m.append(JSONMember("declaredErroneous", .object([
                    JSONMember("leaf", .number(JSONNumber(Int(c.declaredAtLeaf)))), JSONMember("by", .string(c.declaredBy)),
                    JSONMember("declarationTime", .string(c.declarationTime)), JSONMember("reason", str(c.reason)),
                    JSONMember("correctiveEventIDs", .array(c.correctiveEventIDs.map { .string($0) }))])))
            }
            return .object(m)
        }
        return .object([
            JSONMember("subject", .string(subject.rawValue)), JSONMember("direction", .string(direction.rawValue)),
            JSONMember("origin", .string(origin)), JSONMember("verified", .bool(isVerified)),
            JSONMember("lots", .array(lotsJSON)), JSONMember("events", .array(eventsJSON)),
        ])
    }

    // MARK: - CSV

    /// The FSMA 204 sortable-spreadsheet columns.
    public static let csvHeader = ["Traceability Lot Code", "Product Description", "Quantity", "Unit of Measure", "Lot Role",
                                   "Location GLN", "Location Name", "Date", "Time", "Time Zone", "Event Type", "Business Step",
                                   "Actor", "Event ID", "Leaf", "Verified"]

    /// One row per critical tracking event and lot it names (a transformation gives a row per
    /// input and output lot), in time order; RFC 4180 quoting.
    public var csv: String {
        var rows = [Self.csvHeader]
        for s in steps {
            let place = s.location ?? s.actor
            let parts = s.localTime.split(separator: " ").map(String.init)
            let lots = s.quantities.isEmpty ? [StepQuantity(lot: s.container ?? subject, role: .subject, quantity: nil, unit: .items)] : s.quantities
            for q in lots {
                let node = self.lots.first { $0.key == q.lot }
                rows.append([
                    q.lot.rawValue, node?.product ?? "", q.quantity?.decimalText ?? "", q.quantity == nil ? "" : (q.unit.code ?? ""), q.role.rawValue,
                    place?.gln ?? "", place?.name ?? "", parts.first ?? "", parts.count > 1 ? parts[1] : "", parts.count > 2 ? parts[2] : "",
                    s.kind.cte, s.bizStep, s.actor?.name ?? "", s.eventID.uri, String(s.leaf),
                    s.verdict.map { $0.isVerified ? "yes" : "no" } ?? "",
                ])
            }
        }
        return rows.map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension StepKind {
    /// The timeline's column heading.
    var heading: String {
        switch self {
        case .harvest: "HARVEST"
        case .transformation: "GRADING"
        case .packing: "PACKING"
        case .unpacking: "UNPACKING"
        case .shipping: "SHIPPING"
        case .transport: "COLD CHAIN"
        case .receiving: "RECEIPT"
        case .storing: "STORAGE"
        case .sale: "SALE"
        case .loss: "LOSS"
        case .correction: "CORRECTION"
        case .other: "EVENT"
        }
    }

    /// The FSMA 204 critical tracking event type (or the nearest words for the others).
    public var cte: String {
        switch self {
        case .harvest: "Harvesting"
        case .transformation: "Transformation"
        case .packing: "Initial Packing"
        case .unpacking: "Unpacking"
        case .shipping: "Shipping"
        case .transport: "Transport"
        case .receiving: "Receiving"
        case .storing: "Storage"
        case .sale: "Retail Sale"
        case .loss: "Loss"
        case .correction: "Error Declaration"
        case .other: "Other"
        }
    }
}

extension Optional where Wrapped == String {
    var orEmpty: String { self ?? "" }
}
