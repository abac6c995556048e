// Millisecond UTC timestamps for block times (EPCIS recordTime), without Foundation formatters.

/// Formats and reads `YYYY-MM-DDTHH:MM:SS.mmmZ`.
public enum UTCTime {
    /// Formats milliseconds since the Unix epoch.
    public static func format(millis: Int64) -> String {
        let days = Int64((Double(millis) / 86_400_000).rounded(.down))
        let msOfDay = millis - days * 86_400_000
        // Civil-from-days (H. Hinnant's algorithm), valid for the proleptic Gregorian calendar.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(msOfDay / 3_600_000, 2)):\(pad(msOfDay / 60_000 % 60, 2)):\(pad(msOfDay / 1000 % 60, 2)).\(pad(msOfDay % 1000, 3))Z"
    }
}
