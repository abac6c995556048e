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
/// CPU time so far (their ratio shows how busy the cores were). Costs nothing when the logger's
/// level is above `trace`.
public struct StageTrace {
    private static let origin = DispatchTime.now().uptimeNanoseconds
    private let logger: Logger
    private var last = DispatchTime.now().uptimeNanoseconds

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
        logger.trace("\(label())", metadata: ["ms": "\((now - last) / 1_000_000)", "at_ms": "\((now - Self.origin) / 1_000_000)",
                                              "cpu_ms": "\(cpu)"])
        last = now
    }
}

extension Logger {
    /// A logger that discards everything: the default where a caller passes none.
    public static let silent = Logger(label: "orchard.silent", factory: { _ in SwiftLogNoOpLogHandler() })
}
