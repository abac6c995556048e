// Appending a batch: validate and write in one LMDB write transaction (one fsync), so the batch
// lands whole or not at all. Stage A (parse, hash, signature) runs on all cores in the
// background over the whole batch; this thread takes its results in input order, applies the
// ordered rules (stage B) and writes each record as soon as its block is checked.
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel

extension LedgerStore {
    /// Validates and appends signed records, returning one receipt per input record in order.
    /// Throws ``AppendRejection`` (every problem found) and leaves the ledger unchanged when any
    /// record is refused.
    public func append(_ inputs: [RecordInput], nowMillis: Int64 = currentMillis()) throws -> [Receipt] {
        guard !inputs.isEmpty else { return [] }
        let logger = self.logger
        writerLock.lock()
        defer { writerLock.unlock() }
        let fileLock = try DirectoryLock(directory + "/write.lock")
        defer { fileLock.release() }
        let planner = AppendPlanner(genesis: genesis, logger: logger)
        let key = try sequencerKey()

        let (receipts, registryAfter, sizeAfter) = try env.writeOrDiscard(logger: logger) { txn in
            var trace = StageTrace(logger)
            let head = try Self.headState(txn, db)
            // Another process may have appended registry changes since this handle last looked.
            let start = try currentRegistry(txn)
            var plan = AppendPlan(registry: start)
            var writer = BatchWriter(head: head, lotMapRoot: try Self.block(txn, db, height: head.height).header.lotMapRoot,
                                     key: key, genesis: genesis, nowMillis: nowMillis, db: db, logger: logger)
            let state = StoreStateReader(txn: txn, db: db)
            let stream = PreparedStream(inputs, planner: planner, registry: start)
            do {
                while let block = stream.next() {
                    let before = plan.records.count
                    try planner.apply(block, to: &plan, treeSize: head.frontier.treeSize, state: state, nowMillis: nowMillis)
                    // Write as we go; a later problem aborts the whole transaction.
                    if plan.problems.isEmpty { try writer.add(plan.records, range: before..<plan.records.count, txn: txn) }
                }
            } catch {
                stream.cancel()
                throw error
            }
            trace.mark("stages A and B: \(inputs.count) records, checked in order and written as they came "
                       + "(waited \(stream.waitedNanoseconds / 1_000_000) ms for stage A)")
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

    /// Appends an input of any size as consecutive all-or-nothing batches of at most `batchSize`
    /// records (bounding memory), returning every receipt. When a batch is refused, the problems
    /// carry their positions in the whole input and say which records earlier batches appended.
    public func append(_ inputs: [RecordInput], batchSize: Int, nowMillis: @autoclosure () -> Int64 = currentMillis()) throws -> [Receipt] {
        precondition(batchSize >= 1, "batchSize must be at least 1")
        var receipts = [Receipt]()
        receipts.reserveCapacity(inputs.count)
        var start = 0
        while start < inputs.count {
            let end = min(inputs.count, start + batchSize)
            do {
                receipts += try append(Array(inputs[start..<end]), nowMillis: nowMillis())
            } catch let rejection as AppendRejection {
                throw AppendRejection(problems: rejection.problems.map { $0.offset(by: start) }, alreadyAppended: 0..<start)
            }
            start = end
        }
        return receipts
    }
}
