// One instance of a class per thread: the hot paths (hashing, event IDs, identifier memos) reuse
// buffers and contexts without locks, since no two threads ever share one.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Holds one `Value` per thread, made on the thread's first use and released when it ends.
public final class PerThread<Value: AnyObject>: @unchecked Sendable {
    // The key is set once in init; the values are only touched by their own threads.
    private var key = pthread_key_t()
    private let make: @Sendable () -> Value

    /// `make` builds a thread's instance on its first use.
    public init(_ make: @escaping @Sendable () -> Value) {
        self.make = make
        pthread_key_create(&key) { raw in if let raw { Unmanaged<AnyObject>.fromOpaque(raw).release() } }
    }

    /// This thread's instance.
    public var current: Value {
        if let raw = pthread_getspecific(key) { return Unmanaged<Value>.fromOpaque(raw).takeUnretainedValue() }
        let value = make()
        pthread_setspecific(key, Unmanaged.passRetained(value).toOpaque())
        return value
    }
}
