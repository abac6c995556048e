// Stage A of a whole batch on all cores, in the background, handed to the ordered stage in input
// order as blocks complete. There is no barrier between chunks: a core that finishes a block takes
// the next one, so no core idles while another finishes its share, and the ordered stage (rules,
// writes) runs beside it on whatever time is left.
import Foundation
import OrchardCrypto
import OrchardModel

/// Prepared records of one batch, produced on all cores and consumed in order.
public final class PreparedStream: @unchecked Sendable {
    /// Records per block: small enough that the last block's wait is short, large enough that
    /// the hand-over (one lock per block) costs nothing measurable.
    public static let blockSize = 32

    private let blocks: Int
    // Block k is written by one worker, then published under `condition` (state 1); the consumer
    // moves it out (state 2). Only the lock orders these accesses.
    private let slots: UnsafeMutablePointer<[PreparedRecord]>
    private let state: UnsafeMutablePointer<UInt8>
    private let condition = NSCondition()
    private var nextBlock = 0
    private var cancelled = false
    private var running = true
    /// Keys that registry records of this batch introduce, as stage A meets them: events their
    /// new participants sign later in the batch are then checked on all cores too.
    private var introduced: [KeyID: Ed25519PublicKey] = [:]
    private let introducedLock = NSLock()
    /// What the ordered stage is done with, for a worker to let go of (see ``release(_:)``).
    private var leftovers: [Any] = []
    /// Nanoseconds the consumer spent waiting for stage A.
    public private(set) var waitedNanoseconds: UInt64 = 0
    /// Thread CPU time stage A spent in the signature checks of the blocks published so far.
    private var signatureNanoseconds: UInt64 = 0

    /// Starts stage A of `inputs` with `planner`, checking signatures against `registry` (the
    /// registry at the start of the batch) and `introduced`: keys that registry records before
    /// the batch introduce when `registry` does not hold them yet (a replay prepares a stretch
    /// while the one before it is applied; see ``keysIntroduced(by:)``). A key checked here is
    /// only a key ID's key: whether it may sign at the record's leaf is decided in order, where a
    /// record checked with another key than the registry's there is checked again.
    public init(_ inputs: [RecordInput], planner: AppendPlanner, registry: Registry, introduced: [Ed25519PublicKey] = []) {
        blocks = (inputs.count + Self.blockSize - 1) / Self.blockSize
        slots = .allocate(capacity: max(blocks, 1))
        state = .allocate(capacity: max(blocks, 1))
        state.initialize(repeating: 0, count: max(blocks, 1))
        for k in introduced { self.introduced[k.keyID] = k }
        let keys = registry.keys
        let blocks = self.blocks
        DispatchQueue.global().async { [self] in
            DispatchQueue.concurrentPerform(iterations: blocks) { k in
                if isCancelled { return }
                // Freed here, before this block's records are made: see release(_:).
                _ = takeLeftovers()
                let lo = k * Self.blockSize, hi = min(inputs.count, lo + Self.blockSize)
                // Everything but the signatures first, then the signatures back to back (their
                // code and tables stay in the core's caches); keys a registry record of the
                // block introduces are known before its later records are checked.
                var prepared = (lo..<hi).map { planner.prepareUnchecked(inputs[$0], index: $0) }
                for r in prepared { if let change = r.registryChange { introduce(Registry.keysIntroduced(by: change)) } }
                let cpu = StageTrace.threadCPUNanoseconds()
                for i in prepared.indices { planner.checkSignature(&prepared[i]) { keys[$0]?.key ?? introducedKey($0) } }
                publish(prepared, block: k, signatureNanoseconds: StageTrace.threadCPUNanoseconds() &- cpu)
            }
            condition.lock()
            running = false
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The keys the registry records among `inputs` introduce, read from their stored forms
    /// (other records are passed over by their first byte): for the stream of the batch after
    /// them, made before they are applied.
    public static func keysIntroduced(by inputs: [RecordInput]) -> [Ed25519PublicKey] {
        var keys: [Ed25519PublicKey] = []
        for case let .stored(b) in inputs where SignedRecord.mayBeRegistryChange(storedForm: b) {
            guard let r = try? SignedRecord(storedForm: b), r.kind == .registry else { continue }
            keys += Registry.keysIntroduced(by: r.payload)
        }
        return keys
    }

    /// A stream of records already through stage A (see ``PreparedBatch``): every block is ready.
    public init(prepared batch: PreparedBatch) {
        let records = batch.records
        blocks = (records.count + Self.blockSize - 1) / Self.blockSize
        slots = .allocate(capacity: max(blocks, 1))
        state = .allocate(capacity: max(blocks, 1))
        for k in 0..<blocks {
            (slots + k).initialize(to: Array(records[k * Self.blockSize ..< min(records.count, (k + 1) * Self.blockSize)]))
        }
        state.initialize(repeating: 1, count: max(blocks, 1))
        running = false
    }

    deinit {
        for k in 0..<blocks where state[k] == 1 { (slots + k).deinitialize(count: 1) }
        slots.deallocate()
        state.deallocate()
    }

    /// Hands this stream's workers what the ordered stage is done with (records of an earlier
    /// batch, the plan made of them), for the next worker to start a block to let go of. Stage A
    /// made those objects; freed on the ordered thread, they filled its allocator's per-thread
    /// caches while every allocation of stage A missed its own (glibc's tcache), which cost more
    /// than the frees. What no worker takes is let go of with the stream.
    public func release(_ done: [Any]) {
        guard !done.isEmpty else { return }
        condition.lock()
        leftovers.append(contentsOf: done)
        condition.unlock()
    }

    private func takeLeftovers() -> [Any] {
        condition.lock()
        defer { condition.unlock() }
        var taken: [Any] = []
        swap(&taken, &leftovers)
        return taken
    }

    private var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    private func introducedKey(_ id: KeyID) -> Ed25519PublicKey? {
        introducedLock.lock()
        defer { introducedLock.unlock() }
        return introduced[id]
    }

    private func introduce(_ keys: [Ed25519PublicKey]) {
        guard !keys.isEmpty else { return }
        introducedLock.lock()
        for k in keys { introduced[k.keyID] = k }
        introducedLock.unlock()
    }

    private func publish(_ prepared: [PreparedRecord], block k: Int, signatureNanoseconds spent: UInt64) {
        (slots + k).initialize(to: prepared)
        condition.lock()
        signatureNanoseconds &+= spent
        state[k] = 1
        condition.broadcast()
        condition.unlock()
    }

    /// Thread CPU time, in nanoseconds, that stage A's signature checks took in the blocks made
    /// so far (all of them once ``next()`` has returned the last): two clock reads a block, so
    /// that a benchmark can hold the audit's CPU against the verifications' own.
    public var signatureCPUNanoseconds: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return signatureNanoseconds
    }

    /// The next block of prepared records in input order, waiting for it if needed; nil after the last.
    public func next() -> [PreparedRecord]? {
        guard nextBlock < blocks else { return nil }
        let k = nextBlock
        nextBlock += 1
        condition.lock()
        if state[k] != 1 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            while state[k] != 1 { condition.wait() }
            waitedNanoseconds += DispatchTime.now().uptimeNanoseconds - t0
        }
        state[k] = 2
        condition.unlock()
        return (slots + k).move()
    }

    /// Stops stage A early (the batch failed): blocks not yet started are skipped. Returns once
    /// no worker touches the stream any more.
    public func cancel() {
        condition.lock()
        cancelled = true
        while running { condition.wait() }
        condition.unlock()
    }
}
