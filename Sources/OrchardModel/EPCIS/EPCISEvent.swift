// A captured EPCIS 2.0 event (JSON-LD binding): the JSON exactly as received, plus the fields
// the ledger's rules read, extracted and checked once.

/// The five EPCIS 2.0 event types.
public enum EPCISEventType: String, Sendable, CaseIterable {
    case object = "ObjectEvent"
    case aggregation = "AggregationEvent"
    case transformation = "TransformationEvent"
    case transaction = "TransactionEvent"
    case association = "AssociationEvent"
}

/// EPCIS `action`.
public enum EPCISAction: String, Sendable, CaseIterable {
    case add = "ADD", observe = "OBSERVE", delete = "DELETE"
}

extension EPCISEventType {
    /// The type named by the UTF-8 bytes (as `init(rawValue:)`, without a String).
    init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let t = Self.allCases.first(where: { sameBytes($0.rawValue, bytes) }) else { return nil }
        self = t
    }
}

extension EPCISAction {
    /// The action named by the UTF-8 bytes (as `init(rawValue:)`, without a String).
    init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let a = Self.allCases.first(where: { sameBytes($0.rawValue, bytes) }) else { return nil }
        self = a
    }
}

/// Whether the UTF-8 of `s` is `bytes`.
private func sameBytes(_ s: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    s.utf8.count == bytes.count && (s.utf8.withContiguousStorageIfAvailable { $0.elementsEqual(bytes) } ?? s.utf8.elementsEqual(bytes))
}

/// Where a quantity or EPC appears in an event.
public enum EPCISListRole: String, Sendable {
    /// `quantityList` / `epcList`.
    case subject
    /// `childQuantityList` / `childEPCs`.
    case child
    /// `inputQuantityList` / `inputEPCList`.
    case input
    /// `outputQuantityList` / `outputEPCList`.
    case output
}

/// One element of a quantity list: a class of objects (a lot), how much, in which unit.
public struct QuantityElement: Hashable, Sendable {
    public var role: EPCISListRole
    /// The `epcClass` as written (an LGTIN URN or a Digital Link URI).
    public var epcClass: String
    /// The lot's key in the ledger: the canonical `https://id.gs1.org/01/…/10/…` Digital Link of
    /// `epcClass`, so that URN and Digital Link spellings of one lot are one lot.
    public var lot: TraceKey
    /// How much, exactly, in the element's unit (`uom`; none means a count of items). EPCIS
    /// allows the amount to be absent (an unspecified quantity).
    public var quantity: Quantity?
    /// The unit of measure (`uom` as a known UN/ECE Rec. 20 code; ``UnitOfMeasure/items`` when absent).
    public var unit: UnitOfMeasure
    /// Position of this element in its list.
    public var index: Int

    /// JSON path of this element, e.g. `quantityList[0]` (made when a message needs it).
    public var path: String { "\(role.quantityListName)[\(index)]" }
}

extension EPCISListRole {
    /// The member holding quantity elements of this role.
    public var quantityListName: String {
        switch self {
        case .subject: "quantityList"
        case .child: "childQuantityList"
        case .input: "inputQuantityList"
        case .output: "outputQuantityList"
        }
    }
}

/// One sensor reading (`sensorElementList[].sensorReport[]`) with a numeric value.
public struct SensorReading: Hashable, Sendable {
    /// Measurement type as written, e.g. `gs1:Temperature`.
    public var type: String
    public var value: Double
    public var uom: String?
    /// Reading time if the report has one, else the sensor metadata's time, else nil.
    public var time: String?
}

/// An EPCIS event: the captured JSON and the fields the ledger's rules use.
public struct EPCISEvent: Sendable {
    /// Where the event was read from: a parsed tree, or the tape of its stored canonical text.
    enum Source: Sendable { case tree(JSONValue), tape(JSONTape) }
    let source: Source

    /// The event exactly as captured (member order and number text kept); built from the tape
    /// when the event was read from one.
    public var json: JSONValue {
        switch source {
        case let .tree(v): v
        case let .tape(t): t.value(t.root)
        }
    }
    public let type: EPCISEventType
    public let action: EPCISAction?
    /// `eventTime` text (RFC 3339 with offset).
    public let eventTime: String
    /// `bizStep` as written (bare CBV word, CBV URI or an extension URI), nil if absent.
    public let bizStep: String?
    public let disposition: String?
    public let readPoint: String?
    public let bizLocation: String?
    public let parentID: String?
    /// Every quantity element with its list role.
    public let quantities: [QuantityElement]
    /// Every instance-level EPC with its list role.
    public let epcs: [(role: EPCISListRole, epc: String)]
    /// The `errorDeclaration`, when the event declares the event with its ID erroneous (EPCIS 2.0
    /// §7.4.1.3).
    public let errorDeclaration: ErrorDeclaration?
    /// The `destination`s of `destinationList`, as written (a shipment's receiver).
    public let destinations: [String]
    /// Numeric sensor readings (read from `json` when asked: appending checks only their shape).
    public var sensorReadings: [SensorReading] { Self.readings(json) }

