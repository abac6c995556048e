// Builders for realistic EPCIS 2.0 events (JSON-LD) as the Duoduo Orchard programme writes them:
// harvest, shipping, receiving, destroying, transformation, aggregation and sensor reports.
import Foundation
import OrchardModel

/// EPCIS 2.0 JSON-LD events for the default genesis.
///
/// Products are the genesis products: GS1 company prefix `697123`, GTIN `0697123000001x`, so
/// product `n` (1…10) has the LGTIN class `urn:epc:class:lgtin:697123.00000nn.<lot>`
/// (1 = Luochuan Fuji apple). Times are in September 2026 at `+08:00`, before ``Fixtures/now``.
/// Quantities are kilograms (`KGM`).
public enum FixtureEvents {
    /// The JSON-LD `@context` every builder puts on its event: the EPCIS 2.0 context and the
    /// `orchard:` prefix for Orchard's extension fields.
    public static let context: JSONValue = [
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        ["orchard": "https://orchard.example/voc/"],
    ]

    /// The LGTIN class URN of `lot` of product `product` (1…10).
    public static func lotClass(_ lot: String, product: Int = 1) -> String {
        let itemReference = String(repeating: "0", count: max(0, 7 - String(product).count)) + String(product)
        return "urn:epc:class:lgtin:697123.\(itemReference).\(lot)"
    }

    /// The SSCC URN of pallet number `serial`.
    public static func pallet(_ serial: Int) -> String {
        let s = String(serial)
        return "urn:epc:id:sscc:697123.\(String(repeating: "0", count: max(0, 11 - s.count)))\(s)"
    }

    /// The SGLN URN of a participant's site, from its GLN in the default genesis.
    public static func location(_ participantID: String) -> String {
        guard let gln = participantGLNs[participantID], gln.count == 13 else { return "urn:epc:id:sgln:697123.000000.0" }
        return "urn:epc:id:sgln:\(gln.prefix(6)).\(gln.dropFirst(6).prefix(6)).0"
    }

    /// `2026-09-<day>T<hour>:<minute>:00.000+08:00`.
    public static func time(day: Int, hour: Int = 9, minute: Int = 0) -> String {
        "2026-09-\(two(day))T\(two(hour)):\(two(minute)):00.000+08:00"
    }

    /// One quantity element; pass `uom: nil` to leave the unit out.
    public static func quantity(_ epcClass: String, _ amount: Double, uom: String? = "KGM") -> JSONValue {
        var element: JSONValue = ["epcClass": .string(epcClass), "quantity": .number(JSONNumber(amount))]
        if let uom { element = element.setting("uom", to: .string(uom)) }
        return element
    }

    /// A harvest: ObjectEvent ADD, bizStep `commissioning`, creating `kilograms` of `lot`, with
    /// harvest master data (CBV `cbvmda:` attributes) in `ilmd`.
    public static func harvest(lot: String, kilograms: Double, product: Int = 1, by farm: String = "farm-sn-luochuan-01",
                               day: Int = 15) -> JSONValue {
        let date = "2026-09-\(two(day))"
        return objectEvent(action: "ADD", bizStep: "commissioning", disposition: "active", at: farm, day: day, hour: 8,
                           quantities: [quantity(lotClass(lot, product: product), kilograms)])
            .setting("ilmd", to: [
                "cbvmda:lotNumber": .string(lot),
                "cbvmda:countryOfOrigin": "CN",
                "cbvmda:harvestStartDate": .string(date),
                "cbvmda:harvestEndDate": .string(date),
                "orchard:farm": .string(farm),
                "orchard:orchardBlock": "B-07",
            ])
    }

    /// A shipment: ObjectEvent OBSERVE, bizStep `shipping`, disposition `in_transit`.
    public static func shipping(lot: String, kilograms: Double, product: Int = 1, by shipper: String = "farm-sn-luochuan-01",
                                day: Int = 16, to destination: String? = nil) -> JSONValue {
        let event = objectEvent(action: "OBSERVE", bizStep: "shipping", disposition: "in_transit", at: shipper, day: day, hour: 14,
                                quantities: [quantity(lotClass(lot, product: product), kilograms)])
        guard let destination else { return event }
        return event.setting("destinationList", to: [["type": "owning_party", "destination": .string(party(destination))]])
    }

