// Millisecond UTC timestamps for block times (EPCIS recordTime).
import OrchardModel

/// Formats `YYYY-MM-DDTHH:MM:SS.mmmZ`.
public enum UTCTime {
    /// Formats milliseconds since the Unix epoch.
    public static func format(millis: Int64) -> String {
        EPCISTimestamp(millisecondsSinceEpoch: millis).utcMillisecondString
    }
}
