// The outcome of validating a batch: the new leaves with everything the store must index, and
// for each input record either its new position or the receipt it already has.
import OrchardCrypto
import OrchardModel

/// A validated record ready to be written.
public struct PlannedRecord: Sendable {
    public let kind: RecordKind
    /// The record in its compact stored form (see `SignedRecord.storedForm`).
    public let storedForm: [UInt8]
    public let leafHash: SHA256Digest
    /// Set for event records.
    public let eventID: EventID?
    /// The key under which a resubmission is recognised (event ID, or registry record digest).
    public let dedupKey: EventID?
    /// Every identifier the event names, with its roles, for the trace index.
    public let names: [(key: TraceKey, roles: NamingRoles)]
    /// Lineage edges the event makes (output → input, parent → child).
    public let lineage: [LineageEdge]
    /// Position of the record in the submitted input.
    public let inputIndex: Int
    /// For registry records: the change, as logged for rebuilding the registry.
    public let registryChange: JSONValue?
    /// For an error declaration: the ID of the event it declares erroneous.
    public var declares: EventID? = nil

    /// A leaf that indexes nothing (a replayed record the rules refused as it stands).
    static func bareLeaf(_ leafHash: SHA256Digest, inputIndex: Int) -> PlannedRecord {
        PlannedRecord(kind: .event, storedForm: [], leafHash: leafHash, eventID: nil, dedupKey: nil, names: [], lineage: [],
                      inputIndex: inputIndex, registryChange: nil)
    }
}

/// What happened to one submitted record.
public enum PlannedOutcome: Sendable {
    /// New: it will be the plan's `records[n]`.
    case new(Int)
    /// Already in the ledger (idempotent append): its event ID (nil for a registry record) and location.
    case duplicate(EventID?, EventLocation)
    /// A repeat, within the same batch, of the plan's `records[n]`.
    case repeatInBatch(Int)
}

/// A fully validated batch.
public struct AppendPlan: Sendable {
    public var records: [PlannedRecord] = []
    public var outcomes: [PlannedOutcome] = []
    /// Lot balances after the batch, for every lot it touched.
    public var lotBalances: [TraceKey: LotBalance] = [:]
    /// The registry after the batch.
    public var registry: Registry
    /// Every problem found so far (the plan may only be written when there are none).
    public var problems: [EventProblem] = []
    /// Events of the batch so far, by ID: their index in `records`.
    var seen: [EventID: Int] = [:]
    /// Roles the batch's planned events gave identifiers that transformations take as inputs
    /// (kept only for instance-level inputs, which have no balance).
    var namedInBatch: [TraceKey: NamingRoles] = [:]
    /// Events declared erroneous by the batch so far.
    var declaredInBatch: Set<EventID> = []

    public init(registry: Registry) { self.registry = registry }
}

/// Every problem found in a refused batch (the ledger is left unchanged).
public struct AppendRejection: Error, Sendable, CustomStringConvertible {
    public let problems: [EventProblem]

    /// Records of the input that earlier batches already appended (`0..<n`), when a large input
    /// was appended in several all-or-nothing batches and a later one was refused.
    public let alreadyAppended: Range<Int>

    public init(problems: [EventProblem], alreadyAppended: Range<Int> = 0..<0) {
        self.problems = problems
        self.alreadyAppended = alreadyAppended
    }

    /// The same rejection with each problem's input line filled in from `lines` (the line each
    /// record starts on, by record index).
    public func locating(lines: [Int]?) -> AppendRejection {
        guard let lines else { return self }
        return AppendRejection(problems: problems.map { p in
            var p = p
            if p.index < lines.count { p.line = lines[p.index] }
            return p
        }, alreadyAppended: alreadyAppended)
    }

    public var description: String {
        let head = problems.prefix(20).map(\.description).joined(separator: "\n")
        let more = problems.count > 20 ? "\n… and \(problems.count - 20) more problems" : ""
        let summary = "rejected: \(problems.count) problem\(problems.count == 1 ? "" : "s")"
        let landed = alreadyAppended.isEmpty ? "; the ledger is unchanged\n"
            : "; records \(alreadyAppended.lowerBound + 1)–\(alreadyAppended.upperBound) were appended by earlier batches, nothing of the refused batch was written\n"
        return summary + landed + head + more
    }
}
