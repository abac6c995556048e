// `orchard publish`: the ledger as a static C2SP tlog-tiles log on object storage (Docs/PUBLISH.md).
// Immutable objects first — entry bundles, hash tiles, block headers, each lot's bundle at its tree
// size — then the mutable ones that point into them — each lot's current bundle at its Digital Link
// path, the page — and the checkpoint last, so a reader who sees a checkpoint finds everything it
// names. What the bucket already has (its checkpoint says how far it goes) is not written again.
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore
import OrchardTrace

/// Why a publish stopped. The bucket is left as it was except for immutable objects that were
/// missing (harmless: a later publish writes the same bytes there).
public enum PublishError: CategorizedError, Sendable {
    /// An immutable name holds different bytes: someone else wrote there. Never overwritten.
    case conflict(key: String, existing: Int, ours: Int)
    /// The bucket's checkpoint is not this ledger's, or not a tree this ledger extends.
    case foreignLog(reason: String)
    /// A record too large for a tlog-tiles entry bundle.
    case tile(TileError, leaf: UInt64)

    public var category: FailureCategory {
        switch self {
        case .conflict, .foreignLog: .verificationFailed
        case .tile: .ledgerError
        }
    }

    public var description: String {
        switch self {
        case .conflict(let key, let existing, let ours):
            "publish: \(key) already holds a different object (\(existing) bytes, ours \(ours)); immutable objects are never overwritten — find out who wrote it"
        case .foreignLog(let reason): "publish: the bucket's log is not this ledger's: \(reason)"
        case .tile(let error, let leaf): "publish: leaf \(leaf): \(error)"
        }
    }
}

/// What to publish besides the log.
public struct PublishOptions: Sendable {
    /// Writes in flight at once.
    public var concurrency = 16
    /// Lot bundles built at once.
    public var bundleWorkers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// The origin the world reads the bucket at (e.g. `https://trace.example`): the code carried in
    /// each bundle. Nil: the bare Digital Link path.
    public var publicHost: String?
    /// Static objects written as they are (the consumer page and its assets).
    public var staticObjects: [(key: String, body: [UInt8], metadata: ObjectMetadata)] = []
    /// Seconds a lot's current bundle (at its Digital Link path) may be cached.
    public var bundleMaxAge = 60
    /// Seconds the checkpoint may be cached.
    public var checkpointMaxAge = 5
    /// Collects witness cosignatures on a checkpoint (nil: publish without witnesses). The
    /// published checkpoint and every lot bundle at its tree size carry them.
    public var cosign: (@Sendable (Checkpoint) async throws -> Checkpoint)?
    /// Called with a line of progress.
    public var progress: @Sendable (String) -> Void = { _ in }

    public init() {}
}

/// What a publish wrote.
public struct PublishReport: Sendable, Equatable {
    public var previousTreeSize: UInt64 = 0
    public var treeSize: UInt64 = 0
    /// Objects written, and objects found already there with the same bytes.
    public var written = 0
    public var alreadyThere = 0
    public var bytesWritten = 0
    public var tiles = 0
    public var entryBundles = 0
    public var blocks = 0
    public var lotBundles = 0
    public var seconds = 0.0

    public init() {}
}

/// Publishes one ledger to one sink.
public struct Publisher: Sendable {
    public let store: LedgerStore
    public let sink: any ObjectSink
    public let options: PublishOptions

    public init(store: LedgerStore, sink: any ObjectSink, options: PublishOptions = PublishOptions()) {
        self.store = store
        self.sink = sink
        self.options = options
    }

