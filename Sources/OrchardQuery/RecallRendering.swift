// A forward trace (a recall) for people and programs: every downstream lot, shipment, current
// holder and retail location holding any part of the lot, with quantities.
import OrchardLedger
import OrchardModel
import OrchardTrace

/// The rows of a recall, read from a forward trace.
public struct Recall: Sendable {
    public struct LotRow: Sendable {
        public let key: TraceKey
        public let product: String?
        /// The event that made it (a transformation, a harvest), if it is in the trace.
        public let madeBy: JourneyStep?
        /// Quantity the making event states for it.
        public let made: StepQuantity?
        /// Share of it that came from the recalled lot.
        public let share: Proportion?
    }
    public struct ShipmentRow: Sendable {
        public let step: JourneyStep
        public let quantity: StepQuantity
        public let to: [Actor]
    }
    public struct RetailRow: Sendable {
        public let retailer: Actor
        public let lot: TraceKey
        public let received: Quantity?
        public let sold: Quantity?
    }

    public let trace: Trace
    public let lots: [LotRow]
    public let shipments: [ShipmentRow]
    public let holders: [Holding]
    public let retail: [RetailRow]

    public init(_ trace: Trace, registry: Registry) {
        self.trace = trace
        let steps = trace.journey.steps
        var lots = [LotRow]()
        // Downstream lots: the subject and what was made from it (a merge also names the lots
        // it consumed with this one; they are not downstream).
        for node in trace.journey.lots where node.kind == .lot && trace.shares[node.key] != nil {
            let making = steps.first { s in s.quantities.contains { $0.lot == node.key && ($0.role == .output || s.kind == .harvest) } }
            lots.append(LotRow(key: node.key, product: node.product, madeBy: making,
                               made: making?.quantities.first { $0.lot == node.key }, share: trace.shares[node.key]))
        }
        self.lots = lots
        shipments = steps.filter { $0.kind == .shipping }.flatMap { s in
            let to = s.destinations.compactMap { d in registry.participantID(naming: d).flatMap(registry.participant).map(Actor.init) }
            return s.quantities.map { ShipmentRow(step: s, quantity: $0, to: to) }
        }
        holders = trace.holdings.sorted { ($0.holderID, $0.lot, $0.inTransit ? 1 : 0) < ($1.holderID, $1.lot, $1.inTransit ? 1 : 0) }
        var retail = [String: (Actor, TraceKey, Int64, Int64, UnitOfMeasure)]()
        for s in steps where s.actor?.role == "retailer" && (s.kind == .receiving || s.kind == .sale) {
            guard let a = s.actor else { continue }
            for q in s.quantities {
                let k = a.id + "\u{0}" + q.lot.rawValue
                var row = retail[k] ?? (a, q.lot, 0, 0, q.unit)
                if s.kind == .receiving { row.2 += q.quantity?.micros ?? 0 } else { row.3 += q.quantity?.micros ?? 0 }
                retail[k] = row
            }
        }
        self.retail = retail.keys.sorted().compactMap { retail[$0] }.map {
            RetailRow(retailer: $0.0, lot: $0.1, received: Quantity(micros: $0.2, unit: $0.4), sold: Quantity(micros: $0.3, unit: $0.4))
        }
    }

    /// Aligned tables.
    public var text: String {
        var out = [String]()
        let j = trace.journey
        out.append("Recall: " + [label(j.subject), j.lots.first { $0.key == j.subject }?.product].compactMap { $0 }.joined(separator: " · "))
        out.append("  \(j.subject.rawValue)")
        let verified = j.steps.allSatisfy { $0.verdict?.isVerified == true }
        out.append("  \(lots.count) lot\(lots.count == 1 ? "" : "s"), \(shipments.count) shipment\(shipments.count == 1 ? "" : "s"), "
                   + "\(Set(holders.map(\.holderID)).count) current holder\(Set(holders.map(\.holderID)).count == 1 ? "" : "s"), "
                   + "\(Set(retail.map(\.retailer.id)).count) retail location\(Set(retail.map(\.retailer.id)).count == 1 ? "" : "s") · \(j.steps.count) events"
                   + (j.steps.first?.verdict == nil ? "" : verified ? ", every one verified (tree of \(trace.checkpoint.treeSize) leaves)"
                      : ", ✗ \(j.steps.filter { $0.verdict?.isVerified != true }.count) NOT verified"))
        out.append("")
        out.append("DOWNSTREAM LOTS")
        out += Self.table(["lot", "product", "made", "by", "quantity", "share from recalled lot"], lots.map { r in
            [label(r.key), r.product ?? "", r.madeBy?.localTime ?? "", r.madeBy.map { $0.kind == .harvest ? "harvest" : $0.bizStep } ?? "",
             r.made?.text ?? "", r.share.map(Self.percent) ?? ""]
        })
        out.append("")
        out.append("SHIPMENTS")
        out += Self.table(["time", "lot", "quantity", "from", "to", "event"], shipments.map { r in
            [r.step.localTime, label(r.quantity.lot), r.quantity.text, r.step.actor?.name ?? "", r.to.map(\.name).joined(separator: ", "),
             "leaf \(r.step.leaf)"]
        })
        out.append("")
        out.append("CURRENT HOLDERS")
        out += Self.table(["holder", "role", "province", "lot", "quantity", "status"], holders.map { h in
            [h.holder?.name ?? h.holderID, h.holder?.role ?? "", h.holder?.province ?? "", label(h.lot),
             Journey.quantityText(h.quantity, unit: h.quantity.unit), h.inTransit ? "shipped to it, never received" : "held"]
        })
        out.append("")
        out.append("RETAIL LOCATIONS")
        out += Self.table(["retailer", "province", "lot", "received", "sold"], retail.map { r in
            [r.retailer.name, r.retailer.province ?? "", label(r.lot), Journey.quantityText(r.received, unit: r.received?.unit ?? .items),
             Journey.quantityText(r.sold, unit: r.sold?.unit ?? .items)]
        })
        return out.joined(separator: "\n") + "\n"
    }

