// Validating and committing a batch apart (the benchmarks time them apart), and the locks an
// append holds. `append` itself is in LedgerStore+AppendPipeline.swift.
import Dispatch
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel

extension LedgerStore {
    /// Validates a batch without writing it (the benchmarks time validation and the storage path
    /// apart). Commit it with ``commit(_:)`` before anything else is appended.
    public func validate(_ inputs: [RecordInput], nowMillis: Int64 = currentMillis()) throws -> ValidatedBatch {
        writerLock.lock()
        defer { writerLock.unlock() }
        let planner = AppendPlanner(genesis: genesis, logger: logger)
        return try env.read { txn in
            let head = try Self.headState(txn, db)
            let current = try currentRegistry(txn)
            let plan = try planner.plan(inputs, treeSize: head.frontier.treeSize, registry: current,
                                        state: StoreStateReader(txn: txn, db: db), nowMillis: nowMillis)
            return ValidatedBatch(plan: plan, head: head, nowMillis: nowMillis)
        }
    }

    /// Writes a validated batch: one write transaction, one fsync. Throws if the ledger moved on
    /// since the batch was validated.
    public func commit(_ batch: ValidatedBatch) throws -> [Receipt] {
        var trace = StageTrace(logger)
        writerLock.lock()
        defer { writerLock.unlock() }
        let fileLock = try DirectoryLock(directory + "/write.lock")
        defer { fileLock.release() }
        let key = try sequencerKey()
        let receipts = try env.writeOrDiscard(logger: logger) { txn in
            let now = try Self.headState(txn, db)
            guard now.frontier.treeSize == batch.head.frontier.treeSize, now.blockHash == batch.head.blockHash else {
                throw StoreError.ledgerMovedOn
            }
            var writer = BatchWriter(head: batch.head, lotMapRoot: try Self.block(txn, db, height: batch.head.height).header.lotMapRoot,
                                     key: key, genesis: genesis, nowMillis: batch.nowMillis, db: db, logger: logger)
            trace.mark("commit: lock, sequencer key, begin")
            try writer.add(batch.plan.records, range: batch.plan.records.indices, txn: txn)
            trace.mark("write: \(batch.plan.records.count) records (segments, tree, blocks)")
            return (try writer.finish(batch.plan, txn: txn), commit: !batch.plan.records.isEmpty)
        }
        setRegistry(batch.plan.registry, syncedTo: batch.head.frontier.treeSize + UInt64(batch.plan.records.count))
        return receipts
    }
}

/// A batch that passed validation against a given head, ready for ``LedgerStore/commit(_:)``.
public struct ValidatedBatch: Sendable {
    /// The records to write and what each input became.
    public let plan: AppendPlan
    let head: HeadState
    let nowMillis: Int64
}

/// Milliseconds since the Unix epoch, now.
public func currentMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

/// An exclusive advisory lock on a file, so two processes never append to one head at once.
struct DirectoryLock {
    private let fd: Int32

    init(_ path: String) throws {
        fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw StoreError.io(path: path, reason: "cannot open the writer lock: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX) == 0 else { close(fd); throw StoreError.io(path: path, reason: "cannot lock: \(String(cString: strerror(errno)))") }
    }

    func release() { flock(fd, LOCK_UN); close(fd) }
}
