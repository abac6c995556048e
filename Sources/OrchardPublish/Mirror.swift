// `orchard mirror`: a read replica that follows a published log. It believes nothing it fetches
// until it verifies: the checkpoint under the trusted key, the log's tiles against it and against
// what the mirror already holds (a consistency proof from the mirror's tree), the entries against
// the tiles, and then every record and block header as the ledger's own append would check them
// (LedgerStore.appendMirrored). A log that does not verify is refused and reported; the mirror
// stays as it was.
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore

/// What one round of following did.
public struct MirrorReport: Sendable, Equatable {
    public var previousTreeSize: UInt64 = 0
    public var treeSize: UInt64 = 0
    public var blocks = 0
    public var records = 0
    public var created = false
}

public struct Mirror: Sendable {
    public let source: any ObjectSource
    public let trust: VerifierKey
    public let directory: String

    public init(source: any ObjectSource, trust: VerifierKey, directory: String) {
        self.source = source
        self.trust = trust
        self.directory = directory
    }

    /// Catches up with the log's checkpoint once.
    public func follow() async throws -> MirrorReport {
        var report = MirrorReport()
        let log = try await PublishedLog(source: source, trust: trust)
        let target = log.checkpoint.treeSize
        let store: LedgerStore
        if FileManager.default.fileExists(atPath: directory + "/data/data.mdb") {
            store = try LedgerStore.open(directory: directory)
            guard store.verifierKey == trust else {
                throw MirrorRefusal(height: nil, leaf: nil, reason: "the mirror in \(directory) is of \(store.verifierKey.name), not of the trusted key's log")
            }
        } else {
            let first = TlogTiles.Tile(level: nil, index: 0, width: Int(min(target, TlogTiles.width)))
            guard let bundle = try await source.read(first.path), let genesis = try TlogTiles.entries(ofBundle: bundle).first else {
                throw LogFailure(key: first.path, reason: "missing: the log's first entries")
            }
            let block0 = try await block(0)
            store = try LedgerStore.createMirror(directory: directory, genesisRecord: genesis, block0: block0)
            report.created = true
        }
        let head = try store.head()
        let have = head.header.treeSize
        report.previousTreeSize = have
        report.treeSize = have
        guard have <= target else {
            throw MirrorRefusal(height: nil, leaf: nil, reason: "the log's checkpoint has \(target) leaves, fewer than the \(have) this mirror holds: the log was rolled back")
        }
        // The log must extend what the mirror holds.
        let proof = try await log.consistencyProof(from: have)
        do {
            try MerkleVerifier.verifyConsistency(oldSize: have, newSize: target, oldRoot: head.header.rootHash,
                                                 newRoot: log.checkpoint.rootHash, proof: proof)
        } catch {
            throw MirrorRefusal(height: nil, leaf: nil, reason: "the log's tree of \(target) leaves does not extend the mirror's of \(have): a forked history")
        }
        guard target > have else { return report }
        // Blocks from the mirror's next height to the one that ends at the checkpoint.
        var blocks = [SignedBlock]()
        var height = head.header.height + 1
        while blocks.last?.header.treeSize ?? have < target {
            blocks.append(try await block(height))
            height += 1
        }
        guard blocks.last?.header.treeSize == target else {
            throw LogFailure(key: PublishedLayout.block(height - 1), reason: "the blocks do not end at the checkpoint's \(target) leaves")
        }
        var records = [[UInt8]]()
        try await log.verify(from: have) { first, entries in records += entries }
        // The blocks must hold exactly the new entries (each block's own fields are checked as it is applied).
        var total: UInt64 = 0
        for b in blocks {
            let (sum, overflow) = total.addingReportingOverflow(b.header.recordCount)
            guard !overflow else { throw LogFailure(key: PublishedLayout.block(b.header.height), reason: "its record count is impossible") }
            total = sum
        }
        guard total == UInt64(records.count) else {
            throw LogFailure(key: PublishedLayout.block(blocks.last!.header.height),
                             reason: "the blocks hold \(total) records, but \(records.count) new entries were published")
        }
        // Applied a few blocks at a time (each stretch all or nothing).
        var leafAt = 0, blockAt = 0
        while blockAt < blocks.count {
            var end = blockAt, count = 0
            while end < blocks.count, count < 8192 { count += Int(blocks[end].header.recordCount); end += 1 }
            try store.appendMirrored(records: Array(records[leafAt ..< leafAt + count]), blocks: Array(blocks[blockAt ..< end]))
            leafAt += count
            blockAt = end
        }
        report.blocks = blocks.count
        report.records = records.count
        let now = try store.head()
        guard now.header.treeSize == target, now.header.rootHash == log.checkpoint.rootHash else {
            throw MirrorRefusal(height: now.header.height, leaf: nil, reason: "the replayed tree is not the checkpoint's")
        }
        report.treeSize = target
        return report
    }

    /// A published block header, checked for form (its signature is checked when it is applied).
    func block(_ height: UInt64) async throws -> SignedBlock {
        let key = PublishedLayout.block(height)
        guard let bytes = try await source.read(key) else { throw LogFailure(key: key, reason: "missing") }
        do {
            let block = try SignedBlock(json: try JSONParser.parse(bytes))
            guard block.header.height == height else { throw LedgerFormatError("it holds block \(block.header.height)") }
            return block
        } catch let failure as LogFailure {
            throw failure
        } catch {
            throw LogFailure(key: key, reason: "not a block: \(error)")
        }
    }
}
