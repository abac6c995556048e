// libFuzzer target: the consumer bundle (Docs/BUNDLE.md), its offline verifier, and the newer
// checkpoint with its consistency proof.
//
// TraceBundle(bytes:) on the input; BundleVerifier.verify(_:trust:newerCheckpoint:) with a fixed
// trust anchor, the demo ledger's verifier key (and its genesis hash); NewerCheckpoint(checkpointText:
// consistencyProofText:) on the input, and on the strings of the bundle's members
// "fuzz.newerCheckpoint" and "fuzz.consistencyProof" (members a bundle reader ignores, so a seed
// can carry a newer checkpoint into verification). Properties:
//  1. a bundle that parses writes text (`.text`) and JSON (`.json`, compact) that parse to an equal
//     bundle, and writing that again gives the same text;
//  2. a bundle that does not parse is refused with `bundle.format`;
//  3. verification either succeeds or throws a BundleFailure (typed throws: never another error,
//     never a trap); when it succeeds, every verified event's leaf is a record of the bundle and
//     below the checkpoint's tree size, events are in strictly increasing leaf order, the
//     checkpoint is the bundle's, the genesis is of the trusted origin and key, the verified lots
//     are the claimed ones, the subject is among them, and the genesis-hash anchor (the ledger ID
//     the verification reports) gives the same verdict;
//  4. a newer checkpoint that reads has a checkpoint whose text reads back the same.
@testable import OrchardCrypto
@testable import OrchardLedger
@testable import OrchardModel
@testable import OrchardTrace

/// The demo ledger's verifier key (Docs/BUNDLE.md §1): name = origin, key = the genesis sequencer key.
let demoVerifierKey = "orchard.example/duoduo-orchard+c3ffe336+AZpHvteaNnO5gQl33xqjE7/kO4b3UYkpmyV6wUzOjQP0"
let anchor: TrustAnchor = {
    guard let a = try? TrustAnchor(demoVerifierKey), case .verifierKey = a else {
        fatalError("the demo verifier key does not read")
    }
    return a
}()

/// What `lots` claims, as sets: the verifier compares claims so (a claim may list a lot twice, or
/// out of key order, and say the same).
func claims(_ lots: [TraceBundle.Lot]) -> (Set<String>, Set<String>) {
    var namings = Set<String>(), links = Set<String>()
    for lot in lots {
        for n in lot.namedBy { namings.insert("\(lot.key.rawValue) \(n.leaf) \(n.roles.names)") }
        for l in lot.links { links.insert("\(lot.key.rawValue) \(l.leaf) \(l.kind) \(l.to?.rawValue ?? "-")") }
    }
    return (namings, links)
}

func same(_ a: TraceBundle, _ b: TraceBundle) -> Bool {
    a.origin == b.origin && a.subject == b.subject && a.code == b.code && a.checkpoint == b.checkpoint
        && a.genesisBlock == b.genesisBlock && a.records == b.records && a.hashes == b.hashes && a.lots == b.lots
}

func checkRoundTrip(_ bundle: TraceBundle, _ input: String) {
    let text = bundle.text
    let fromText: TraceBundle?
    do { fromText = try TraceBundle(bytes: Array(text.utf8)) } catch {
        require(false, "bundle text does not read back (\(error.description)): \(show(Array(text.utf8)))")
        return
    }
    require(fromText.map { same($0, bundle) } == true, "bundle text reads back to another bundle: \(show(Array(input.utf8)))")
    require(fromText?.text == text, "bundle text is not stable on a second write")
    let compact = JSONWriter.compact(bundle.json)
    let fromJSON = try? TraceBundle(bytes: compact)
    require(fromJSON.map { same($0, bundle) } == true, "bundle JSON does not read back equal: \(show(compact))")
}

