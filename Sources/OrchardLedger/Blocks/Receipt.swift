// The answer to an append: where the record is and the signed checkpoint that includes it.
import OrchardModel

/// A receipt for one appended record.
public struct Receipt: Sendable {
    /// The event's CBV 2.0 ID (nil for registry records).
    public let eventID: EventID?
    public let leafIndex: UInt64
    public let blockHeight: UInt64
    /// The checkpoint of the block that holds the record.
    public let checkpoint: Checkpoint
    /// True when the event was already in the ledger (an idempotent repeat).
    public let duplicate: Bool

    public init(eventID: EventID?, leafIndex: UInt64, blockHeight: UInt64, checkpoint: Checkpoint, duplicate: Bool) {
        self.eventID = eventID
        self.leafIndex = leafIndex
        self.blockHeight = blockHeight
        self.checkpoint = checkpoint
        self.duplicate = duplicate
    }

    public var json: JSONValue {
        var m: [JSONMember] = []
        if let eventID { m.append(JSONMember("eventID", .string(eventID.uri))) }
        m += [JSONMember("leafIndex", .number(JSONNumber(Int(leafIndex)))),
              JSONMember("blockHeight", .number(JSONNumber(Int(blockHeight)))),
              JSONMember("duplicate", .bool(duplicate)),
              JSONMember("checkpoint", .string(checkpoint.text))]
        return .object(m)
    }
}
