// Optional timing of append stages, printed to standard error when ORCHARD_TRACE is set: the
// first tool to reach for when the ingest benchmark moves.
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Prints the time since the previous mark, when tracing is on.
public final class StageTrace {
    /// Whether `ORCHARD_TRACE` is set in the environment.
    public static let enabled = getenv("ORCHARD_TRACE") != nil
    private var last = DispatchTime.now().uptimeNanoseconds

    public init() {}

    /// Prints `label` and the milliseconds since the last mark (or creation).
    public func mark(_ label: String) {
        guard Self.enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        let line = Array("[trace] \(label): \((now - last) / 1_000_000) ms\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        last = now
    }
}
