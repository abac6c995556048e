// Turning one EPCIS event into a journey step: its kind, a sentence, the actor, the quantities,
// and for a carrier's transport the cold-chain leg it made (found from the shipment before it and
// the receipt after it among the journey's own records).
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel

struct StepDescriber {
    let genesis: Genesis
    let registry: Registry
    /// The journey's records, in leaf order.
    let records: [TraceRecord]

    func describe(_ r: TraceRecord) -> JourneyStep {
        let e = r.event
        let step = Self.stepWord(e.bizStep)
        let disposition = e.disposition.map { Self.bare($0, marker: "Disp-", urn: "urn:epcglobal:cbv:disp:") }
        let offset = e.json["eventTimeZoneOffset"]?.stringValue
        let (local, millis) = Journey.localTime(e.eventTime, offset: offset)
        let quantities = e.quantities.map { StepQuantity(lot: $0.lot, role: $0.role, quantity: $0.quantity, unit: $0.unit) }
        let actor = actor(of: r)
        let location = participant(at: e.bizLocation ?? e.readPoint)
        let lossCause = Self.member(e.json, named: "lossCause")?.stringValue
        let subjects = quantities.filter { $0.role == .subject } + e.epcs.filter { $0.role == .subject }
            .map { StepQuantity(lot: TraceKey($0.epc), role: .subject, quantity: nil, unit: .items) }
        let amount = Self.amounts(subjects)

        var kind = StepKind.other
        var summary = ""
        var harvest: HarvestFacts?
        var leg: ColdChainLeg?
        var container: TraceKey?
        if let d = e.errorDeclaration {
            kind = .correction
            summary = "Declared erroneous" + (d.reason.map { ": \(Self.words($0))" } ?? "")
        } else if e.type == .transformation {
            kind = .transformation
            let ins = quantities.filter { $0.role == .input }, outs = quantities.filter { $0.role == .output }
            let verb = step == "grading" ? "Graded" : "Transformed"
            let what = ins.count > 1 ? " (merge of \(ins.count) lots)" : outs.count > 1 ? " (split into \(outs.count) lots)" : ""
            summary = "\(verb)\(what): " + Self.lotAmounts(ins) + " → " + Self.lotAmounts(outs)
        } else if (e.type == .aggregation || e.type == .association), let parent = e.parentID {
            container = TraceKey(parent)
            let children = quantities.filter { $0.role == .child }
            let childEPCs = e.epcs.filter { $0.role == .child }.map { Self.label(TraceKey($0.epc)) }
            let what = ([Self.lotAmounts(children)] + childEPCs).filter { !$0.isEmpty }.joined(separator: ", ")
            switch e.action {
            case .delete:
                kind = .unpacking
                summary = "Unpacked " + (what.isEmpty ? "everything" : what) + " from \(Self.label(TraceKey(parent)))"
            case .observe:
                summary = "Checked \(what) on \(Self.label(TraceKey(parent)))"
            default:
                kind = .packing
                summary = "Packed \(what) onto \(Self.label(TraceKey(parent)))"
            }
        } else {
            switch step {
            case "commissioning":
                kind = .harvest
                harvest = harvestFacts(e, quantity: subjects.first)
                if let h = harvest, h.harvestDate != nil || h.farmID != nil {
                    summary = "Harvested \(amount)" + (h.product.map { " of \($0)" } ?? "")
                        + (h.variety.map { ", variety \($0)" } ?? "") + (h.plot.map { ", plot \($0)" } ?? "")
                } else {
                    summary = "Created \(amount)"
                }
            case "shipping":
                kind = .shipping
                let to = Self.destinations(e).compactMap { participant(at: $0)?.name }
                summary = "Shipped \(amount)" + (to.isEmpty ? "" : " to " + to.joined(separator: ", "))
            case "transporting", "sensor_reporting":
                kind = .transport
                leg = coldChainLeg(r, carrier: actor)
                let route = [leg?.from?.name, leg?.to?.name].compactMap { $0 }.joined(separator: " → ")
                summary = "Carried \(amount)" + (route.isEmpty ? "" : ": \(route)")
            case "receiving", "arriving", "accepting":
                kind = .receiving
                summary = "Received \(amount)"
            case "storing", "holding":
                kind = .storing
                summary = "Stored \(amount)"
            case "retail_selling":
                kind = .sale
                summary = "Sold \(amount) at retail"
            case "destroying", "disposing":
                kind = .loss
                summary = "Written off \(amount)" + (lossCause.map { ": \(Self.causeWords($0))" } ?? disposition.map { ": \(Self.words($0))" } ?? "")
            default:
                if e.action == .delete, let disposition, ["destroyed", "damaged", "expired", "recalled", "disposed"].contains(disposition) {
                    kind = .loss
                    summary = "Written off \(amount): \(Self.words(disposition))"
                } else {
                    summary = Self.words(step.isEmpty ? e.type.rawValue : step).capitalisedFirst + (amount.isEmpty ? "" : " \(amount)")
                }
            }
        }
        return JourneyStep(leaf: r.leafIndex, eventID: r.eventID, kind: kind, summary: summary, bizStep: step, eventTime: e.eventTime,
                           localTime: local, millis: millis, actor: actor, location: location, quantities: quantities,
                           harvest: harvest, leg: leg, lossCause: lossCause, container: container, disposition: disposition,
                           destinations: Self.destinations(e), verdict: nil, correction: nil)
    }

