// libFuzzer target: the binary decoders of stored ledger state, each fed the whole input.
//
// RecordSegments.decode / record(_:in:) (16 stored records per LMDB value) and the stored form
// of every record found in a segment (SignedRecord(storedForm:)); HeadState(encoded:) and
// MerkleFrontier(serialized:); LotBalance(encoded:); a stored lineage edge and a stored trace key.
// Properties:
//  1. decode agrees with record(i, in:) for every i, and encode(decode(b)) decodes to the same records;
//  2. HeadState and MerkleFrontier re-encode to exactly the bytes they were read from; a LotBalance
//     re-encodes to bytes that decode to the same balance;
//  3. what a decoder accepts can be used: a frontier's root hash, a balance's on-hand, in-transit
//     and held quantities (the ledger computes these from what it reads back).
@testable import OrchardStore
@testable import OrchardLedger
import OrchardModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSegments(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)

    // Record segments.
    if let records = try? RecordSegments.decode(bytes) {
        for (i, r) in records.enumerated() {
            require((try? RecordSegments.record(i, in: bytes)) == r, "record(\(i), in:) disagrees with decode")
            if let record = try? SignedRecord(storedForm: r) { _ = record.recordBytes; _ = try? record.leafHash }
        }
        require((try? RecordSegments.record(records.count, in: bytes)) == nil, "record past the count was returned")
        let again = try? RecordSegments.decode(RecordSegments.encode(records))
        require(again == records, "encode(decode(b)) does not decode to the same records")
    } else {
        for i in 0..<3 { _ = try? RecordSegments.record(i, in: bytes) }
    }

    // Head state and Merkle frontier.
    if let head = try? HeadState(encoded: bytes) {
        require(head.encoded == bytes, "head state does not re-encode to its bytes")
        _ = try? head.frontier.rootHash
    }
    if let frontier = try? MerkleFrontier(serialized: bytes) {
        require(frontier.serialized() == bytes, "frontier does not re-serialize to its bytes")
        require(frontier.subtreeRoots.count == frontier.treeSize.nonzeroBitCount, "frontier roots do not match its size")
        _ = try? frontier.rootHash
    }

    // Lot balances (amounts, creator, holdings and transit by participant).
    if let balance = LotBalance(encoded: bytes) {
        // Not byte-exact: a table may repeat or misorder participants, which encode() writes once, sorted.
        let again = LotBalance(encoded: balance.encoded)
        // Finding F5 (Docs/FUZZING.md): names over 255 UTF-8 bytes are cut short by encoded.
        let names = [balance.creator] + Array(balance.holdings.keys) + Array(balance.inTransit.keys)
        if !skipKnownFindings || names.allSatisfy({ $0.utf8.count <= 255 }) {
            require(again == balance, "lot balance does not survive encode → decode: \(show(bytes))")
        }
        // Finding F1 (Docs/FUZZING.md): the sums trap on amounts no writer makes.
        let inRange = { (m: Int64) in m.magnitude <= 1_000_000_000_000_000 }  // Quantity.maximum
        if !skipKnownFindings || ([balance.quantityIn.micros, balance.quantityOut.micros] + Array(balance.holdings.values)
                                  + Array(balance.inTransit.values)).allSatisfy(inRange) {
            _ = balance.onHand.description
            _ = balance.transit.description
        }
        _ = balance.held(by: balance.creator)
    }

    // Index values: a lineage edge (leaf ‖ kind ‖ other key) and a stored trace key.
    let key = StoredTraceKey.decode(bytes)
    if let text = String(validating: bytes, as: UTF8.self), !text.hasPrefix("https://id.gs1.org/") {
        require(StoredTraceKey.encode(key) == bytes, "stored trace key does not round-trip: \(show(bytes))")
    }
    _ = try? StoredLineageEdge(key: key, value: bytes)
    return 0
}