    /// A participant's party GLN as an EPC URN (`urn:epc:id:pgln:…`), for source and destination lists.
    public static func party(_ participantID: String) -> String {
        guard let gln = participantGLNs[participantID], gln.count == 13 else { return "urn:epc:id:pgln:697123.000000" }
        return "urn:epc:id:pgln:\(gln.prefix(6)).\(gln.dropFirst(6).prefix(6))"
    }

    /// A lot moved from one participant to another: its shipping (naming the receiver) and receiving.
    public static func delivery(lot: String, kilograms: Double, product: Int = 1, from shipper: String, to receiver: String,
                                day: Int = 16) -> [(event: JSONValue, signer: String)] {
        [(shipping(lot: lot, kilograms: kilograms, product: product, by: shipper, day: day, to: receiver), shipper),
         (receiving(lot: lot, kilograms: kilograms, product: product, by: receiver, day: day + 1), receiver)]
    }

    /// A receipt of goods: ObjectEvent OBSERVE, bizStep `receiving`, disposition `in_progress`.
    public static func receiving(lot: String, kilograms: Double, product: Int = 1, by receiver: String = "pack-sn-xian",
                                 day: Int = 17) -> JSONValue {
        objectEvent(action: "OBSERVE", bizStep: "receiving", disposition: "in_progress", at: receiver, day: day, hour: 10,
                    quantities: [quantity(lotClass(lot, product: product), kilograms)])
    }

    /// A write-off: ObjectEvent DELETE, bizStep `destroying`, disposition `destroyed`.
    public static func destroying(lot: String, kilograms: Double, product: Int = 1, by party: String = "farm-sn-luochuan-01",
                                  day: Int = 18) -> JSONValue {
        objectEvent(action: "DELETE", bizStep: "destroying", disposition: "destroyed", at: party, day: day, hour: 16,
                    quantities: [quantity(lotClass(lot, product: product), kilograms)])
    }

    /// A TransformationEvent (bizStep `packing` by default) that consumes `inputs` and creates
    /// `output`, with the output lot's master data in `ilmd`.
    public static func transformation(inputs: [(lot: String, kilograms: Double)], output: (lot: String, kilograms: Double),
                                      product: Int = 1, bizStep: String = "packing", by party: String = "pack-sn-xian",
                                      day: Int = 18) -> JSONValue {
        [
            "@context": context,
            "type": "TransformationEvent",
            "eventTime": .string(time(day: day, hour: 11)),
            "eventTimeZoneOffset": "+08:00",
            "inputQuantityList": .array(inputs.map { quantity(lotClass($0.lot, product: product), $0.kilograms) }),
            "outputQuantityList": [quantity(lotClass(output.lot, product: product), output.kilograms)],
            "bizStep": .string(bizStep),
            "disposition": "in_progress",
            "readPoint": ["id": .string(location(party))],
            "bizLocation": ["id": .string(location(party))],
            "ilmd": ["cbvmda:lotNumber": .string(output.lot), "cbvmda:countryOfOrigin": "CN"],
        ]
    }

    /// An AggregationEvent ADD (bizStep `packing`): `children` loaded onto pallet `pallet`.
    public static func aggregation(pallet: String, children: [(lot: String, kilograms: Double)], product: Int = 1,
                                   by party: String = "pack-sn-xian", day: Int = 19) -> JSONValue {
        [
            "@context": context,
            "type": "AggregationEvent",
            "eventTime": .string(time(day: day, hour: 9)),
            "eventTimeZoneOffset": "+08:00",
            "parentID": .string(pallet),
            "childQuantityList": .array(children.map { quantity(lotClass($0.lot, product: product), $0.kilograms) }),
            "action": "ADD",
            "bizStep": "packing",
            "disposition": "in_progress",
            "readPoint": ["id": .string(location(party))],
        ]
    }

