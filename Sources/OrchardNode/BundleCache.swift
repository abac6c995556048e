// Bundles answered from memory while the head stays where it is: a bundle is the same for every
// request until a block is appended, and building and checking one costs milliseconds.
import Foundation
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore
import OrchardTrace

/// The bundle text of recent requests, by the tree size it was built at.
final class BundleCache: @unchecked Sendable {
    private struct Key: Hashable {
        let treeSize: UInt64
        let subject: String
        let code: String?
        let forward: Bool
    }

    private let lock = NSLock()
    private var entries: [Key: String] = [:]
    private var order: [Key] = []
    private let capacity: Int

    init(capacity: Int = 2_000) { self.capacity = capacity }

    /// The bundle of `key` at the head, from memory when it was built at the head's tree size.
    func bundle(_ store: LedgerStore, key: TraceKey, code: String?, direction: TraceDirection) throws -> String {
        let size = try store.head().header.treeSize
        let wanted = Key(treeSize: size, subject: key.rawValue, code: code, forward: direction == .forward)
        lock.lock()
        let hit = entries[wanted]
        lock.unlock()
        if let hit { return hit }
        let bundle = try store.verifiedBundle(for: key, code: code, direction: direction)
        let text = bundle.text
        // Filed under the tree size it was built at (the head may have moved meanwhile).
        let built = Key(treeSize: (try? Checkpoint(text: bundle.checkpoint).treeSize) ?? size, subject: wanted.subject, code: code, forward: wanted.forward)
        lock.lock()
        if entries.updateValue(text, forKey: built) == nil {
            order.append(built)
            if order.count > capacity { entries[order.removeFirst()] = nil }
        }
        lock.unlock()
        return text
    }
}