    /// The participant whose key signed the record, as registered (named even if the key was not
    /// valid at that leaf: the verdict says so).
    func actor(of r: TraceRecord) -> Actor? {
        guard let key = r.record.signer else { return nil }
        if case let .success((_, p)) = registry.signer(key, atLeaf: r.leafIndex) { return Actor(p) }
        if let state = registry.keys[key], let p = registry.participant(state.participantID) { return Actor(p) }
        return nil
    }

    /// The registered participant an identifier (SGLN, GLN Digital Link, party) names.
    func participant(at identifier: String?) -> Actor? {
        guard let identifier, let id = registry.participantID(naming: identifier), let p = registry.participant(id) else { return nil }
        return Actor(p)
    }

    func harvestFacts(_ e: EPCISEvent, quantity: StepQuantity?) -> HarvestFacts {
        let ilmd = e.json["ilmd"]
        let farmID = ilmd.flatMap { Self.member($0, named: "farm")?.stringValue }
        let farm = farmID.flatMap { registry.participant($0) }.map(Actor.init)
        let gtin = quantity?.lot.rawValue.digitsAfter("/01/", count: 14)
        return HarvestFacts(farm: farm, farmID: farmID, plot: ilmd.flatMap { Self.member($0, named: "plot")?.stringValue },
                            variety: ilmd.flatMap { Self.member($0, named: "variety")?.stringValue },
                            harvestDate: ilmd.flatMap { Self.member($0, named: "harvestStartDate")?.stringValue },
                            product: gtin.flatMap { genesis.product(gtin: $0)?.name }, quantity: quantity)
    }

    /// The leg a carrier's transport event made: from the shipment of the same lot before it to
    /// the receipt after it, with its temperature log against the product's safe range.
    func coldChainLeg(_ r: TraceRecord, carrier: Actor?) -> ColdChainLeg {
        let e = r.event
        let lots = Set(e.namedIdentifiers.map(\.key))
        let shipment = records.last { $0.leafIndex < r.leafIndex && Self.stepWord($0.event.bizStep) == "shipping"
            && !lots.isDisjoint(with: $0.event.namedIdentifiers.map(\.key)) }
        let from = shipment.flatMap { actor(of: $0) }
        let to = shipment.flatMap { Self.destinations($0.event).first }.flatMap { participant(at: $0) }
        let receipt = records.first { $0.leafIndex > r.leafIndex && ["receiving", "arriving"].contains(Self.stepWord($0.event.bizStep))
            && !lots.isDisjoint(with: $0.event.namedIdentifiers.map(\.key))
            && (to == nil || participant(at: $0.event.bizLocation ?? $0.event.readPoint)?.id == to?.id) }
        let meta = e.json["sensorElementList"]?.arrayValue?.first?["sensorMetadata"]
        let start = meta?["startTime"]?.stringValue, end = meta?["endTime"]?.stringValue

        let log = TemperatureLog(event: e)
        let gtin = e.quantities.first?.lot.rawValue.digitsAfter("/01/", count: 14)
        let product = gtin.flatMap { genesis.product(gtin: $0) }
        let range = product.map { $0.minTemperature...$0.maxTemperature }
        let outsideMillis = range.flatMap { r in log.map { $0.millisOutside(r) } } ?? 0
        let points = log?.points ?? []
        let values = points.map(\.celsius)
        return ColdChainLeg(carrier: carrier, from: from, to: to, departure: start ?? shipment?.event.eventTime,
                            arrival: receipt?.event.eventTime ?? end, readings: values.count,
                            minimum: values.min(), mean: values.isEmpty ? nil : values.reduce(0, +) / Double(values.count),
                            maximum: values.max(), safeRange: range, minutesOutside: Int(outsideMillis / 60_000))
    }

