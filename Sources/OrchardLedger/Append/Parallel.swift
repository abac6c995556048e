// Data-parallel map over all cores, for the CPU-bound stages of an append (parsing, hashing,
// signature checks). The work is synchronous and runs between two LMDB transactions, so a
// blocking fork-join is the simplest correct shape.
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// The number of cores to use.
public let availableCores: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

/// Maps `transform` over `items` on all cores, keeping order.
public func parallelMap<T: Sendable, R: Sendable>(_ items: [T], minChunk: Int = 64, _ transform: @Sendable (T) -> R) -> [R] {
    let n = items.count
    if n < minChunk * 2 || availableCores == 1 { return items.map(transform) }
    let chunks = min(availableCores * 4, (n + minChunk - 1) / minChunk)
    let results = UnsafeMutableBufferPointer<R>.allocate(capacity: n)
    nonisolated(unsafe) let out = results
    items.withUnsafeBufferPointer { input in
        nonisolated(unsafe) let source = input
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = n * c / chunks, hi = n * (c + 1) / chunks
            for i in lo..<hi { (out.baseAddress! + i).initialize(to: transform(source[i])) }
        }
    }
    let array = Array(results)
    results.baseAddress!.deinitialize(count: n)
    results.deallocate()
    return array
}