    /// A `sensorElementList` with one element of `Temperature` readings (°C, `CEL`) taken every
    /// 30 minutes from 20:00 on `day`.
    /// An AggregationEvent `DELETE` taking `children` off `pallet` (every child when empty).
    public static func unpacking(pallet: String, children: [(lot: String, kilograms: Double)], product: Int = 1,
                                 by party: String = "pack-sn-xian", day: Int = 20) -> JSONValue {
        var event: JSONValue = [
            "@context": context,
            "type": "AggregationEvent",
            "eventTime": .string(time(day: day, hour: 9)),
            "eventTimeZoneOffset": "+08:00",
            "parentID": .string(pallet),
            "action": "DELETE",
            "bizStep": "unpacking",
            "disposition": "in_progress",
            "readPoint": ["id": .string(location(party))],
        ]
        if !children.isEmpty {
            event = event.setting("childQuantityList", to: .array(children.map { quantity(lotClass($0.lot, product: product), $0.kilograms) }))
        }
        return event
    }

    /// An ObjectEvent naming instance-level EPCs only (`epcList`): a pallet or case shipped,
    /// received, inspected.
    public static func epcEvent(_ epcs: [String], bizStep: String, disposition: String = "in_transit", at participantID: String,
                                day: Int, hour: Int = 9) -> JSONValue {
        [
            "@context": context,
            "type": "ObjectEvent",
            "eventTime": .string(time(day: day, hour: hour)),
            "eventTimeZoneOffset": "+08:00",
            "epcList": .array(epcs.map { .string($0) }),
            "action": "OBSERVE",
            "bizStep": .string(bizStep),
            "disposition": .string(disposition),
            "readPoint": ["id": .string(location(participantID))],
            "bizLocation": ["id": .string(location(participantID))],
        ]
    }

    public static func temperatures(_ celsius: [Double], day: Int = 16, device: String = "urn:epc:id:giai:697123.TL-0042") -> JSONValue {
        let reports: [JSONValue] = celsius.enumerated().map { i, value in
            ["type": "Temperature", "value": .number(JSONNumber(value)), "uom": "CEL",
             "time": .string(time(day: day, hour: 20 + i / 2, minute: (i % 2) * 30))]
        }
        return [["sensorMetadata": ["deviceID": .string(device), "time": .string(time(day: day, hour: 20))],
                 "sensorReport": .array(reports)]]
    }

    /// A carrier's cold-chain report: ObjectEvent OBSERVE, bizStep `sensor_reporting`, with
    /// ``temperatures(_:day:device:)`` for `lot`.
    public static func sensorReport(lot: String, kilograms: Double, celsius: [Double], product: Int = 1,
                                    by carrier: String = "carrier-coldchain-north", day: Int = 16) -> JSONValue {
        objectEvent(action: "OBSERVE", bizStep: "sensor_reporting", disposition: "in_transit", at: carrier, day: day,
                    hour: 22, quantities: [quantity(lotClass(lot, product: product), kilograms)])
            .setting("sensorElementList", to: temperatures(celsius, day: day))
    }

    /// An ObjectEvent with the common members, at the participant's site.
    public static func objectEvent(action: String, bizStep: String, disposition: String, at participantID: String,
                                   day: Int, hour: Int = 9, quantities: [JSONValue]) -> JSONValue {
        [
            "@context": context,
            "type": "ObjectEvent",
            "eventTime": .string(time(day: day, hour: hour)),
            "eventTimeZoneOffset": "+08:00",
            "quantityList": .array(quantities),
            "action": .string(action),
            "bizStep": .string(bizStep),
            "disposition": .string(disposition),
            "readPoint": ["id": .string(location(participantID))],
            "bizLocation": ["id": .string(location(participantID))],
        ]
    }

    private static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    private static let participantGLNs: [String: String] = {
        guard let g = try? Fixtures.genesisJSON(), let list = g["participants"]?.arrayValue else { return [:] }
        var out = [String: String]()
        for p in list { if let id = p["id"]?.stringValue, let gln = p["gln"]?.stringValue { out[id] = gln } }
        return out
    }()
}