    // MARK: - Words

    /// `https://ref.gs1.org/cbv/BizStep-shipping`, `urn:epcglobal:cbv:bizstep:shipping`,
    /// `shipping`, `https://orchard.example/voc/BizStep-grading` → `shipping` / `grading`.
    static func bare(_ value: String, marker: String, urn: String) -> String {
        if value.hasPrefix(urn) { return String(value.dropFirst(urn.count)) }
        if let r = value.range(of: marker, options: .backwards) { return String(value[r.upperBound...]) }
        if value.hasPrefix("cbv:") { return String(value.dropFirst(4)) }
        return value
    }

    /// A business step in any spelling as its bare word (`shipping`, `grading`; "" when absent).
    static func stepWord(_ step: String?) -> String {
        step.map { bare($0, marker: "BizStep-", urn: "urn:epcglobal:cbv:bizstep:") } ?? ""
    }

    static func words(_ s: String) -> String { s.replacingOccurrences(of: "_", with: " ") }

    static func causeWords(_ cause: String) -> String {
        switch cause {
        case "damage": "damaged"
        case "grading_reject": "rejected at grading"
        case "spoilage": "spoiled"
        case "cold_chain_excursion": "cold-chain excursion"
        default: words(cause)
        }
    }

    /// A top-level (or ilmd) member by its local name, whatever its prefix or namespace URI.
    static func member(_ json: JSONValue, named local: String) -> JSONValue? {
        guard let members = json.objectMembers else { return nil }
        return members.first { m in
            m.key == local || m.key.hasSuffix(":" + local) || m.key.hasSuffix("/" + local)
        }?.value
    }

    static func destinations(_ e: EPCISEvent) -> [String] {
        (e.json["destinationList"]?.arrayValue ?? []).compactMap { $0["destination"]?.stringValue }
    }

    /// `lot 260604-1A`, `pallet 069712300000001019`, `case 0697…/21/17`.
    static func label(_ key: TraceKey) -> String {
        switch key.kind {
        case .lot: "lot " + (key.rawValue.components(separatedBy: "/10/").last ?? key.rawValue)
        case .logisticUnit: "pallet " + (key.rawValue.components(separatedBy: "/00/").last ?? key.rawValue)
        case .item: "case " + (key.rawValue.components(separatedBy: "/21/").last ?? key.rawValue)
        case .product, .other: key.rawValue
        }
    }

    /// The total of the subjects' quantities when they share a unit, else each listed.
    static func amounts(_ qs: [StepQuantity]) -> String {
        let known = qs.filter { $0.quantity != nil }
        guard !known.isEmpty else { return qs.map { label($0.lot) }.joined(separator: ", ") }
        if Set(known.map(\.unit)).count == 1, let unit = known.first?.unit {
            let total = known.reduce(Int64(0)) { $0 + ($1.quantity?.micros ?? 0) }
            return Journey.quantityText(Quantity(micros: total, unit: unit), unit: unit)
        }
        return known.map(\.text).joined(separator: " + ")
    }

    static func lotAmounts(_ qs: [StepQuantity]) -> String {
        qs.map { "\($0.text) \(label($0.lot))" }.joined(separator: " + ")
    }
}

extension String {
    var capitalisedFirst: String { prefix(1).uppercased() + dropFirst() }
}