    /// The bucket's checkpoint, checked to be this ledger's and a tree this ledger extends.
    public func publishedCheckpoint() async throws -> Checkpoint? {
        guard let bytes = try await sink.read(PublishedLayout.checkpoint) else { return nil }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(text: String(decoding: bytes, as: UTF8.self)) } catch {
            throw PublishError.foreignLog(reason: "its checkpoint does not read: \(error)")
        }
        let key = store.verifierKey
        guard checkpoint.origin == key.name else {
            throw PublishError.foreignLog(reason: "its checkpoint's origin is \(checkpoint.origin), this ledger's \(key.name)")
        }
        guard try checkpoint.isSigned(by: key.key) else {
            throw PublishError.foreignLog(reason: "its checkpoint is not signed by this ledger's sequencer key")
        }
        let size = try store.head().header.treeSize
        guard checkpoint.treeSize <= size else {
            throw PublishError.foreignLog(reason: "its checkpoint has \(checkpoint.treeSize) leaves, this ledger \(size)")
        }
        guard try store.rootHash(treeSize: checkpoint.treeSize) == checkpoint.rootHash else {
            throw PublishError.foreignLog(reason: "its checkpoint at \(checkpoint.treeSize) leaves has another root than this ledger's tree of that size (a forked history)")
        }
        return checkpoint
    }

    /// Publishes what the bucket lacks, up to the head; the checkpoint last.
    public func publish() async throws -> PublishReport {
        let started = Date()
        var report = PublishReport()
        let bucketCheckpoint = try await publishedCheckpoint()
        let previous = bucketCheckpoint?.treeSize ?? 0
        report.previousTreeSize = previous
        let writer = ObjectWriter(sink: sink, concurrency: options.concurrency)

        // The log up to a head; again if the ledger grew meanwhile, so the checkpoint published
        // names only what is there, and no lot bundle is newer than it.
        var published = previous
        var head = try store.head()
        var touched = Set<TraceKey>()
        var cosigned: Checkpoint?
        // The head whose tiles, entries and blocks are all written: its checkpoint is published.
        var complete = head
        for round in 0 ..< 10 {
            let size = head.header.treeSize
            if let cosign = options.cosign, cosigned?.treeSize != size {
                cosigned = try await cosign(head.checkpoint)
            }
            if size > published {
                try await publishTiles(from: published, to: size, writer: writer, report: &report, touched: &touched)
                try await publishBlocks(after: published, through: head.header.height, writer: writer, report: &report)
                published = size
            }
            complete = head
            // Bundles built after the ledger moved on are at a newer tree than the cosigned one:
            // built again next round, against a checkpoint the witnesses have seen.
            touched = try await publishLotBundles(touched, cosigned: cosigned, lastRound: round == 9, writer: writer, report: &report)
            let now = try store.head()
            if now.header.treeSize == size, touched.isEmpty { break }
            head = now
        }
        for object in options.staticObjects {
            try await writer.replace(object.key, object.body, object.metadata)
        }
        try await writer.replace(PublishedLayout.verifierKey, Array((store.verifierKey.description + "\n").utf8), .mutable("text/plain; charset=utf-8", maxAge: 3600))
        try await writer.drain()
        let text = (cosigned ?? complete.checkpoint).text
        if text != bucketCheckpoint?.text {
            try await sink.replace(PublishedLayout.checkpoint, body: Array(text.utf8),
                                   metadata: .mutable("text/plain; charset=utf-8", maxAge: options.checkpointMaxAge))
            writer.count(bytes: text.utf8.count)
        }
        report.treeSize = published
        (report.written, report.alreadyThere, report.bytesWritten) = writer.totals
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Entry bundles and hash tiles for leaves `[from, to)`; collects the lots the new events name.
    func publishTiles(from: UInt64, to: UInt64, writer: ObjectWriter, report: inout PublishReport, touched: inout Set<TraceKey>) async throws {
        let tiles = TlogTiles.newTiles(from: from, to: to)
        // Level 0 and the entries, from the records, one bundle-width at a time.
        for tile in tiles where tile.level == 0 {
            let first = tile.firstLeaf
            let end = first + UInt64(tile.width)
            var records = [[UInt8]]()
            try store.scanRecords(first ..< end, chunk: Int(TlogTiles.width)) { _, chunk in
                records += chunk
                return true
            }
            let bundle: [UInt8]
            do { bundle = try TlogTiles.entryBundle(records) } catch {
                guard case .entryTooLarge(let offset, _) = error else { throw error }
                throw PublishError.tile(error, leaf: first + UInt64(offset))
            }
            var hashes = [UInt8]()
            hashes.reserveCapacity(records.count * 32)
            for r in records { try MerkleHash.leaf(r).withUnsafeBytes { hashes += $0 } }
            try await writer.create(TlogTiles.Tile(level: nil, index: tile.index, width: tile.width).path, bundle, .immutable("application/octet-stream"))
            try await writer.create(tile.path, hashes, .immutable("application/octet-stream"))
            report.tiles += 1
            report.entryBundles += 1
            // Only the identifiers an event names: no event ID or full trace record is needed here.
            for (i, r) in records.enumerated() where first + UInt64(i) >= from {
                guard let record = try? SignedRecord(recordBytes: r), record.kind == .event,
                      let event = try? EPCISEvent(json: record.payload, index: 0) else { continue }
                for named in event.namedIdentifiers where named.key.kind == .lot { touched.insert(named.key) }
            }
            options.progress("leaves \(end) of \(to)")
        }
        for tile in tiles where (tile.level ?? 0) > 0 {
            let level = tile.level! * TlogTiles.height
            let first = tile.index * TlogTiles.width
            let hashes = try store.perfectNodes(level: level, indexes: first ..< first + UInt64(tile.width))
            var bytes = [UInt8]()
            for h in hashes { h.withUnsafeBytes { bytes += $0 } }
            try await writer.create(tile.path, bytes, .immutable("application/octet-stream"))
            report.tiles += 1
        }
        // A lot's bundle also shows the journeys of the lots it was made from: what was made from
        // a touched lot is touched too.
        var queue = Array(touched)
        while let key = queue.popLast() {
            for edge in try store.descendants(of: key) {
                if let other = edge.other, other.kind == .lot, touched.insert(other).inserted { queue.append(other) }
            }
        }
    }

    /// Every block header after the one that ended at `after` leaves (height, header, signature).
    func publishBlocks(after treeSize: UInt64, through height: UInt64, writer: ObjectWriter, report: inout PublishReport) async throws {
        var h = height
        var blocks = [SignedBlock]()
        while true {
            let block = try store.block(height: h)
            if block.header.treeSize <= treeSize, h > 0 || treeSize > 0 { break }
            blocks.append(block)
            if h == 0 { break }
            h -= 1
        }
        for block in blocks.reversed() {
            try await writer.create(PublishedLayout.block(block.header.height), PublishedLayout.blockObject(block), .immutable("application/json"))
            report.blocks += 1
        }
    }

    /// Each touched lot's bundle: immutable at its tree size, and current at its Digital Link path;
    /// with witnesses, carrying their cosignatures. Returns the lots whose bundle came out at
    /// another tree size than the cosigned checkpoint's (unless `lastRound`: then published without).
    func publishLotBundles(_ lots: Set<TraceKey>, cosigned: Checkpoint?, lastRound: Bool, writer: ObjectWriter,
                           report: inout PublishReport) async throws -> Set<TraceKey> {
        let keys = lots.sorted()
        var again = Set<TraceKey>()
        guard !keys.isEmpty else { return again }
        let store = self.store
        let host = options.publicHost
        var next = 0
        while next < keys.count {
            let batch = Array(keys[next ..< min(keys.count, next + 64)])
            next += batch.count
            let built = try await withThrowingTaskGroup(of: [(TraceKey, TraceBundle, UInt64)].self) { group in
                for part in batch.chunked(into: max(1, batch.count / options.bundleWorkers + 1)) {
                    group.addTask {
                        try part.map { key in
                            let path = try PublishedLayout.lotPath(key)
                            let bundle = try store.verifiedBundle(for: key, code: host.map { $0 + "/" + path } ?? "/" + path)
                            return (key, bundle, try Checkpoint(text: bundle.checkpoint).treeSize)
                        }
                    }
                }
                var out = [(TraceKey, TraceBundle, UInt64)]()
                for try await part in group { out += part }
                return out
            }
            for (key, built, size) in built {
                var bundle = built
                if let cosigned {
                    if size == cosigned.treeSize {
                        bundle.checkpoint = cosigned.text
                    } else if !lastRound {
                        again.insert(key)
                        continue
                    }
                }
                let text = bundle.text
                let path = try PublishedLayout.lotPath(key)
                let body = Array((text.hasSuffix("\n") ? text : text + "\n").utf8)
                try await writer.create(PublishedLayout.lotBundle(path, treeSize: size), body, .immutable("application/json"))
                try await writer.replace(path, body, .mutable("application/json", maxAge: options.bundleMaxAge))
                report.lotBundles += 1
            }
            options.progress("lot bundles \(next) of \(keys.count)")
        }
        return again
    }
}

