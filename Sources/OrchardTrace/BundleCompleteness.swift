// Completeness (Docs/BUNDLE.md step 5, Docs/LOTMAP.md): the block the checkpoint is of commits to
// the lot map's root; each opening folds to the value the map proves for its identifier; and the
// journey walk, run over the bundle itself, finds every event the ledger committed to — none
// missing, none extra.
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// How completely a bundle holds one identifier's part of the journey.
public struct LotCompleteness: Hashable, Sendable {
    public let key: TraceKey
    /// Events naming it that the ledger commits to within the journey's span of it.
    public let committed: Int
    /// Of those, how many the bundle carries (equal when verified).
    public let carried: Int
    /// Events naming it up to the checkpoint, in all (the map's `count`).
    public let total: UInt64
    public let span: ClosedRange<UInt64>
}

extension BundleVerifier {
    /// Checks a bundle's lot map section against the verified checkpoint and events.
    static func checkCompleteness(_ bundle: TraceBundle, section: TraceBundle.LotMapSection, genesis: Genesis,
                                  checkpoint: Checkpoint, events: [TraceRecord]) throws(BundleFailure) -> [LotCompleteness] {
        // 1. The block: the checkpoint's tree, signed by the sequencer, with a lot map root.
        func blockFail(_ reason: String) -> BundleFailure { BundleFailure(.lotMapBlock, path: "lotMap.block", reason: reason) }
        let header: BlockHeader
        do { header = try BlockHeader(json: try JSONParser.parse(section.block.headerBytes)) } catch {
            throw blockFail("not a block header: \(error)")
        }
        guard header.canonicalBytes == section.block.headerBytes else { throw blockFail("the header is not in canonical (RFC 8785) form") }
        guard header.version >= 2 else { throw blockFail("a version \(header.version) header commits to no lot map") }
        guard header.treeSize == checkpoint.treeSize, header.rootHash == checkpoint.rootHash else {
            throw blockFail("the block is of a tree of \(header.treeSize) leaves with another root, not the checkpoint's (\(checkpoint.treeSize) leaves)")
        }
        let message = header.signingMessage(origin: genesis.origin)
        let signature = section.block.signature
        guard try crypto({ () throws(CryptoError) in try genesis.sequencerKey.isValidSignature(signature, for: message) }) else {
            throw blockFail("the block's signature does not verify with the genesis sequencer key \(genesis.sequencerKey.keyID)")
        }
        let root = header.lotMapRoot

        // 2. Each opening: increasing leaves in the tree, folded to the value the map proves.
        let carried = Dictionary(uniqueKeysWithValues: events.map { ($0.leafIndex, $0) })
        var openings = [TraceKey: [UInt64]]()
        var totals = [TraceKey: UInt64]()
        for (i, o) in section.openings.enumerated() {
            let path = "lotMap.openings[\(i)]"
            func fail(_ reason: String) -> BundleFailure { BundleFailure(.lotMapProof, path: path, reason: "\(o.key.rawValue): \(reason)") }
            guard openings[o.key] == nil else { throw fail("opened twice") }
            var value = LotMapValue.empty
            var previous: UInt64?
            for e in o.events {
                guard e.leaf < checkpoint.treeSize, previous.map({ e.leaf > $0 }) ?? true else {
                    throw fail("event leaves must increase and lie in the checkpoint's tree; leaf \(e.leaf) does not")
                }
                previous = e.leaf
                var hash = e.leafHash
                if let record = carried[e.leaf] {
                    let own = try crypto { () throws(CryptoError) in try record.leafHash }
                    guard hash == nil || hash == own else { throw fail("the leaf hash given for leaf \(e.leaf) is not its record's") }
                    hash = own
                }
                guard let hash else {
                    // The opening says the ledger holds an event here, and the bundle does not carry it.
                    let held = o.events.filter { carried[$0.leaf] != nil }.count
                    throw BundleFailure(.incomplete, leaf: e.leaf, path: path,
                                        reason: "incomplete: \(o.key.rawValue): the ledger commits to \(o.events.count) event\(o.events.count == 1 ? "" : "s") naming it, the bundle holds \(held); the event at leaf \(e.leaf) is missing")
                }
                do { try value.append(leaf: e.leaf, leafHash: hash) } catch { throw fail("\(error)") }
            }
            let keyHash = try crypto { () throws(CryptoError) in try LotMapHash.key(o.key) }
            do { try o.proof.verify(key: keyHash, value: o.events.isEmpty ? nil : value, root: root) } catch {
                throw fail("the lot map does not commit to these \(o.events.count) events: \(error)")
            }
            openings[o.key] = o.events.map(\.leaf)
            totals[o.key] = value.count
        }

        // 3. The walk, over the bundle: every event it needs must be carried; nothing else may be.
        let source = BundleJourneySource(openings: openings, records: carried)
        let walk: JourneyWalk
        do {
            walk = bundle.direction == .backward
                ? try JourneyWalk.backward(bundle.subject, treeSize: checkpoint.treeSize, source: source)
                : try JourneyWalk.forward(bundle.subject, treeSize: checkpoint.treeSize, source: source)
        } catch let missing as BundleJourneySource.Missing {
            switch missing {
            case let .opening(key):
                throw BundleFailure(.incomplete, path: "lotMap.openings", reason: "\(key.rawValue) is part of the journey, but the bundle carries no lot map opening for it")
            case let .record(leaf, key):
                let all = openings[key] ?? []
                let held = all.filter { carried[$0] != nil }.count
                throw BundleFailure(.incomplete, leaf: leaf, path: "records",
                                    reason: "incomplete: \(key.rawValue): the ledger commits to \(all.count) event\(all.count == 1 ? "" : "s") naming it, the bundle holds \(held); the event at leaf \(leaf), part of the journey, is missing")
            }
        } catch {
            throw BundleFailure(.incomplete, reason: "\(error)")
        }
        let needed = Set(walk.leaves)
        if let extra = events.first(where: { !needed.contains($0.leafIndex) }) {
            let names = extra.event.namedIdentifiers.map(\.key.rawValue).joined(separator: ", ")
            throw BundleFailure(.extraEvent, leaf: extra.leafIndex, eventID: extra.eventID, path: "records",
                                reason: "the event at leaf \(extra.leafIndex) (naming \(names)) is not part of the \(bundle.direction.rawValue) journey of \(bundle.subject.rawValue)")
        }
        return walk.spans.keys.sorted().map { key in
            let span = walk.spans[key]!
            let inSpan = (openings[key] ?? []).filter { span.contains($0) }
            return LotCompleteness(key: key, committed: inSpan.count, carried: inSpan.filter { carried[$0] != nil }.count,
                                   total: totals[key] ?? 0, span: span)
        }
    }
}

/// The bundle as a journey source: leaves from its openings, records from its verified events.
struct BundleJourneySource: JourneySource {
    enum Missing: Error { case opening(TraceKey), record(UInt64, TraceKey) }
    let openings: [TraceKey: [UInt64]]
    let records: [UInt64: TraceRecord]

    func leaves(naming key: TraceKey) throws -> [UInt64] {
        guard let leaves = openings[key] else { throw Missing.opening(key) }
        return leaves
    }

    func record(at leaf: UInt64, for key: TraceKey) throws -> TraceRecord {
        guard let r = records[leaf] else { throw Missing.record(leaf, key) }
        return r
    }
}