    /// The recall as JSON: the journey's graph plus the tables.
    public var json: JSONValue {
        func actor(_ a: Actor?) -> JSONValue {
            guard let a else { return .null }
            return .object([JSONMember("id", .string(a.id)), JSONMember("name", .string(a.name)), JSONMember("role", .string(a.role)),
                            JSONMember("province", a.province.map { .string($0) } ?? .null)])
        }
        func q(_ x: Quantity?) -> JSONValue { x.map { .number($0.jsonNumber) } ?? .null }
        var members = trace.journey.json.objectMembers ?? []
        members.append(JSONMember("checkpointTreeSize", .number(JSONNumber(Int(trace.checkpoint.treeSize)))))
        members.append(JSONMember("downstreamLots", .array(lots.map { r in
            .object([JSONMember("lot", .string(r.key.rawValue)), JSONMember("product", r.product.map { .string($0) } ?? .null),
                     JSONMember("madeAtLeaf", r.madeBy.map { .number(JSONNumber(Int($0.leaf))) } ?? .null),
                     JSONMember("quantity", q(r.made?.quantity)), JSONMember("unit", r.made.map { .string($0.unit.description) } ?? .null),
                     JSONMember("share", r.share.map { .number(Quantity(micros: $0.millionths, unit: .items).jsonNumber) } ?? .null)])
        })))
        members.append(JSONMember("shipments", .array(shipments.map { r in
            .object([JSONMember("leaf", .number(JSONNumber(Int(r.step.leaf)))), JSONMember("eventTime", .string(r.step.eventTime)),
                     JSONMember("lot", .string(r.quantity.lot.rawValue)), JSONMember("quantity", q(r.quantity.quantity)),
                     JSONMember("unit", .string(r.quantity.unit.description)), JSONMember("from", actor(r.step.actor)),
                     JSONMember("to", .array(r.to.map { actor($0) }))])
        })))
        members.append(JSONMember("currentHolders", .array(holders.map { h in
            .object([JSONMember("holder", actor(h.holder)), JSONMember("holderID", .string(h.holderID)), JSONMember("lot", .string(h.lot.rawValue)),
                     JSONMember("quantity", q(h.quantity)), JSONMember("unit", .string(h.quantity.unit.description)),
                     JSONMember("inTransit", .bool(h.inTransit))])
        })))
        members.append(JSONMember("retailLocations", .array(retail.map { r in
            .object([JSONMember("retailer", actor(r.retailer)), JSONMember("lot", .string(r.lot.rawValue)),
                     JSONMember("received", q(r.received)), JSONMember("sold", q(r.sold)),
                     JSONMember("unit", .string(r.received?.unit.description ?? ""))])
        })))
        return .object(members)
    }

    func label(_ key: TraceKey) -> String { Journey.label(key) }

    static func percent(_ p: Proportion) -> String {
        let tenths = (p.millionths + 500) / 1000   // 0.1 % steps
        return "\(tenths / 10).\(tenths % 10) %"
    }

    /// Columns padded to their widest cell (by characters), two spaces apart.
    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        guard !rows.isEmpty else { return ["  (none)"] }
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        return all.map { row in
            "  " + row.enumerated().map { c, cell in c == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[c] - cell.count) }
                .joined(separator: "  ")
        }
    }
}
