// libFuzzer target: what `orchard stats verify` reads from anyone — a signed loss statement — and
// the hand-written decoders of the loss statistics: exact kilogram text, calendar days, a query.
//
// LossStatement.read on the input; Mass(kilogramsText:) and CalendarDay.parse on the input as text;
// LossQuery(json:) on the input parsed as JSON (and on its "query" member); LossStatement.compare
// of the input's JSON with itself. Properties:
//  1. reading either returns a statement whose signature verified or throws a Refusal that is
//     `rejected` or `verificationFailed` (never a trap, never another category); a statement read
//     has a checkpoint whose text reads back equal and a query whose JSON reads back equal;
//  2. a mass that reads writes exact text that reads back to the same mass, and its kilograms
//     rounded to 3 places differ from it by at most half a gram;
//  3. a day that parses writes the same text back;
//  4. any JSON compared with itself has no mismatch.
@testable import OrchardCrypto
@testable import OrchardLedger
@testable import OrchardModel
@testable import OrchardStats

func checkMass(_ text: String) {
    guard let m = Mass(kilogramsText: text) else { return }
    let again = Mass(kilogramsText: m.kilogramsText)
    require(again == m, "mass \(text) writes \(m.kilogramsText), which reads back as \(again.map(\.kilogramsText) ?? "nothing")")
    if let rounded = Mass(kilogramsText: m.kilograms(places: 3)) {
        let d = (rounded - m).femtograms
        require(d.magnitude <= UInt128(Mass.femtogramsPerGram / 2), "mass \(text) rounds to \(m.kilograms(places: 3)) kg, more than half a gram away")
    } else {
        require(false, "mass \(text) rounded to 3 places (\(m.kilograms(places: 3))) does not read back")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStatement(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let text = String(decoding: bytes, as: UTF8.self)
    if text.utf8.count < 80 { checkMass(text) }
    if let d = CalendarDay.parse(text) { require(CalendarDay.text(d) == text, "day \(text) writes \(CalendarDay.text(d))") }
    if let json = try? JSONParser.parse(bytes) {
        require(LossStatement.compare(claimed: json, recomputed: json).isEmpty, "a document differs from itself: \(show(bytes))")
        for candidate in [json, json["query"], json["statement"]?["query"]].compactMap({ $0 }) {
            if let q = try? LossQuery(json: candidate) {
                require((try? LossQuery(json: q.json)) == q, "a query does not read back equal from its JSON")
            }
        }
    }
    do {
        let read = try LossStatement.read(bytes)
        note("read: tree size \(read.checkpoint.treeSize), signer \(read.signer.keyID)")
        require((try? Checkpoint(text: read.checkpoint.text)) == read.checkpoint, "the statement's checkpoint does not read back")
        require((try? LossQuery(json: read.query.json)) == read.query, "the statement's query does not read back")
    } catch {
        note("refused: \(error.description)")
        require(error.category == .rejected || error.category == .verificationFailed, "refused with category \(error.category)")
    }
    return 0
}