    /// Reads and checks the structure of one event. `index` is its position in the input, used
    /// in errors.
    public init(json: JSONValue, index: Int) throws(EventProblem) {
        try self.init(JSONValueReader(), json, source: .tree(json), index: index)
    }

    /// Reads and checks one event from the tape of its canonical text (the same checks and
    /// problems as ``init(json:index:)``, without building the tree).
    public init(tape: JSONTape, index: Int) throws(EventProblem) {
        self = try tape.withView { (view) throws(EventProblem) in try EPCISEvent(view, tape.root, source: .tape(tape), index: index) }
    }

    private init<R: JSONReader>(_ r: R, _ json: R.Node, source: Source, index: Int) throws(EventProblem) {
        func problem(_ code: ProblemCode, _ path: String, _ reason: String) -> EventProblem {
            EventProblem(index: index, code: code, path: path, reason: reason)
        }
        guard r.kind(json) == .object else { throw problem(.eventType, "", "an event must be a JSON object") }
        self.source = source
        // The type, the offset and the action are read as bytes (no String is made for them).
        guard let typeNode = r.member(json, "type"), r.kind(typeNode) == .string else { throw problem(.eventType, "type", "missing event type") }
        guard let type = r.withUTF8(typeNode, EPCISEventType.init(utf8:)) ?? nil else {
            throw problem(.eventType, "type", "unknown event type \"\(r.string(typeNode) ?? "")\" (expected ObjectEvent, AggregationEvent, TransformationEvent, TransactionEvent or AssociationEvent)")
        }
        self.type = type
        guard let time = r.stringMember(json, "eventTime") else { throw problem(.eventTime, "eventTime", "missing eventTime") }
        eventTime = time
        guard let offsetNode = r.member(json, "eventTimeZoneOffset"), r.kind(offsetNode) == .string else {
            throw problem(.timeZone, "eventTimeZoneOffset", "missing eventTimeZoneOffset (e.g. \"+08:00\")")
        }
        guard r.withUTF8(offsetNode, Self.isTimeZoneOffset) == true else {
            throw problem(.timeZone, "eventTimeZoneOffset", "\"\((r.string(offsetNode) ?? "").prefix(40))\" is not a time-zone offset: ±hh:mm from -14:00 to +14:00, e.g. \"+08:00\"")
        }
        if let a = r.member(json, "action") {
            guard let action = r.withUTF8(a, EPCISAction.init(utf8:)) ?? nil else {
                throw problem(.action, "action", "action must be ADD, OBSERVE or DELETE")
            }
            self.action = action
        } else {
            if type != .transformation { throw problem(.action, "action", "missing action (ADD, OBSERVE or DELETE)") }
            action = nil
        }
        // Steps, dispositions and locations repeat from event to event: read from a tape, each is
        // the String made for it before on this thread, and a check it passed is not made again.
        let step = try Self.optionalRepeatedString(r, json, "bizStep", .bizStep, problem)
        bizStep = step?.string
        if let (text, handle) = step, handle?.hasPassed(.bizStep) != true {
            guard CBV.isStandard(bizStep: text) || Self.isExtensionURI(text) else {
                throw problem(.bizStep, "bizStep", "\"\(text)\" is not a CBV 2.0 business step (e.g. shipping, receiving, commissioning) nor an extension URI")
            }
            handle?.recordPassed(.bizStep)
        }
        let disposition = try Self.optionalRepeatedString(r, json, "disposition", .disposition, problem)
        self.disposition = disposition?.string
        if let (text, handle) = disposition, handle?.hasPassed(.disposition) != true {
            guard CBV.isStandard(disposition: text) || Self.isExtensionURI(text) else {
                throw problem(.disposition, "disposition", "\"\(text)\" is not a CBV 2.0 disposition (e.g. active, in_transit, destroyed) nor an extension URI")
            }
            handle?.recordPassed(.disposition)
        }
        readPoint = try Self.locationID(r, json, "readPoint", problem)
        bizLocation = try Self.locationID(r, json, "bizLocation", problem)
        parentID = try Self.optionalString(r, json, "parentID", .identifier, problem)
        if let parentID {
            try Self.checkIdentifier(parentID, "parentID", problem)
            try Self.checkKind(parentID, instance: true, "parentID", problem)
        }

        var quantities = [QuantityElement]()
        for role in Self.listRoles {
            try Self.quantityList(r, json, role, into: &quantities, problem)
        }
        self.quantities = quantities
        var epcs = [(role: EPCISListRole, epc: String)]()
        for (key, role) in Self.epcLists {
            guard let list = r.member(json, key) else { continue }
            guard r.kind(list) == .array else { throw problem(.identifier, key, "must be an array of EPC URIs") }
            var i = 0
            try r.forEachItem(list) { (item) throws(EventProblem) in
                guard let s = r.string(item), !s.isEmpty else { throw problem(.identifier, "\(key)[\(i)]", "must be an EPC URI string") }
                try Self.checkIdentifier(s, "\(key)[\(i)]", problem)
                try Self.checkKind(s, instance: true, "\(key)[\(i)]", problem)
                epcs.append((role, s))
                i += 1
            }
        }
        self.epcs = epcs
        try Self.checkSensorElements(r, json, problem)
        errorDeclaration = try ErrorDeclaration.read(r, json, problem)
        var destinations = [String]()
        if let list = r.member(json, "destinationList") {
            r.forEachItem(list) { d in if let s = r.member(d, "destination").flatMap(r.repeatedString) { destinations.append(s.string) } }
        }
        self.destinations = destinations
    }

