// libFuzzer target: what a person or a scanner hands Orchard to find a lot, and the proofs and keys
// handed to a verifier — fed the input as text.
//
// TraceCode.parse (a Digital Link on any host, a Digital Link path, an EPC URN, an element string),
// VerifierKey(_:), TrustAnchor(_:), TlogProof(text:) and its verification against the demo
// ledger's verifier key. Properties:
//  1. a parsed trace code's key is TraceKey(its EPC URN) (as TraceCode documents), of the kind of
//     what it names; its text is the input without surrounding white space;
//  2. its element string (`description`) and its EPC URN parse again to the same thing and key;
//  3. a lot or serial of the characters `'-.0-9;=A-Z_a-z` gives the same key by its Digital Link
//     on id.gs1.org (as TraceCode documents; F7: `"`, `<` and `>` do not);
//  4. a verifier key and a trust anchor write text that reads back equal;
//  5. a tlog-proof writes text that reads back equal (and writes the same text again); when it
//     verifies against the demo key, its index is inside the checkpoint's tree.
@testable import OrchardCrypto
@testable import OrchardLedger
@testable import OrchardModel
@testable import OrchardTrace

/// The demo ledger's verifier key (Docs/BUNDLE.md §1).
let demoKey: VerifierKey = {
    guard let k = try? VerifierKey("orchard.example/duoduo-orchard+c3ffe336+AZpHvteaNnO5gQl33xqjE7/kO4b3UYkpmyV6wUzOjQP0") else {
        fatalError("the demo verifier key does not read")
    }
    return k
}()

/// A lot or serial whose Digital Link on id.gs1.org is keyed as its EPC URN is: characters the
/// normaliser takes in a Digital Link value, less those an EPC URN escapes (`"`, `<`, `>`, `?`:
/// finding F7, the URN route keeps `%22`, the Digital Link route a raw `"`).
func takenByNormaliser(_ value: String) -> Bool {
    value.utf8.allSatisfy { !"\"<>?".utf8.contains($0) && CanonicalDigitalLink.isValueChar($0) }
}

func checkTraceCode(_ text: String) {
    let code: TraceCode
    do { code = try TraceCode.parse(text) } catch {
        note("trace code refused: \(error)")
        return
    }
    note("trace code: \(code.form) \(code.key.rawValue)")
    require(code.key == TraceKey(code.epcURN), "key \(code.key.rawValue) is not TraceKey(\(code.epcURN)) for \(text)")
    require(code.text == text.trimmingASCIIWhitespace(), "code text \(code.text) is not the input trimmed")
    let kind: TraceKey.Kind, dl: String
    switch code.identity {
    case let .lot(l):
        kind = .lot
        dl = takenByNormaliser(l.lot) ? "https://id.gs1.org/01/\(l.gtin.gtin14)/10/\(l.lot)" : ""
    case let .item(s):
        kind = .item
        dl = takenByNormaliser(s.serial) ? "https://id.gs1.org/01/\(s.gtin.gtin14)/21/\(s.serial)" : ""
    case let .logisticUnit(s):
        kind = .logisticUnit
        dl = "https://id.gs1.org/00/\(s.value)"
    }
    require(code.key.kind == kind, "\(text) names a \(kind) but its key \(code.key.rawValue) is of kind \(code.key.kind)")

    let element = code.description
    let again = try? TraceCode.parse(element)
    require(again?.identity == code.identity && again?.key == code.key && again?.form == .elementString,
            "element string \(element) of \(text) reads back as \(String(describing: again))")
    let urn = code.epcURN
    let viaURN = try? TraceCode.parse(urn)
    require(viaURN?.identity == code.identity && viaURN?.key == code.key && viaURN?.form == .epcURN,
            "EPC URN \(urn) of \(text) reads back as \(String(describing: viaURN))")
    if !dl.isEmpty {
        require(TraceKey(dl) == code.key, "Digital Link \(dl) has key \(TraceKey(dl).rawValue), the code \(text) \(code.key.rawValue)")
        // (The Digital Link parser may refuse a character the normaliser takes, such as `"`.)
        let viaDL = try? TraceCode.parse(dl)
        require(viaDL == nil || (viaDL?.identity == code.identity && viaDL?.key == code.key), "Digital Link \(dl) of \(text) reads back as \(String(describing: viaDL))")
    }
}

func checkKeys(_ text: String) {
    if let key = try? VerifierKey(text) {
        note("verifier key: \(key.description)")
        let back = try? VerifierKey(key.description)
        require(back == key, "verifier key \(text) -> \(key.description) reads back as \(String(describing: back))")
        require(back?.description == key.description, "verifier key text is not stable")
        _ = try? key.keyHash
    }
    if let anchor = try? TrustAnchor(text) {
        let back = try? TrustAnchor(anchor.description)
        require(back == anchor, "trust anchor \(text) -> \(anchor.description) reads back as \(String(describing: back))")
    }
}

func checkTlogProof(_ text: String) {
    let proof: TlogProof
    do { proof = try TlogProof(text: text) } catch {
        note("tlog-proof refused: \(error.description)")
        return
    }
    let written = proof.text
    let back = try? TlogProof(text: written)
    require(back == proof, "tlog-proof does not round-trip: \(show(Array(written.utf8)))")
    require(back?.text == written, "tlog-proof text is not stable")
    note("tlog-proof: index \(proof.index), \(proof.proof.count) hashes, verifies with the demo key: \((try? proof.verifiedRecord(verifierKey: demoKey)) != nil)")
    if let record = try? proof.verifiedRecord(verifierKey: demoKey) {
        require(proof.extra == record, "verifiedRecord returned other bytes than the extra data")
        require(proof.index < proof.checkpoint.treeSize && proof.checkpoint.origin == demoKey.name,
                "a tlog-proof verified outside its checkpoint's tree or origin")
    }
    if let leafHash = try? SHA256.hash(Array(text.utf8)) {
        _ = try? proof.verify(leafHash: leafHash, verifierKey: demoKey)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTraceCode(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let text = String(decoding: bytes, as: UTF8.self)
    checkTraceCode(text)
    checkKeys(text)
    checkTlogProof(text)
    return 0
}
