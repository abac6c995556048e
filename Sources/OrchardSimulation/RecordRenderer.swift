// Turns a planned record into its signed JSON line: RFC 8785 bytes of the event (members
// written in canonical order), signed by the participant under the ledger's origin, in the
// shape `orchard sign` prints (`type`, `event`/`change`, `signer`, `sig`). Runs on all cores.
import OrchardCrypto
import OrchardLedger

struct RecordRenderer: Sendable {
    let network: Network
    let clock: SeasonClock
    let origin: String
    let authority: Ed25519PrivateKey
    private let keyIDs: [[UInt8]]
    private let authorityID: [UInt8]
    private let eventPrefix: [UInt8]
    private let registryPrefix: [UInt8]

    init(network: Network, clock: SeasonClock, origin: String, authority: Ed25519PrivateKey) {
        self.network = network
        self.clock = clock
        self.origin = origin
        self.authority = authority
        keyIDs = network.keys.map { Array($0.publicKey.keyID.rawValue.utf8) }
        authorityID = Array(authority.publicKey.keyID.rawValue.utf8)
        eventPrefix = SignedRecord.signingMessage(kind: .event, origin: origin, canonicalPayload: [])
        registryPrefix = SignedRecord.signingMessage(kind: .registry, origin: origin, canonicalPayload: [])
    }

    /// The canonical payload of a record.
    func payload(_ spec: RecordSpec) -> [UInt8] {
        var b = CanonicalBuffer(capacity: 1024)
        switch spec.body {
        case let .harvest(epc, grams, site, lotNumber, date, plot, variety, grower):
            b.raw(Self.context)
            b.raw(",\"action\":\"ADD\""); location("bizLocation", site, &b)
            b.raw(",\"bizStep\":\"commissioning\",\"disposition\":\"active\""); time(spec.time, &b)
            b.raw(",\"ilmd\":{\"cbvmda:countryOfOrigin\":\"CN\",\"cbvmda:harvestStartDate\":"); b.string(date)
            b.raw(",\"cbvmda:lotNumber\":"); b.string(lotNumber)
            b.raw(",\"orchard:farm\":"); b.string(network.participants[grower].id)
            b.raw(",\"orchard:plot\":"); b.string(plot)
            b.raw(",\"orchard:variety\":"); b.string(variety)
            b.raw("},\"quantityList\":["); quantity(epc, grams, &b); b.raw("]")
            location("readPoint", site, &b)
            b.raw(",\"type\":\"ObjectEvent\"}")
        case let .shipping(epc, grams, site, destination):
            b.raw("{\"action\":\"OBSERVE\""); location("bizLocation", site, &b)
            b.raw(",\"bizStep\":\"shipping\",\"destinationList\":[{\"destination\":"); b.quoted(network.participants[destination].sgln)
            b.raw(",\"type\":\"location\"}],\"disposition\":\"in_transit\""); time(spec.time, &b)
            b.raw(",\"quantityList\":["); quantity(epc, grams, &b); b.raw("]")
            location("readPoint", site, &b)
            b.raw(",\"type\":\"ObjectEvent\"}")
        case let .receiving(epc, grams, site, disposition):
            b.raw("{\"action\":\"OBSERVE\""); location("bizLocation", site, &b)
            b.raw(",\"bizStep\":\"receiving\",\"disposition\":\""); b.raw(disposition); b.raw("\""); time(spec.time, &b)
            b.raw(",\"quantityList\":["); quantity(epc, grams, &b); b.raw("]")
            location("readPoint", site, &b)
            b.raw(",\"type\":\"ObjectEvent\"}")
        case let .transport(epc, grams, carrier, depart, interval, readings, product, excursion, truck, noise):
            b.raw("{\"action\":\"OBSERVE\",\"bizStep\":\"transporting\",\"disposition\":\"in_transit\""); time(spec.time, &b)
            b.raw(",\"quantityList\":["); quantity(epc, grams, &b); b.raw("]")
            location("readPoint", carrier, &b)
            b.raw(",\"sensorElementList\":[{\"sensorMetadata\":{\"deviceID\":\"urn:epc:id:giai:")
            let gln = network.participants[carrier].gln.utf8
            b.raw(Array(gln.prefix(6))); b.raw(".RF"); b.raw(Array(gln.dropFirst(6).prefix(6))); b.raw("-"); b.uint(UInt64(truck))
            b.raw("\",\"endTime\":\""); clock.local(spec.time, into: &b.bytes)
            b.raw("\",\"startTime\":\""); clock.local(depart, into: &b.bytes)
            b.raw("\"},\"sensorReport\":[")
            let values = Self.temperatures(product: network.products[product], readings: readings, excursion: excursion, noise: noise)
            for (i, v) in values.enumerated() {
                b.raw(i == 0 ? "{\"time\":\"" : ",{\"time\":\"")
                clock.local(depart + Int64(i) * interval, into: &b.bytes)
                b.raw("\",\"type\":\"gs1:Temperature\",\"uom\":\"CEL\",\"value\":"); b.decimal(Int64(v), scale: 1); b.raw("}")
            }
            b.raw("]}],\"type\":\"ObjectEvent\"}")
        case let .loss(epc, grams, site, cause, disposition):
            b.raw("{\"action\":\"DELETE\""); location("bizLocation", site, &b)
            b.raw(",\"bizStep\":\"destroying\",\"disposition\":\""); b.raw(disposition); b.raw("\""); time(spec.time, &b)
            b.raw(",\"https://orchard.example/voc/lossCause\":"); b.string(cause.term)
            b.raw(",\"quantityList\":["); quantity(epc, grams, &b); b.raw("]")
            location("readPoint", site, &b)
            b.raw(",\"type\":\"ObjectEvent\"}")
        case let .sale(epc, grams, site):
            b.raw("{\"action\":\"DELETE\""); location("bizLocation", site, &b)
            b.raw(",\"bizStep\":\"retail_selling\",\"disposition\":\"retail_sold\""); time(spec.time, &b)
            b.raw(",\"quantityList\":["); quantity(epc, grams, &b); b.raw("]")
            location("readPoint", site, &b)
            b.raw(",\"type\":\"ObjectEvent\"}")
        case let .grading(inputs, outputs, grades, site):
            b.raw(Self.context)
            location("bizLocation", site, &b)
            b.raw(",\"bizStep\":"); b.string(network.gradingStep); b.raw(",\"disposition\":\"active\""); time(spec.time, &b)
            b.raw(",\"ilmd\":{\"cbvmda:countryOfOrigin\":\"CN\",\"orchard:grades\":[")
            for (i, g) in grades.enumerated() { if i > 0 { b.raw(",") }; b.string(g) }
            b.raw("]},\"inputQuantityList\":[")
            for (i, q) in inputs.enumerated() { if i > 0 { b.raw(",") }; quantity(q.0, q.1, &b) }
            b.raw("],\"outputQuantityList\":[")
            for (i, q) in outputs.enumerated() { if i > 0 { b.raw(",") }; quantity(q.0, q.1, &b) }
            b.raw("]"); location("readPoint", site, &b)
            b.raw(",\"type\":\"TransformationEvent\"}")
        case let .packing(pallet, epc, grams, cases, site):
            b.raw("{\"action\":\"ADD\""); location("bizLocation", site, &b)
            b.raw(",\"bizStep\":\"packing\",\"childQuantityList\":["); quantity(epc, grams, &b)
            b.raw("],\"disposition\":\"in_progress\""); time(spec.time, &b)
            b.raw(",\"https://orchard.example/voc/caseCount\":"); b.int(cases)
            b.raw(",\"parentID\":\"urn:epc:id:sscc:"); b.raw(Array(network.companyPrefix.utf8)); b.raw(".")
            let serial = String(pallet)
            b.raw(Array(String(repeating: "0", count: max(0, 11 - serial.count)).utf8)); b.raw(Array(serial.utf8))
            b.raw("\""); location("readPoint", site, &b)
            b.raw(",\"type\":\"AggregationEvent\"}")
        case let .registryAdd(participant):
            b.raw("{\"issuedAt\":"); b.string(clock.utc(spec.time))
            b.raw(",\"op\":\"add\",\"participant\":"); network.participantJSON(participant, into: &b)
            b.raw("}")
        }
        return b.bytes
    }

