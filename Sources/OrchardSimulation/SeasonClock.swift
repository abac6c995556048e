import OrchardModel
// Simulated time: seconds from the season's start, written as RFC 3339 local times with the
// season's UTC offset (EPCIS eventTime) or as UTC with milliseconds (registry issuedAt).

/// The season's calendar: where it starts, its UTC offset and how long it lasts.
public struct SeasonClock: Sendable, Equatable {
    /// Start of the season, seconds since the Unix epoch (UTC).
    public let startEpochSeconds: Int64
    /// Offset of local time from UTC, seconds (e.g. +28,800 for +08:00).
    public let offsetSeconds: Int
    /// `+08:00`.
    public let offsetText: String

    /// Parses `YYYY-MM-DD` (local midnight at `defaultOffset`) or `YYYY-MM-DDTHH:MM[:SS](Z|±HH:MM)`.
    public init?(start text: String, defaultOffset: String = "+08:00") {
        let b = Array(text.utf8)
        func digits(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard let y = digits(0, 4), b.count >= 10, b[4] == 0x2D, let mo = digits(5, 2), b[7] == 0x2D, let d = digits(8, 2),
              (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var hh = 0, mi = 0, ss = 0
        var offsetPart = defaultOffset
        if b.count > 10 {
            guard b[10] == 0x54 || b[10] == 0x74, let h = digits(11, 2), b.count >= 16, b[13] == 0x3A, let m = digits(14, 2) else { return nil }
            hh = h; mi = m
            var i = 16
            if i < b.count, b[i] == 0x3A { guard let s = digits(17, 2) else { return nil }; ss = s; i = 19 }
            guard i < b.count else { return nil }
            offsetPart = String(decoding: b[i...], as: UTF8.self)
            if offsetPart == "Z" || offsetPart == "z" { offsetPart = "+00:00" }
        }
        guard hh < 24, mi < 60, ss < 60, let offset = Self.parseOffset(offsetPart) else { return nil }
        offsetSeconds = offset
        offsetText = offsetPart
        startEpochSeconds = Self.daysFromCivil(y, mo, d) * 86_400 + Int64(hh * 3600 + mi * 60 + ss) - Int64(offset)
    }

    static func parseOffset(_ s: String) -> Int? {
        let b = Array(s.utf8)
        guard b.count == 6, b[0] == 0x2B || b[0] == 0x2D, b[3] == 0x3A,
              let h = Int(String(decoding: b[1...2], as: UTF8.self)), let m = Int(String(decoding: b[4...5], as: UTF8.self)),
              h <= 14, m < 60 else { return nil }
        return (b[0] == 0x2D ? -1 : 1) * (h * 3600 + m * 60)
    }

    /// Epoch milliseconds of a season time.
    public func epochMillis(_ t: Int64) -> Int64 { (startEpochSeconds + t) * 1000 }

    /// `YYYY-MM-DDTHH:MM:SS+08:00`, local time.
    public func local(_ t: Int64, into out: inout [UInt8]) {
        Self.writeCivil(startEpochSeconds + t + Int64(offsetSeconds), into: &out)
        out += offsetText.utf8
    }

    /// `YYYY-MM-DD`, local date.
    public func localDate(_ t: Int64) -> String {
        let (y, m, d) = Self.civil(Self.floorDiv(startEpochSeconds + t + Int64(offsetSeconds), 86_400))
        var out = [UInt8]()
        Self.pad(y, 4, &out); out.append(0x2D); Self.pad(m, 2, &out); out.append(0x2D); Self.pad(d, 2, &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `YYMMDD` of the local date (for lot numbers).
    public func lotDate(_ t: Int64) -> String {
        let (y, m, d) = Self.civil(Self.floorDiv(startEpochSeconds + t + Int64(offsetSeconds), 86_400))
        var out = [UInt8]()
        Self.pad(y % 100, 2, &out); Self.pad(m, 2, &out); Self.pad(d, 2, &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `YYYY-MM-DDTHH:MM:SS.000Z`.
    public func utc(_ t: Int64) -> String {
        var out = [UInt8]()
        Self.writeCivil(startEpochSeconds + t, into: &out)
        out += ".000Z".utf8
        return String(decoding: out, as: UTF8.self)
    }

    static func writeCivil(_ seconds: Int64, into out: inout [UInt8]) {
        let days = floorDiv(seconds, 86_400)
        let sod = Int(seconds - days * 86_400)
        let (y, m, d) = civil(days)
        pad(y, 4, &out); out.append(0x2D); pad(m, 2, &out); out.append(0x2D); pad(d, 2, &out)
        out.append(0x54)
        pad(sod / 3600, 2, &out); out.append(0x3A); pad(sod / 60 % 60, 2, &out); out.append(0x3A); pad(sod % 60, 2, &out)
    }

    @inline(__always) static func pad(_ v: Int, _ width: Int, _ out: inout [UInt8]) {
        var digits = [UInt8](repeating: 0x30, count: width)
        var x = v
        var i = width - 1
        while i >= 0 { digits[i] = UInt8(0x30 + x % 10); x /= 10; i -= 1 }
        out += digits
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(_ y: Int, _ m: Int, _ d: Int) -> Int64 {
        Int64(EPCISTimestamp.daysFromCivil(year: y, month: m, day: d))
    }

    static func civil(_ days: Int64) -> (Int, Int, Int) { EPCISTimestamp.civil(fromDays: days) }
}