func checkVerified(_ v: VerifiedBundle, _ bundle: TraceBundle, newer: NewerCheckpoint?) {
    let leaves = Set(bundle.records.map(\.leaf))
    var previous: UInt64?
    for e in v.events {
        require(leaves.contains(e.leafIndex), "verified event at leaf \(e.leafIndex) is not a record of the bundle")
        require(e.leafIndex < v.checkpoint.treeSize, "verified event at leaf \(e.leafIndex) is outside the tree of \(v.checkpoint.treeSize)")
        require(e.leafIndex > 0, "an event verified at leaf 0")
        require(previous.map { $0 < e.leafIndex } ?? true, "verified events out of leaf order")
        require(bundle.records.contains { $0.leaf == e.leafIndex && $0.recordBytes == e.recordBytes },
                "verified event at leaf \(e.leafIndex) is not the bundle's bytes for that leaf")
        previous = e.leafIndex
    }
    for leaf in v.registryLeaves {
        require(leaves.contains(leaf) && leaf > 0 && leaf < v.checkpoint.treeSize, "verified registry leaf \(leaf) is not a record in the tree")
    }
    require((try? Checkpoint(text: bundle.checkpoint)) == v.checkpoint, "the verified checkpoint is not the bundle's")
    require(v.genesis.origin == bundle.origin, "verified a bundle whose origin is not its genesis's")
    if case let .verifierKey(key) = anchor {
        require(v.genesis.origin == key.name && v.genesis.sequencerKey == key.key, "verified a genesis other than the trusted one")
    }
    require(v.ledgerID == (try? SHA256.hash(bundle.genesisBlock.headerBytes)), "the ledger ID is not the genesis block's hash")
    require(claims(v.lots) == claims(bundle.lots), "the verified lots are not the claimed ones")
    require(v.lots == TraceBundle.lots(of: v.events), "the verified lots are not those of the verified events")
    require(v.lots.contains { $0.key == v.subject } && v.subject == bundle.subject, "verified without its subject")
    if let newer {
        require(v.newerCheckpoint == newer.checkpoint && newer.checkpoint.treeSize >= v.checkpoint.treeSize,
                "the newer checkpoint verified is not the one given, or is smaller")
    }
    // The genesis-hash anchor reaches the same verdict.
    let byHash = try? BundleVerifier.verify(bundle, trust: .genesisHash(v.ledgerID), newerCheckpoint: newer)
    require(byHash?.events.map(\.leafIndex) == v.events.map(\.leafIndex), "the genesis-hash anchor disagrees with the verifier key")
    // What a verified bundle shows does not trap.
    _ = v.summaryLines
    _ = JSONWriter.compact(v.summaryJSON)
    _ = v.signers
    let journey = v.journey
    _ = journey.timeline(verifiedAgainst: v.checkpoint.treeSize)
    _ = JSONWriter.compact(journey.json)
    _ = journey.csv
    for step in journey.steps { _ = step.kind.cte }
}

func verifyBundle(_ bundle: TraceBundle, newer: NewerCheckpoint?) {
    do {
        let v = try BundleVerifier.verify(bundle, trust: anchor, newerCheckpoint: newer)
        note("verified: \(v.events.count) events, \(v.lots.count) lots, tree \(v.checkpoint.treeSize)"
             + (v.newerCheckpoint.map { ", newer checkpoint \($0.treeSize)" } ?? ""))
        checkVerified(v, bundle, newer: newer)
    } catch {
        // Typed throws: `error` is a BundleFailure. Only libcrypto may fail with `system`.
        note("refused: \(error.description)")
        require(error.check != .system, "a bundle made libcrypto fail: \(error.description)")
        require(error.check != .format, "verification reported a format failure: \(error.description)")
        _ = error.description
        _ = JSONWriter.compact(error.json)
        _ = error.category
    }
}

func readNewer(_ checkpoint: String, _ proof: String) -> NewerCheckpoint? {
    guard let n = try? NewerCheckpoint(checkpointText: checkpoint, consistencyProofText: proof) else { return nil }
    require((try? Checkpoint(text: n.checkpoint.text)) == n.checkpoint, "the newer checkpoint does not round-trip")
    return n
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBundle(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let text = String(decoding: bytes, as: UTF8.self)
    _ = readNewer(text, text)
    _ = try? NewerCheckpoint.readProof(text)

    let bundle: TraceBundle
    do { bundle = try TraceBundle(bytes: bytes) } catch {
        note("unreadable: \(error.description)")
        require(error.check == .format, "an unreadable bundle refused with \(error.check.rawValue)")
        _ = error.description
        return 0
    }
    checkRoundTrip(bundle, text)

    var newer: NewerCheckpoint?
    if let value = try? JSONParser.parse(bytes), let c = value["fuzz.newerCheckpoint"]?.stringValue {
        newer = readNewer(c, value["fuzz.consistencyProof"]?.stringValue ?? "")
    }
    verifyBundle(bundle, newer: newer)
    return 0
}
