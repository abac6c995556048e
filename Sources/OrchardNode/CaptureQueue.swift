// Group commit: capture requests wait here, their records already through stage A (parsed,
// hashed, signatures checked) in the request handlers on all cores; one writer thread takes every
// request that arrived within a few milliseconds (up to a block's worth of records), applies the
// ordered rules and appends them in one write transaction — one block, one fsync — and answers
// each request with its own receipts only after the commit. While it writes and fsyncs, the
// handlers prepare the next requests. A request is all or nothing, and is refused alone: when
// the appended whole is refused, the requests with problems are answered with them and the rest
// appended again.
import Foundation
import Logging
import Metrics
import OrchardLedger
import OrchardModel
import OrchardStore
import ServiceLifecycle

/// The outcome of one capture request.
public enum CaptureOutcome: Sendable {
    /// Committed and fsynced: one receipt per record, in the request's order.
    case receipts([Receipt])
    /// Refused: every problem, indexed within the request; the ledger is unchanged by it.
    case rejected([EventProblem])
    /// The node is shutting down and took no new request.
    case unavailable
    /// The ledger failed (not the request's fault).
    case failed(String)
}

/// Requests waiting for the next block, and the thread that commits them.
public final class CaptureQueue: Service, @unchecked Sendable {
    private struct Pending {
        let batch: PreparedBatch
        let done: @Sendable (CaptureOutcome) -> Void
        /// When it arrived: a block waits for more requests at most the delay after its first one
        /// arrived (requests that came while the last block was being written have waited already).
        var arrived = Date()
    }

    private let store: LedgerStore
    private let configuration: NodeConfiguration
    private let logger: Logger
    // `pending` and `stopping` are guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [Pending] = []
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    private let batchRecords = Recorder(label: "orchard_capture_batch_records")
    private let commitTimer = Timer(label: "orchard_capture_commit_seconds")
    private let treeSize = Gauge(label: "orchard_ledger_tree_size")

    public init(store: LedgerStore, configuration: NodeConfiguration, logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        if let size = try? store.head().header.treeSize { treeSize.record(Int64(size)) }
        let thread = Thread { [self] in loop() }
        thread.name = "orchard-capture"
        thread.start()
    }

    /// Queues a request's records (prepared with `LedgerStore.prepare`) and waits for the block
    /// that holds them to be committed.
    public func submit(_ batch: PreparedBatch) async -> CaptureOutcome {
        await withCheckedContinuation { continuation in
            enqueue(Pending(batch: batch, done: { continuation.resume(returning: $0) }))
        }
    }

    private func enqueue(_ p: Pending) {
        condition.lock()
        if stopping {
            condition.unlock()
            p.done(.unavailable)
            return
        }
        pending.append(p)
        condition.signal()
        condition.unlock()
    }

    /// Runs until graceful shutdown, then commits what is waiting and stops taking requests.
    public func run() async throws {
        try? await gracefulShutdown()
        stop()
    }

    /// Stops taking requests; returns once every waiting request is answered.
    public func stop() {
        condition.lock()
        let first = !stopping
        stopping = true
        condition.broadcast()
        condition.unlock()
        if first { finished.wait() }
    }

    private func loop() {
        while let batch = nextBatch() { commit(batch) }
        finished.signal()
    }

    /// The next requests to commit together: waits for one, then for more until a block's
    /// worth of records or the delay since the first; nil once stopping and drained.
    private func nextBatch() -> [Pending]? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty && !stopping { condition.wait() }
        if pending.isEmpty { return nil }
        let deadline = pending[0].arrived.addingTimeInterval(Double(configuration.batchDelayMilliseconds) / 1000)
        while !stopping, pending.reduce(0, { $0 + $1.batch.count }) < configuration.batchRecords, condition.wait(until: deadline) {}
        var batch = [Pending](), records = 0
        while let next = pending.first, batch.isEmpty || records + next.batch.count <= configuration.batchRecords {
            batch.append(pending.removeFirst())
            records += next.batch.count
        }
        return batch
    }

    /// Appends the requests as one batch; requests refused are answered with their problems and
    /// the others appended again, until what is left is accepted (or nothing is left).
    private func commit(_ requests: [Pending]) {
        var left = requests
        while !left.isEmpty {
            var starts = [Int](), count = 0
            for r in left { starts.append(count); count += r.batch.count }
            let t0 = DispatchTime.now().uptimeNanoseconds
            do {
                let receipts = try store.append(PreparedBatch(joining: left.map(\.batch)))
                commitTimer.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - t0))
                batchRecords.record(count)
                if let last = receipts.last { treeSize.record(Int64(last.checkpoint.treeSize)) }
                for (k, r) in left.enumerated() { r.done(.receipts(Array(receipts[starts[k]..<starts[k] + r.batch.count]))) }
                logger.debug("capture: \(left.count) requests, \(count) records committed")
                return
            } catch let rejection as AppendRejection {
                var problems = [Int: [EventProblem]]()
                for p in rejection.problems {
                    let k = (starts.lastIndex { $0 <= p.index }) ?? 0
                    problems[k, default: []].append(p.offset(by: -starts[k]))
                }
                // A refusal no request can be blamed for would loop forever: answer all with it.
                if problems.isEmpty {
                    for r in left { r.done(.failed("append refused without a problem")) }
                    return
                }
                for (k, list) in problems { left[k].done(.rejected(list)) }
                left = left.enumerated().filter { problems[$0.offset] == nil }.map(\.element)
            } catch {
                logger.error("capture: the ledger failed: \(error)")
                for r in left { r.done(.failed("\(error)")) }
                return
            }
        }
    }
}