    /// The signed record line (no newline).
    func line(_ spec: RecordSpec) throws -> [UInt8] {
        let canonical = payload(spec)
        let registry = spec.signer < 0
        let key = registry ? authority : network.keys[spec.signer]
        let sig = try key.signature(for: (registry ? registryPrefix : eventPrefix) + canonical)
        var out = [UInt8]()
        out.reserveCapacity(canonical.count + 200)
        out += Array((registry ? "{\"type\":\"registry\",\"change\":" : "{\"type\":\"event\",\"event\":").utf8)
        out += canonical
        out += Array(",\"signer\":\"".utf8)
        out += registry ? authorityID : keyIDs[spec.signer]
        out += Array("\",\"sig\":\"".utf8)
        out += Array(Base64.encode(sig).utf8)
        out += Array("\"}".utf8)
        return out
    }

    private static let context: StaticString =
        "{\"@context\":[\"https://ref.gs1.org/standards/epcis/epcis-context.jsonld\",{\"orchard\":\"https://orchard.example/voc/\"}]"

    private func location(_ key: StaticString, _ site: Int, _ b: inout CanonicalBuffer) {
        b.raw(",\""); b.raw(key); b.raw("\":{\"id\":"); b.quoted(network.participants[site].sgln); b.raw("}")
    }

    private func time(_ t: Int64, _ b: inout CanonicalBuffer) {
        b.raw(",\"eventTime\":\""); clock.local(t, into: &b.bytes)
        b.raw("\",\"eventTimeZoneOffset\":"); b.string(clock.offsetText)
    }

    private func quantity(_ epc: [UInt8], _ grams: Int64, _ b: inout CanonicalBuffer) {
        b.raw("{\"epcClass\":"); b.quoted(epc); b.raw(",\"quantity\":"); b.kg(grams); b.raw(",\"uom\":\"KGM\"}")
    }

    /// Readings in tenths of a degree: a random walk inside the safe range (one tenth in from
    /// each bound), and during an excursion a rise to `peak` above the maximum and back, every
    /// reading of it at least 0.3 °C above the maximum.
    static func temperatures(product: SimProduct, readings: Int, excursion: Excursion?, noise: UInt64) -> [Int] {
        var r = SimRandom(seed: noise)
        var lo = product.minTenths + 1, hi = product.maxTenths - 1
        if hi < lo { lo = (product.minTenths + product.maxTenths) / 2; hi = lo }
        var v = (lo + hi) / 2
        var out = [Int]()
        out.reserveCapacity(readings)
        for _ in 0..<readings {
            v = min(hi, max(lo, v + r.int(-2...2)))
            out.append(v)
        }
        if let e = excursion, e.readings > 0, e.readings <= readings {
            let start = min(readings * e.startPerMille / 1000, readings - e.readings)
            for i in 0..<e.readings {
                let shape = e.readings == 1 ? 1.0 : 1 - abs(2 * Double(i) / Double(e.readings - 1) - 1)
                out[start + i] = product.maxTenths + 3 + Int((Double(e.peakTenths - 3) * shape).rounded())
            }
        }
        return out
    }
}
