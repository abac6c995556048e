// Appending a batch: validate and write in one LMDB write transaction (one fsync), so the batch
// lands whole or not at all. Validation is pipelined: while the records of one chunk are checked
// in order and written, the next chunk is parsed, hashed and signature-checked on the other cores.
import Dispatch
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel

extension LedgerStore {
    /// Records per pipeline chunk.
    static let chunkSize = 2048

    /// Validates and appends signed records, returning one receipt per input record in order.
    /// Throws ``AppendRejection`` (every problem found) and leaves the ledger unchanged when any
    /// record is refused.
    public func append(_ inputs: [RecordInput], nowMillis: Int64 = currentMillis()) throws -> [Receipt] {
        guard !inputs.isEmpty else { return [] }
        writerLock.lock()
        defer { writerLock.unlock() }
        let fileLock = try DirectoryLock(directory + "/write.lock")
        defer { fileLock.release() }
        let planner = AppendPlanner(genesis: genesis)
        let key = try sequencerKey()

        let (receipts, registryAfter, sizeAfter) = try env.writeOrDiscard { txn in
            let head = try Self.headState(txn, db)
            // Another process may have appended registry changes since this handle last looked.
            let (start, _) = try Self.syncRegistry(registry, from: registrySyncedSize, txn: txn, db: db)
            var plan = AppendPlan(registry: start)
            var writer = BatchWriter(head: head, key: key, genesis: genesis, nowMillis: nowMillis, db: db)
            let state = StoreStateReader(txn: txn, db: db)
            // Chunks grow from 256 records to chunkSize, so the first one (which nothing overlaps)
            // is short and the pipeline fills quickly.
            var bounds = [Int]()
            var at = 0, size = 256
            while at < inputs.count { bounds.append(at); at += size; size = min(size * 2, Self.chunkSize) }
            bounds.append(inputs.count)
            var current = planner.prepare(inputs[bounds[0]..<bounds[1]], firstIndex: 0, registry: start)
            for c in 0..<(bounds.count - 1) {
                let next = PendingChunk()
                if c + 2 < bounds.count {
                    let (lo, hi) = (bounds[c + 1], bounds[c + 2])
                    let slice = inputs[lo..<hi]
                    next.start { planner.prepare(slice, firstIndex: lo, registry: start) }
                }
                let before = plan.records.count
                planner.apply(current, to: &plan, treeSize: head.frontier.treeSize, state: state, nowMillis: nowMillis)
                // Write as we go; a later problem aborts the whole transaction.
                if plan.problems.isEmpty {
                    for r in plan.records[before...] { try writer.add(r, txn: txn) }
                }
                if c + 2 < bounds.count { current = next.wait() }
            }
            if !plan.problems.isEmpty { throw AppendRejection(problems: plan.problems.sorted { $0.index < $1.index }) }
            if plan.records.isEmpty {
                // Nothing new: the original receipts, and no write (no fsync).
                return ((try writer.finish(plan, txn: txn), plan.registry, head.frontier.treeSize), commit: false)
            }
            let receipts = try writer.finish(plan, txn: txn)
            return ((receipts, plan.registry, writer.frontier.treeSize), commit: true)
        }
        setRegistry(registryAfter, syncedTo: sizeAfter)
        return receipts
    }

    /// Validates a batch without writing it (the benchmarks time validation and the storage path
    /// apart). Commit it with ``commit(_:)`` before anything else is appended.
    public func validate(_ inputs: [RecordInput], nowMillis: Int64 = currentMillis()) throws -> ValidatedBatch {
        writerLock.lock()
        defer { writerLock.unlock() }
        let planner = AppendPlanner(genesis: genesis)
        return try env.read { txn in
            let head = try Self.headState(txn, db)
            let (current, _) = try Self.syncRegistry(registry, from: registrySyncedSize, txn: txn, db: db)
            let plan = try planner.plan(inputs, treeSize: head.frontier.treeSize, registry: current,
                                        state: StoreStateReader(txn: txn, db: db), nowMillis: nowMillis)
            return ValidatedBatch(plan: plan, head: head, nowMillis: nowMillis)
        }
    }

    /// Writes a validated batch: one write transaction, one fsync. Throws if the ledger moved on
    /// since the batch was validated.
    public func commit(_ batch: ValidatedBatch) throws -> [Receipt] {
        writerLock.lock()
        defer { writerLock.unlock() }
        let fileLock = try DirectoryLock(directory + "/write.lock")
        defer { fileLock.release() }
        let key = try sequencerKey()
        let receipts = try env.writeOrDiscard { txn in
            let now = try Self.headState(txn, db)
            guard now.frontier.treeSize == batch.head.frontier.treeSize, now.blockHash == batch.head.blockHash else {
                throw StoreError.io("the ledger moved on since this batch was validated; validate it again")
            }
            var writer = BatchWriter(head: batch.head, key: key, genesis: genesis, nowMillis: batch.nowMillis, db: db)
            for r in batch.plan.records { try writer.add(r, txn: txn) }
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

/// Stage A of the next chunk, running on other threads while this one is applied.
private final class PendingChunk: @unchecked Sendable {
    // Written once by the worker before `group.leave()`, read after `group.wait()`.
    private var value: [PreparedRecord] = []
    private let group = DispatchGroup()

    func start(_ work: @escaping @Sendable () -> [PreparedRecord]) {
        group.enter()
        DispatchQueue.global().async {
            self.value = work()
            self.group.leave()
        }
    }

    func wait() -> [PreparedRecord] {
        group.wait()
        return value
    }
}

/// Milliseconds since the Unix epoch, now.
public func currentMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

/// An exclusive advisory lock on a file, so two processes never append to one head at once.
struct DirectoryLock {
    private let fd: Int32

    init(_ path: String) throws {
        fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw StoreError.io("cannot open lock file \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX) == 0 else { close(fd); throw StoreError.io("cannot lock \(path)") }
    }

    func release() { flock(fd, LOCK_UN); close(fd) }
}