    /// The list roles in the order their quantity lists are read.
    private static let listRoles: [EPCISListRole] = [.subject, .child, .input, .output]
    /// The EPC lists and the role of their EPCs, in the order they are read.
    private static let epcLists: [(String, EPCISListRole)] = [("epcList", .subject), ("childEPCs", .child),
                                                              ("inputEPCList", .input), ("outputEPCList", .output)]

    /// Lots and objects are keys of the ledger's indexes: they must be absolute URIs (so that no
    /// two spellings can meet in one key) of a sensible length (LMDB keys hold at most 511 bytes).
    static func checkIdentifier(_ s: String, _ path: @autoclosure () -> String, _ problem: (ProblemCode, String, String) -> EventProblem) throws(EventProblem) {
        guard s.utf8.count <= 400 else { throw problem(.identifier, path(), "identifier longer than 400 bytes") }
        // Scanned in the string's own storage (an identifier is checked for every list entry).
        let flaw = s.withBytes(identifierFlaw)
        switch flaw {
        case nil: return
        case let .invalidByte(bad, byte)?:
            throw problem(.identifier, path(), "\"\(s.prefix(60))\" contains \(byte == 0x20 ? "a space" : "a control character") at byte \(bad + 1): identifiers are URIs, which have none")
        case .notAbsolute?:
            throw problem(.identifier, path(), "\"\(s.prefix(60))\" is not an absolute URI (an EPC URN such as urn:epc:class:lgtin:… or a GS1 Digital Link)")
        }
    }

    /// What is wrong with an identifier's bytes for ``checkIdentifier(_:_:_:)``, if anything.
    private enum IdentifierFlaw { case invalidByte(Int, UInt8), notAbsolute }

    private static func identifierFlaw(_ u: UnsafeBufferPointer<UInt8>) -> IdentifierFlaw? {
        if let bad = u.firstIndex(where: { $0 <= 0x20 || $0 == 0x7F }) { return .invalidByte(bad, u[bad]) }
        var i = 0
        while i < u.count, (0x41...0x5A).contains(u[i]) || (0x61...0x7A).contains(u[i]) || (i > 0 && ((0x30...0x39).contains(u[i]) || u[i] == 0x2B || u[i] == 0x2D || u[i] == 0x2E)) { i += 1 }
        guard i > 0, i < u.count, u[i] == 0x3A else { return .notAbsolute }
        return nil
    }

    /// `±hh:mm` with hh ≤ 14 and mm < 60 (the offsets in use run from -12:00 to +14:00).
    static func isTimeZoneOffset(_ s: String) -> Bool {
        s.withBytes(isTimeZoneOffset)
    }

