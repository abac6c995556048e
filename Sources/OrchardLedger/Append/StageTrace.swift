// Optional timing of append stages, printed to standard error when ORCHARD_TRACE is set: the
// first tool to reach for when the ingest benchmark moves.
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Prints the time since the previous mark, when tracing is on, with the time since the first
/// trace and the process's CPU time so far (their ratio shows how busy the cores were).
public final class StageTrace {
    /// Whether `ORCHARD_TRACE` is set in the environment.
    public static let enabled = getenv("ORCHARD_TRACE") != nil
    private static let origin = DispatchTime.now().uptimeNanoseconds
    private var last = DispatchTime.now().uptimeNanoseconds

    public init() { _ = Self.origin }

    /// Prints `label` and the milliseconds since the last mark (or creation).
    public func mark(_ label: String) {
        guard Self.enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Int(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 + Int(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000
        let line = Array("[trace] \(label): \((now - last) / 1_000_000) ms (at \((now - Self.origin) / 1_000_000) ms, CPU \(cpu) ms)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        last = now
    }
}
