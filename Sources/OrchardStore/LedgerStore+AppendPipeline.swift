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
        return try append(count: inputs.count, nowMillis: nowMillis) { planner, registry in
            PreparedStream(inputs, planner: planner, registry: registry)
        }
    }

    /// Stage A of records to append later with ``append(_:nowMillis:)-(PreparedBatch,_)``, on the
    /// calling thread (all cores for a large batch), with the registry this handle knows (the
    /// append checks again any signature a later registry change concerns). A node prepares each
    /// request as it arrives, so its one writer only applies the ordered rules and writes.
    public func prepare(_ inputs: [RecordInput]) -> PreparedBatch {
        registryLock.lock()
        let registry = registryState
        registryLock.unlock()
        return planner.prepareBatch(inputs, registry: registry)
    }

    /// Appends records already through stage A (see ``prepare(_:)``): the same ordered rules,
    /// writes, receipts and all-or-nothing refusal as appending them from their bytes.
    public func append(_ batch: PreparedBatch, nowMillis: Int64 = currentMillis()) throws -> [Receipt] {
        guard batch.count > 0 else { return [] }
        return try append(count: batch.count, nowMillis: nowMillis) { _, _ in PreparedStream(prepared: batch) }
    }

    /// The append itself, stage A coming from `stream` (made with the planner and the registry
    /// at the start of the batch).
    private func append(count: Int, nowMillis: Int64,
                        stream makeStream: (AppendPlanner, Registry) -> PreparedStream) throws -> [Receipt] {
        let logger = self.logger
        writerLock.lock()
        defer { writerLock.unlock() }
        let fileLock = try DirectoryLock(directory + "/write.lock")
        defer { fileLock.release() }
        var planner = self.planner
        planner.logger = logger
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
            let stream = makeStream(planner, start)
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
            trace.mark("stages A and B: \(count) records, checked in order and written as they came "
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
