// The ledger's events as an EPCIS 2.0 JSON-LD document another EPCIS system reads: every event
// exactly as captured (its signed payload), with the `eventID` the ledger computed (the CBV 2.0
// hash ID, which other systems compute the same way) and the `recordTime` of the block that holds
// it. Streamed: records are read a chunk at a time, parsed on all cores, written in leaf order.
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTrace

/// Which events an export holds.
public struct ExportSelection: Sendable {
    /// `eventTime` at or after this (ms since the epoch).
    public var fromMillis: Int64?
    /// `eventTime` before this (ms since the epoch).
    public var toMillis: Int64?
    /// Only these leaves (a lot's journey), when set.
    public var leaves: Set<UInt64>?

    public init(fromMillis: Int64? = nil, toMillis: Int64? = nil, leaves: Set<UInt64>? = nil) {
        self.fromMillis = fromMillis; self.toMillis = toMillis; self.leaves = leaves
    }
}

extension LedgerStore {
    /// Writes an EPCISDocument of the selected events (as of `treeSize`, default the head) through
    /// `write`, piece by piece; returns how many events it holds.
    @discardableResult
    public func exportEPCIS(_ selection: ExportSelection, treeSize: UInt64? = nil, filter: @escaping @Sendable (JSONValue) -> Bool = { _ in true },
                            _ write: ([UInt8]) throws -> Void) throws -> Int {
        let head = try treeSize.map { try self.block(containingTreeSize: $0) } ?? self.head()
        let size = head.header.treeSize
        let context: JSONValue = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
        try write(Array("{\"@context\":\(JSONWriter.compactString(context)),\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\",\"creationDate\":\(JSONWriter.compactString(.string(head.header.time))),\"epcisBody\":{\"eventList\":[\n".utf8))
        var count = 0
        var height: UInt64 = 0
        var block = try self.block(height: 0)
        let leaves = selection.leaves
        let start = leaves?.min() ?? 1
        try scanStoredRecords(start..<size) { first, stored in
            let events = parallelMap(Array(stored.indices), minChunk: 32) { i -> [UInt8]? in
                let leaf = first + UInt64(i)
                if let leaves, !leaves.contains(leaf) { return nil }
                guard let record = try? SignedRecord(storedForm: stored[i]), record.kind == .event else { return nil }
                let event = record.payload
                if selection.fromMillis != nil || selection.toMillis != nil {
                    guard let t = event["eventTime"]?.stringValue.flatMap({ try? EPCISTimestamp($0) })?.millisecondsSinceEpoch else { return nil }
                    if let from = selection.fromMillis, t < from { return nil }
                    if let to = selection.toMillis, t >= to { return nil }
                }
                guard filter(event) else { return nil }
                guard let id = try? EventID.compute(for: event, context: event["@context"]) else { return nil }
                return JSONWriter.compact(event.setting("eventID", to: .string(id.uri)))
            }
            for (i, bytes) in events.enumerated() {
                guard var bytes else { continue }
                let leaf = first + UInt64(i)
                while leaf >= block.header.treeSize { height += 1; block = try self.block(height: height) }
                // recordTime: when the ledger took the event in (its block's time).
                bytes.removeLast()
                bytes += Array(",\"recordTime\":\(JSONWriter.compactString(.string(block.header.time)))}".utf8)
                try write((count == 0 ? [] : Array(",\n".utf8)) + bytes)
                count += 1
            }
            return true
        }
        try write(Array("\n]}}\n".utf8))
        return count
    }

    /// The signed checkpoint of every block, in order, through `body` (height, checkpoint).
    public func forEachCheckpoint(upTo treeSize: UInt64? = nil, _ body: (UInt64, Checkpoint) throws -> Void) throws {
        let last = try treeSize.map { try block(containingTreeSize: $0) } ?? head()
        for h in 0...last.header.height { try body(h, try block(height: h).checkpoint) }
    }
}

extension LedgerStore {
    /// One event as EPCIS 2.0 JSON-LD, as an export writes it: the captured event (checked to be
    /// the event its ID names) with its `eventID` and the `recordTime` of its block (its
    /// `@context` added when it carries none).
    public func epcisEvent(_ idText: String) throws -> JSONValue {
        guard let id = EventID(uri: idText) else { throw QueryError.notAnEventID(idText) }
        let view = try event(id)
        var event = view.record.payload.setting("eventID", to: .string(id.uri))
        event = event.setting("recordTime", to: .string(try block(height: view.blockHeight).header.time))
        if event["@context"] == nil {
            event = event.setting("@context", to: ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"])
        }
        return event
    }
}
