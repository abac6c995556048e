// Timing of append stages, logged at `trace` level through the caller's Logger: the first tool
// to reach for when the ingest benchmark moves (`orchard --log-level trace append …`).
import Dispatch
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Logs the time since the previous mark, with the time since the process's first trace and its
/// CPU time so far (their ratio shows how busy the cores were), and the CPU time this thread
/// spent since the previous mark (`thread_cpu_ms`: when it is well below `ms`, the stage waited —
/// for the disk, or for a core other threads held). Costs nothing when the logger's level is
/// above `trace`.
public struct StageTrace {
    private static let origin = DispatchTime.now().uptimeNanoseconds
    private let logger: Logger
    private var last = DispatchTime.now().uptimeNanoseconds
    private var lastThreadCPU = Self.threadCPUNanoseconds()

    /// Nanoseconds as milliseconds with one decimal.
    private static func tenths(_ ns: UInt64) -> String { "\(ns / 1_000_000).\(ns / 100_000 % 10)" }

    /// CPU time the calling thread has used, in nanoseconds.
    static func threadCPUNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    public init(_ logger: Logger) {
        self.logger = logger
        _ = Self.origin
    }

    /// Logs `label` with the milliseconds since the last mark (or creation).
    public mutating func mark(_ label: @autoclosure () -> String) {
        guard logger.logLevel <= .trace else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Int(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 + Int(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000
        let threadCPU = Self.threadCPUNanoseconds()
        logger.trace("\(label())", metadata: ["ms": "\((now - last) / 1_000_000)", "at_ms": "\((now - Self.origin) / 1_000_000)",
                                              "cpu_ms": "\(cpu)",
                                              "thread_cpu_ms": "\(Self.tenths(threadCPU - lastThreadCPU))"])
        last = now
        lastThreadCPU = threadCPU
    }
}

extension Logger {
    /// A logger that discards everything: the default where a caller passes none.
    public static let silent = Logger(label: "orchard.silent", factory: { _ in SwiftLogNoOpLogHandler() })
}