/// Object names in the bucket besides the tlog-tiles ones (Docs/PUBLISH.md).
public enum PublishedLayout {
    public static let checkpoint = "checkpoint"
    public static let verifierKey = "verifier-key"
    public static let page = "page/lot.html"

    /// A block (header, sequencer signature, checkpoint), for mirrors: `block/<height>` (height in tile-path form).
    public static func block(_ height: UInt64) -> String { "block/" + TlogTiles.encode(height) }

    /// A block as the ledger stores it (`orchard show block N --json`): header, signature, checkpoint.
    public static func blockObject(_ block: SignedBlock) -> [UInt8] { JSONWriter.canonical(block.json) + [0x0a] }

    /// A lot's Digital Link path without the leading slash: `01/<gtin>/10/<lot>`.
    public static func lotPath(_ key: TraceKey) throws -> String {
        let prefix = "https://id.gs1.org/"
        guard key.kind == .lot, key.rawValue.hasPrefix(prefix) else {
            throw PublishError.foreignLog(reason: "\(key.rawValue) is not a lot's Digital Link")
        }
        return String(key.rawValue.dropFirst(prefix.count))
    }

    /// The lot's bundle as it stood at `treeSize`: `bundle/<size>/01/<gtin>/10/<lot>`, immutable.
    public static func lotBundle(_ path: String, treeSize: UInt64) -> String { "bundle/\(treeSize)/" + path }
}

extension Array {
    func chunked(into size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0 ..< Swift.min(count, $0 + size)]) }
    }
}
