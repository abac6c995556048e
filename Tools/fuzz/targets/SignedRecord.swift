// libFuzzer target: the signed-record readers of OrchardLedger.
//
// The input is read as record JSON text (SignedRecord(document:text:index:) and
// SignedRecord(json:index:)), as stored record bytes (SignedRecord(recordBytes:)) and as a record's
// compact stored form (SignedRecord(storedForm:), SignedRecord.recordBytes(storedForm:)).
// Properties:
//  1. the canonical-text shortcut is sound: a record read from its text has the same canonical
//     payload as JSONWriter.canonical(payload) (what is signed and hashed);
//  2. reading from text and reading from the parsed value give the same record bytes;
//  3. record bytes and the stored form round-trip: recordBytes → SignedRecord(recordBytes:) and
//     storedForm → SignedRecord(storedForm:) give back the same record bytes, and
//     recordBytes(storedForm:) equals the record bytes of the decoded stored form (reading record
//     bytes back is checked when the payload is canonical, which the stored form takes on trust).
@testable import OrchardLedger
import OrchardModel

func checkRoundTrips(_ record: SignedRecord, _ what: String) {
    let bytes = record.recordBytes
    let stored = record.storedForm
    let fromStored = try? SignedRecord(storedForm: stored)
    require(fromStored?.recordBytes == bytes, "\(what): stored form does not round-trip: \(show(bytes))")
    require((try? SignedRecord.recordBytes(storedForm: stored)) == bytes, "\(what): recordBytes(storedForm:) differs: \(show(bytes))")
    // The stored form trusts its payload to be canonical (the writer made it so; a damaged one
    // shows as a leaf hash that does not match the tree), so reading back is only checked then.
    if record.canonicalPayload == JSONWriter.canonical(record.payload) {
        let fromBytes = try? SignedRecord(recordBytes: bytes)
        require(fromBytes?.recordBytes == bytes, "\(what): record bytes do not read back: \(show(bytes))")
    }
    _ = try? record.leafHash
    _ = record.json
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSignedRecord(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)

    if let document = try? JSONParser.parseDocument(bytes) {
        let fromText = try? SignedRecord(document: document, text: bytes, index: 0)
        let fromValue = try? SignedRecord(json: document.value, index: 0)
        require((fromText == nil) == (fromValue == nil), "text and value readers disagree on \(show(bytes))")
        if let fromText, let fromValue {
            require(fromText.canonicalPayload == JSONWriter.canonical(fromText.payload),
                    "canonical payload taken from the text is not canonical: \(show(fromText.canonicalPayload)) vs \(show(JSONWriter.canonical(fromText.payload)))")
            require(fromText.recordBytes == fromValue.recordBytes, "text and value readers give different record bytes")
            checkRoundTrips(fromText, "record JSON")
        }
    }
    if let record = try? SignedRecord(recordBytes: bytes) { checkRoundTrips(record, "record bytes") }
    if let record = try? SignedRecord(storedForm: bytes) {
        require((try? SignedRecord.recordBytes(storedForm: bytes)) == record.recordBytes, "recordBytes(storedForm:) differs from the decoded record's")
        checkRoundTrips(record, "stored form")
    } else {
        _ = try? SignedRecord.recordBytes(storedForm: bytes)
    }
    return 0
}
