// The read side's unit of evidence: one event record of the ledger, with the leaf it sits at and
// the event it carries. A trace (from the ledger's indexes) and a bundle (from a file, without the
// ledger) both hold these, so the journey is described by one piece of code for both.
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// One event record at its leaf: the exact record bytes (the Merkle leaf data), the signed record
/// read from them, the EPCIS event it carries and the event's CBV 2.0 ID recomputed from it.
public struct TraceRecord: Sendable {
    public let leafIndex: UInt64
    /// The canonical record bytes: `leaf hash = H(0x00 ‖ recordBytes)`.
    public let recordBytes: [UInt8]
    public let record: SignedRecord
    public let event: EPCISEvent
    public let eventID: EventID

    /// Why record bytes are not an event record this code can read.
    public struct Unreadable: Error, Sendable, CustomStringConvertible {
        public let leafIndex: UInt64
        public let reason: String
        public var description: String { "record at leaf \(leafIndex): \(reason)" }
    }

    /// Reads an event record from its bytes; the event ID is recomputed from the event.
    public init(leafIndex: UInt64, recordBytes: [UInt8]) throws(Unreadable) {
        func fail(_ reason: String) -> Unreadable { Unreadable(leafIndex: leafIndex, reason: reason) }
        let record: SignedRecord
        do { record = try SignedRecord(recordBytes: recordBytes) } catch { throw fail("not a signed record: \(error)") }
        guard record.kind == .event else { throw fail("a \(record.kind.rawValue) record, not an event") }
        guard record.recordBytes == recordBytes else { throw fail("the bytes are not in canonical (RFC 8785) form") }
        let event: EPCISEvent
        do { event = try EPCISEvent(json: record.payload, index: 0) } catch { throw fail("not an EPCIS event: \(error)") }
        let id: EventID
        do { id = try EventID.compute(for: record.payload, context: record.payload["@context"]) } catch {
            throw fail("its event ID cannot be computed: \(error)")
        }
        self.leafIndex = leafIndex
        self.recordBytes = recordBytes
        self.record = record
        self.event = event
        self.eventID = id
    }

    /// The RFC 9162 leaf hash of the record bytes.
    public var leafHash: SHA256Digest { get throws(CryptoError) { try MerkleHash.leaf(recordBytes) } }
}