    private static func isTimeZoneOffset(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        func digit(_ i: Int) -> Int? { (0x30...0x39).contains(u[i]) ? Int(u[i] - 0x30) : nil }
        guard u.count == 6, u[0] == 0x2B || u[0] == 0x2D, u[3] == 0x3A,
              let h1 = digit(1), let h2 = digit(2), let m1 = digit(4), let m2 = digit(5) else { return false }
        let hours = h1 * 10 + h2, minutes = m1 * 10 + m2
        return minutes < 60 && (hours < 14 || (hours == 14 && minutes == 0))
    }

    /// GS1 identifiers must be of the kind their field holds: quantity lists name classes (an
    /// LGTIN, a GTIN), EPC lists and `parentID` name single objects (an SGTIN, an SSCC…). A
    /// Digital Link's check digit is verified (a URN's is computed, not written). Identifiers
    /// outside GS1 (a private URI) are accepted as they are.
    static func checkKind(_ s: String, instance: Bool, _ path: @autoclosure () -> String, _ problem: (ProblemCode, String, String) -> EventProblem) throws(EventProblem) {
        if s.hasBytePrefix("urn:epc:") {
            let isClass = s.hasBytePrefix("urn:epc:class:") || s.hasBytePrefix("urn:epc:idpat:")
            if instance && isClass {
                throw problem(.identifier, path(), "\"\(s.prefix(60))\" names a class of objects; this field names single objects (e.g. urn:epc:id:sgtin:… or urn:epc:id:sscc:…)")
            }
            if !instance && !isClass {
                throw problem(.identifier, path(), "\"\(s.prefix(60))\" names a single object; epcClass names a class (e.g. urn:epc:class:lgtin:…)")
            }
            return
        }
        guard s.hasPrefix("https://") || s.hasPrefix("http://"), let dl = CanonicalDigitalLink.normalise(s) else { return }
        let key = TraceKey(canonical: dl)
        do {
            if let gtin = dl.digitsAfter("/01/", count: 14) { _ = try GTIN(gtin) }
            if let sscc = dl.digitsAfter("/00/", count: 18) { _ = try SSCC(sscc) }
            if let gln = dl.digitsAfter("/414/", count: 13) ?? dl.digitsAfter("/417/", count: 13) { _ = try GLN(gln) }
        } catch {
            throw problem(.identifier, path(), "\"\(s.prefix(80))\": \(error)")
        }
        if instance && (key.kind == .lot || key.kind == .product) {
            throw problem(.identifier, path(), "\"\(s.prefix(60))\" names a class of objects; this field names single objects (a serial /21/ or an SSCC /00/)")
        }
        if !instance && (key.kind == .item || key.kind == .logisticUnit) {
            throw problem(.identifier, path(), "\"\(s.prefix(60))\" names a single object; epcClass names a class (a GTIN /01/ with or without a lot /10/)")
        }
    }

    /// A namespaced extension term: an absolute http(s) URI or a URN outside the CBV namespace.
    static func isExtensionURI(_ s: String) -> Bool {
        (s.hasPrefix("https://") || s.hasPrefix("http://") || s.hasPrefix("urn:")) && !s.hasPrefix("urn:epcglobal:cbv:")
            && !s.hasPrefix("https://ref.gs1.org/cbv/")
    }

    private static func optionalString<R: JSONReader>(_ r: R, _ json: R.Node, _ key: String, _ code: ProblemCode, _ problem: (ProblemCode, String, String) -> EventProblem) throws(EventProblem) -> String? {
        guard let v = r.member(json, key) else { return nil }
        guard let s = r.string(v), !s.isEmpty else { throw problem(code, key, "must be a non-empty string") }
        return s
    }

    private static func optionalRepeatedString<R: JSONReader>(_ r: R, _ json: R.Node, _ key: String, _ code: ProblemCode,
                                                              _ problem: (ProblemCode, String, String) -> EventProblem) throws(EventProblem)
        -> (string: String, handle: RepeatedStrings.Handle?)? {
        guard let v = r.member(json, key) else { return nil }
        guard let s = r.repeatedString(v), !s.string.isEmpty else { throw problem(code, key, "must be a non-empty string") }
        return s
    }

    private static func locationID<R: JSONReader>(_ r: R, _ json: R.Node, _ key: String, _ problem: (ProblemCode, String, String) -> EventProblem) throws(EventProblem) -> String? {
        guard let v = r.member(json, key) else { return nil }
        guard let (id, handle) = r.member(v, "id").flatMap(r.repeatedString), !id.isEmpty else {
            throw problem(.location, "\(key).id", "missing location id (an SGLN URN or GLN Digital Link)")
        }
        if handle?.hasPassed(.identifier) != true {
            try checkIdentifier(id, "\(key).id") { _, path, reason in problem(.location, path, reason) }
            handle?.recordPassed(.identifier)
        }
        return id
    }

