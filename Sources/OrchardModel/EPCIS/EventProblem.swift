// The one error shape for a refused record: which record, which field, what kind of problem
// (a stable code programs act on) and why (words people act on).

/// A stable, machine-readable name for a kind of problem, e.g. `balance.exceeded`. Programs and
/// the HTTP API act on the code; the reason beside it is for people and may be reworded.
public struct ProblemCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    // The record as submitted.
    /// Not JSON, or not one JSON value.
    public static let syntax = ProblemCode(rawValue: "record.syntax")
    /// Not a signed record (members missing or unexpected; wrong `type`).
    public static let recordShape = ProblemCode(rawValue: "record.shape")
    /// A genesis record cannot be appended.
    public static let genesisRecord = ProblemCode(rawValue: "record.genesis")
    /// The input is not an EPCIS document, event or list of events.
    public static let notEPCIS = ProblemCode(rawValue: "input.not-epcis")

    /// A stored record that is not in the form its own content makes (its payload is not RFC
    /// 8785 canonical, or the stored bytes do not decode): found when a ledger is replayed.
    public static let recordForm = ProblemCode(rawValue: "record.form")
    /// A record the ledger holds twice (found when a ledger is replayed; an append answers a
    /// repeat with its first receipt).
    public static let duplicateRecord = ProblemCode(rawValue: "record.duplicate")

    // The event's fields.
    public static let eventType = ProblemCode(rawValue: "event.type")
    public static let eventTime = ProblemCode(rawValue: "event.time")
    public static let timeZone = ProblemCode(rawValue: "event.time-zone")
    public static let action = ProblemCode(rawValue: "event.action")
    public static let bizStep = ProblemCode(rawValue: "event.biz-step")
    public static let disposition = ProblemCode(rawValue: "event.disposition")
    public static let location = ProblemCode(rawValue: "event.location")
    public static let identifier = ProblemCode(rawValue: "event.identifier")
    public static let quantity = ProblemCode(rawValue: "event.quantity")
    public static let unit = ProblemCode(rawValue: "event.unit")
    public static let sensor = ProblemCode(rawValue: "event.sensor")
    /// The CBV 2.0 event ID cannot be computed.
    public static let eventID = ProblemCode(rawValue: "event.id")

    // Who signed it.
    public static let signatureInvalid = ProblemCode(rawValue: "signature.invalid")
    public static let keyUnknown = ProblemCode(rawValue: "key.unknown")
    public static let keyRevoked = ProblemCode(rawValue: "key.revoked")
    public static let keyNotYetValid = ProblemCode(rawValue: "key.not-yet-valid")
    public static let roleForbidsStep = ProblemCode(rawValue: "role.forbids-step")

    // The rules against the ledger.
    public static let futureTime = ProblemCode(rawValue: "time.future")
    public static let lotUnknown = ProblemCode(rawValue: "lot.unknown")
    public static let unitMismatch = ProblemCode(rawValue: "lot.unit-mismatch")
    public static let balanceExceeded = ProblemCode(rawValue: "balance.exceeded")
    /// Adding to a lot another participant created.
    public static let lotNotCreator = ProblemCode(rawValue: "lot.not-creator")
    /// Using, shipping or selling more of a lot than the signer holds.
    public static let notHeld = ProblemCode(rawValue: "custody.not-held")
    /// Receiving more of a lot than is in transit to the signer.
    public static let notInTransit = ProblemCode(rawValue: "custody.not-in-transit")
    /// An event dated before the event that created its lot.
    public static let beforeLotCreated = ProblemCode(rawValue: "time.before-lot")
    /// A TransformationEvent under a step that makes nothing (transporting, selling…).
    public static let notTransforming = ProblemCode(rawValue: "transformation.step")
    /// A transformation that puts out more than it takes in (beyond the tolerance), or in
    /// units that cannot be compared with its inputs'.
    public static let outputsExceedInputs = ProblemCode(rawValue: "transformation.outputs-exceed-inputs")

    /// A malformed `errorDeclaration`, or one the ledger cannot accept (the event is unknown,
    /// already declared, declared by someone else, or its effects have moved on).
    public static let errorDeclaration = ProblemCode(rawValue: "event.error-declaration")

    // Registry changes.
    public static let registrySigner = ProblemCode(rawValue: "registry.signer")
    public static let registryChange = ProblemCode(rawValue: "registry.change")

    /// The ledger could not be read while judging the record (not the record's fault).
    public static let ledgerRead = ProblemCode(rawValue: "ledger.read")
}

/// Why a record was refused: its position in the input, its ID when known, the kind of problem,
/// the JSON path of the offending field and a reason a person can act on.
public struct EventProblem: Error, Equatable, Sendable, CustomStringConvertible {
    /// Zero-based position of the record in the submitted input (people are shown it from 1).
    public var index: Int
    /// The event's CBV 2.0 hash ID, when it could be computed.
    public var eventID: String?
    /// What kind of problem this is, stable across releases.
    public var code: ProblemCode
    /// JSON path of the field at fault, e.g. `quantityList[0].uom`; empty for the whole record.
    public var path: String
    /// What is wrong, and what would be right.
    public var reason: String
    /// The 1-based line of the input file the record starts on, when the reader knows it.
    public var line: Int?

    public init(index: Int, eventID: String? = nil, code: ProblemCode, path: String, reason: String) {
        self.index = index
        self.eventID = eventID
        self.code = code
        self.path = path
        self.reason = reason
    }

    /// The same problem at another input position (a batch of a larger input).
    public func offset(by n: Int) -> EventProblem {
        var p = self
        p.index += n
        return p
    }

    /// One line, e.g. `record 4 (line 4) ni:///sha-256;…: quantityList[0].uom: unknown unit "KG"`.
    public var description: String {
        let record = line.map { "record \(index + 1) (line \($0))" } ?? "record \(index + 1)"
        let who = eventID.map { "\(record) \($0)" } ?? record
        return path.isEmpty ? "\(who): \(reason)" : "\(who): \(path): \(reason)"
    }

    /// As JSON: `{"record": 4, "index": 3, "line"?, "eventID"?, "code", "path", "reason"}`.
    public var json: JSONValue {
        var m = [JSONMember("record", .number(JSONNumber(index + 1))), JSONMember("index", .number(JSONNumber(index)))]
        if let line { m.append(JSONMember("line", .number(JSONNumber(line)))) }
        if let eventID { m.append(JSONMember("eventID", .string(eventID))) }
        m += [JSONMember("code", .string(code.rawValue)), JSONMember("path", .string(path)), JSONMember("reason", .string(reason))]
        return .object(m)
    }
}
