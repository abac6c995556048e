// Writes to a sink many at a time: create-only writes compared on conflict, replacements, and the
// tally of what was written and what was already there.
import Foundation

final class ObjectWriter: @unchecked Sendable {
    private enum Write {
        case create(String, [UInt8], ObjectMetadata)
        case replace(String, [UInt8], ObjectMetadata)
    }

    private let sink: any ObjectSink
    private let concurrency: Int
    private var pending = [Write]()
    private let lock = NSLock()
    private var written = 0
    private var alreadyThere = 0
    private var bytes = 0

    init(sink: any ObjectSink, concurrency: Int) {
        self.sink = sink
        self.concurrency = max(1, concurrency)
    }

    var totals: (written: Int, alreadyThere: Int, bytes: Int) {
        lock.lock(); defer { lock.unlock() }
        return (written, alreadyThere, bytes)
    }

    private func countExisting() {
        lock.lock(); defer { lock.unlock() }
        alreadyThere += 1
    }

    func count(bytes n: Int) {
        lock.lock(); defer { lock.unlock() }
        written += 1
        bytes += n
    }

    /// Queues a create-only write; an object already there must hold the same bytes.
    func create(_ key: String, _ body: [UInt8], _ metadata: ObjectMetadata) async throws {
        pending.append(.create(key, body, metadata))
        if pending.count >= concurrency * 4 { try await drain() }
    }

    /// Queues a write that replaces what is there.
    func replace(_ key: String, _ body: [UInt8], _ metadata: ObjectMetadata) async throws {
        pending.append(.replace(key, body, metadata))
        if pending.count >= concurrency * 4 { try await drain() }
    }

    /// Performs every queued write, `concurrency` at a time.
    func drain() async throws {
        let work = pending
        pending = []
        let sink = self.sink
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func start() {
                guard next < work.count else { return }
                let write = work[next]
                next += 1
                group.addTask {
                    switch write {
                    case .create(let key, let body, let metadata):
                        switch try await sink.create(key, body: body, metadata: metadata) {
                        case .created: self.count(bytes: body.count)
                        case .existing(let there):
                            guard there == body else { throw PublishError.conflict(key: key, existing: there.count, ours: body.count) }
                            self.countExisting()
                        }
                    case .replace(let key, let body, let metadata):
                        try await sink.replace(key, body: body, metadata: metadata)
                        self.count(bytes: body.count)
                    }
                }
            }
            for _ in 0 ..< concurrency { start() }
            while try await group.next() != nil { start() }
        }
    }
}