    private static func quantityList<R: JSONReader>(_ r: R, _ json: R.Node, _ role: EPCISListRole, into out: inout [QuantityElement],
                                                    _ problem: (ProblemCode, String, String) -> EventProblem) throws(EventProblem) {
        let key = role.quantityListName
        guard let list = r.member(json, key) else { return }
        guard r.kind(list) == .array else { throw problem(.quantity, key, "must be an array of quantity elements") }
        var i = 0
        try r.forEachItem(list) { (item) throws(EventProblem) in
            defer { i += 1 }
            var at: String { "\(key)[\(i)]" }
            // A class read from a tape is remembered per thread with its lot key once it passed
            // the checks below: a lot is named by many events, each read without a new string.
            guard let (cls, handle) = r.member(item, "epcClass").flatMap(r.repeatedString), !cls.isEmpty else {
                throw problem(.identifier, "\(at).epcClass", "missing epcClass (an LGTIN class URN)")
            }
            let known = handle?.lotKey()
            if known == nil {
                try checkIdentifier(cls, "\(at).epcClass", problem)
                try checkKind(cls, instance: false, "\(at).epcClass", problem)
            }
            let uomNode = r.member(item, "uom")
            let uomText = uomNode.flatMap(r.string)
            if uomNode != nil, uomText == nil { throw problem(.unit, "\(at).uom", "must be a UN/ECE Rec. 20 unit code such as KGM") }
            let unit: UnitOfMeasure
            do throws(QuantityError) { unit = try UnitOfMeasure(code: uomText) } catch { throw problem(.unit, "\(at).uom", error.description) }
            var amount: Quantity? = nil
            if let q = r.member(item, "quantity") {
                guard let n = r.number(q) else { throw problem(.quantity, "\(at).quantity", "quantity must be a number") }
                do throws(QuantityError) { amount = try Quantity(json: n, unit: unit) } catch { throw problem(.quantity, "\(at).quantity", error.description) }
            }
            let lot: TraceKey
            if let known { lot = TraceKey(canonical: known) } else {
                // A plain lot URN is read once, as bytes (PlainEPCURN): that makes it a valid LGTIN
                // and gives its key. Any other is parsed once per thread (a lot is named by many
                // events: a URN already seen valid is not re-parsed).
                let isLGTIN = cls.hasBytePrefix("urn:epc:class:lgtin:")
                let plain = isLGTIN ? PlainEPCURN.canonicalDigitalLink(cls) : nil
                if isLGTIN, plain == nil, !NormalisationMemo.current.isValidLGTIN(cls) {
                    do { _ = try LGTIN(urn: cls) } catch { throw problem(.identifier, "\(at).epcClass", "\(error)") }
                    NormalisationMemo.current.rememberValidLGTIN(cls)
                }
                lot = plain.map { TraceKey(canonical: $0) } ?? TraceKey(cls)
                handle?.recordLotClass(key: lot.rawValue)
            }
            out.append(QuantityElement(role: role, epcClass: cls, lot: lot, quantity: amount, unit: unit, index: i))
        }
    }

    private static func checkSensorElements<R: JSONReader>(_ r: R, _ json: R.Node, _ problem: (ProblemCode, String, String) -> EventProblem) throws(EventProblem) {
        guard let list = r.member(json, "sensorElementList") else { return }
        guard r.kind(list) == .array else { throw problem(.sensor, "sensorElementList", "must be an array") }
        var i = 0
        try r.forEachItem(list) { (element) throws(EventProblem) in
            guard let report = r.member(element, "sensorReport"), r.kind(report) == .array else {
                throw problem(.sensor, "sensorElementList[\(i)].sensorReport", "missing sensorReport array")
            }
            i += 1
        }
    }

    private static func readings(_ json: JSONValue) -> [SensorReading] {
        var out = [SensorReading]()
        for element in json["sensorElementList"]?.arrayValue ?? [] {
            let metaTime = element["sensorMetadata"]?["time"]?.stringValue
            for report in element["sensorReport"]?.arrayValue ?? [] {
                guard let type = report["type"]?.stringValue, let value = report["value"]?.doubleValue else { continue }
                out.append(SensorReading(type: type, value: value, uom: report["uom"]?.stringValue,
                                         time: report["time"]?.stringValue ?? metaTime))
            }
        }
        return out
    }
}
