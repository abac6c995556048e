// One lot's balance stage by stage, with every amount behind each figure: how a number in a loss
// report was reached.
import OrchardLedger
import OrchardModel

public struct LotLossView: Sendable {
    public let trail: LotTrail
    public let participants: [ParticipantInfo]
    public let origins: [Origin]
    public let causes: [String]
    public var origin = ""
    public var treeSize: UInt64 = 0

    public init(trail: LotTrail, totals: LossTotals) {
        self.trail = trail
        participants = totals.participants
        origins = totals.origins
        causes = totals.causes.names
    }

    func id(_ i: Int32) -> String { i >= 0 && Int(i) < participants.count ? participants[Int(i)].id : "—" }

    /// An amount in the lot's terms: kg, or its own unit when it cannot be weighed.
    func amount(_ v: Int128) -> String {
        trail.measured ? Mass(femtograms: v).kilogramsText : Mass.decimal(v, scale: 6)
    }

    var unitName: String { trail.measured ? "kg" : trail.unit.symbol }

    static func fieldName(_ f: TrailEntry.Field) -> String {
        switch f {
        case .harvested: "harvested"
        case .arrived: "arrived"
        case .transformedIn: "made (transformation output)"
        case .transformedOut: "into a transformation"
        case .passedOn: "passed on"
        case .sold: "sold"
        case let .lost(cause): "written off: \(cause)"
        case .unexplained: "unexplained"
        case .unmeasured: "into lots not weighed"
        }
    }

    public var text: String {
        let lotName = trail.lot.rawValue.components(separatedBy: "/10/").last ?? trail.lot.rawValue
        var out = "Lot \(lotName) (\(trail.lot.rawValue)) — \(origin) at tree size \(treeSize)\n"
        let weights = trail.origins.reduce(Int64(0)) { $0 + $1.weight }
        for o in trail.origins {
            let origin = origins[Int(o.origin)]
            let farm = participants[Int(origin.farm)]
            let share = weights > 0 ? " — \(Table.percent(Int64((Double(o.weight) / Double(weights) * 1e6).rounded())))" : ""
            out += "Origin: \(farm.id) (\(farm.name), \(farm.province ?? "province unknown")), product \(origin.gtin), harvested \(origin.month)\(share)\n"
        }
        out += "Counted in \(trail.unit.symbol)\(trail.measured ? "" : " (no known weight: figures in \(trail.unit.symbol), never converted)")"
            + "; journey \(trail.excursion ? "HAD a cold-chain excursion" : "had no cold-chain excursion").\n\n"
        let h = ["Stage", "Where", "In", "Passed on", "Sold", "Written off", "Unexplained", "On hand", "Loss rate"]
        var rows = [[String]]()
        var total = StageBalance()
        for b in trail.balances.sorted(by: { $0.stage < $1.stage }) {
            total.add(b.balance)
            let f = LossFigures(trail.measured ? b.balance : b.balance, level: .stage, causes: causes.count)
            rows.append([b.stage.name, id(b.site), amount(f.input.femtograms), amount(b.balance.passedOn + b.balance.transformedOut),
                         amount(b.balance.sold), amount(b.balance.recordedLoss), amount(b.balance.unexplained), amount(b.balance.onHand),
                         Table.percent(f.lossRateMillionths)])
        }
        let lot = LossFigures(total, level: .lot, causes: causes.count)
        rows.append(["Lot", "", amount(lot.input.femtograms), amount(total.transformedOut), amount(total.sold), amount(total.recordedLoss),
                     amount(total.unexplained), amount(total.onHand), Table.percent(lot.lossRateMillionths)])
        out += "Balance (\(unitName)): in = passed on + sold + written off + unexplained + on hand, at every stage.\n"
        out += Table.render(h, rows, numeric: Set(2..<h.count), separatorBefore: [rows.count - 1])
        out += "\nThe events behind each figure:\n"
        let eh = ["Leaf", "Stage", "Where", "Figure", "Amount", "Event"]
        out += Table.render(eh, trail.entries.map { e in
            [String(e.leaf), e.stage.name, id(e.site), Self.fieldName(e.field), amount(e.amount), e.note]
        }, numeric: [0, 4])
        return out
    }

    public var json: JSONValue {
        func num(_ v: Int128) -> JSONValue { .number(JSONNumber(decimalText: amount(v))!) }
        return .object([
            JSONMember("report", "orchard-lot-loss/1"),
            JSONMember("ledger", .object([JSONMember("origin", .string(origin)), JSONMember("treeSize", .number(JSONNumber(Int(treeSize))))])),
            JSONMember("lot", .string(trail.lot.rawValue)),
            JSONMember("unit", .string(trail.measured ? "kg" : trail.unit.description)),
            JSONMember("excursion", .bool(trail.excursion)),
            JSONMember("origins", .array(trail.origins.map { o in
                let origin = origins[Int(o.origin)]
                return .object([JSONMember("farm", .string(participants[Int(origin.farm)].id)), JSONMember("province", participants[Int(origin.farm)].province.map(JSONValue.string) ?? .null),
                                JSONMember("product", .string(origin.gtin)), JSONMember("month", .string(origin.month)),
                                JSONMember("weight", .number(JSONNumber(Int(o.weight))))])
            })),
            JSONMember("stages", .array(trail.balances.sorted(by: { $0.stage < $1.stage }).map { b in
                .object([JSONMember("stage", .string(b.stage.name)), JSONMember("site", .string(id(b.site))),
                         JSONMember("harvested", num(b.balance.harvested)), JSONMember("arrived", num(b.balance.arrived)),
                         JSONMember("transformedIn", num(b.balance.transformedIn)), JSONMember("transformedOut", num(b.balance.transformedOut)),
                         JSONMember("passedOn", num(b.balance.passedOn)), JSONMember("sold", num(b.balance.sold)),
                         JSONMember("lost", .object(causes.indices.compactMap { i in b.balance.lost(cause: i) == 0 ? nil : JSONMember(causes[i], num(b.balance.lost(cause: i))) })),
                         JSONMember("unexplained", num(b.balance.unexplained)), JSONMember("unmeasured", num(b.balance.unmeasured)),
                         JSONMember("onHand", num(b.balance.onHand))])
            })),
            JSONMember("entries", .array(trail.entries.map { e in
                .object([JSONMember("leaf", .number(JSONNumber(Int(e.leaf)))), JSONMember("stage", .string(e.stage.name)), JSONMember("site", .string(id(e.site))),
                         JSONMember("figure", .string(Self.fieldName(e.field))), JSONMember("amount", num(e.amount)), JSONMember("event", .string(e.note))])
            })),
        ])
    }
}
