// A fast RFC 3339 timestamp type for EPCIS event times: parse once, keep the offset, and
// write the UTC millisecond form the CBV event hash and the ledger use.

/// Why a timestamp could not be read.
public struct EPCISTimestampError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text that was refused.
    public let text: String
    /// What is wrong with it.
    public let reason: String
    public var description: String { "timestamp \"\(text)\": \(reason)" }
}

/// An RFC 3339 date-time with a time-zone offset, held at millisecond precision.
///
/// Fractional seconds beyond milliseconds are rounded half-up on the fourth fractional digit
/// (`…03.1415Z` → `…03.142Z`), as the CBV 2.0 event hash requires.
public struct EPCISTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let millisecondsSinceEpoch: Int64
    /// The offset written in the text, in minutes east of UTC (`Z` is 0).
    public let timeZoneOffsetMinutes: Int

    /// The offset as written in EPCIS, `+hh:mm` / `-hh:mm` (`Z` becomes `+00:00`).
    public var timeZoneOffset: String {
        let m = abs(timeZoneOffsetMinutes)
        return (timeZoneOffsetMinutes < 0 ? "-" : "+") + Self.two(m / 60) + ":" + Self.two(m % 60)
    }

    /// Creates a timestamp from milliseconds since the epoch and an offset in minutes.
    public init(millisecondsSinceEpoch: Int64, timeZoneOffsetMinutes: Int = 0) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
        self.timeZoneOffsetMinutes = timeZoneOffsetMinutes
    }

    /// Parses `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`; `t`/`z` in lower case and any number
    /// of fractional digits are accepted.
    ///
    /// - Throws: ``EPCISTimestampError`` for anything else, including a missing offset, an
    ///   impossible date (February 30) or a leap second.
    public init(_ text: String) throws(EPCISTimestampError) {
        var copy = text
        let parsed = copy.withUTF8 { Self.parse($0) }
        switch parsed {
        case let .success(ms, offset):
            millisecondsSinceEpoch = ms
            timeZoneOffsetMinutes = offset
        case let .failure(reason):
            throw EPCISTimestampError(text: text, reason: reason)
        }
    }

    /// The UTC form with exactly three fractional digits, e.g. `2019-10-07T15:39:40.123Z`.
    public var utcMillisecondString: String {
        var ms = millisecondsSinceEpoch
        var days = ms / 86_400_000
        ms -= days * 86_400_000
        if ms < 0 { ms += 86_400_000; days -= 1 }
        let (y, m, d) = Self.civil(fromDays: days)
        let secs = Int(ms / 1000), milli = Int(ms % 1000)
        var s = Self.four(y) + "-" + Self.two(m) + "-" + Self.two(d) + "T"
        s += Self.two(secs / 3600) + ":" + Self.two(secs / 60 % 60) + ":" + Self.two(secs % 60)
        s += "." + String(milli / 100) + String(milli / 10 % 10) + String(milli % 10) + "Z"
        return s
    }

    public var description: String { utcMillisecondString }

    public static func < (a: Self, b: Self) -> Bool { a.millisecondsSinceEpoch < b.millisecondsSinceEpoch }

    /// Equal when they denote the same instant, whatever offset was written.
    public static func == (a: Self, b: Self) -> Bool { a.millisecondsSinceEpoch == b.millisecondsSinceEpoch }
    public func hash(into h: inout Hasher) { h.combine(millisecondsSinceEpoch) }

    // MARK: - Parsing

    enum Parsed { case success(Int64, Int), failure(String) }

    /// The fields of a timestamp in the layout events write, `YYYY-MM-DDThh:mm:ss±hh:mm` or
    /// `YYYY-MM-DDThh:mm:ssZ` (no fraction), checked as ``parseGeneral(_:)`` checks them.
    struct Fixed { var year, month, day, hour, minute, second, offsetMinutes: Int }

    /// The fields of `b` when it is in one of the two fixed layouts and valid; nil otherwise
    /// (then ``parseGeneral(_:)`` decides). Read by position, without a cursor: every event time
    /// and sensor reading goes through here.
    static func fixed(_ b: UnsafeBufferPointer<UInt8>) -> Fixed? {
        let n = b.count
        guard n == 20 || n == 25, let p = b.baseAddress else { return nil }
        // Each digit as its value (a byte that is not a digit gives 10 or more).
        let y0 = p[0] &- 0x30, y1 = p[1] &- 0x30, y2 = p[2] &- 0x30, y3 = p[3] &- 0x30
        let mo0 = p[5] &- 0x30, mo1 = p[6] &- 0x30, d0 = p[8] &- 0x30, d1 = p[9] &- 0x30
        let h0 = p[11] &- 0x30, h1 = p[12] &- 0x30, mi0 = p[14] &- 0x30, mi1 = p[15] &- 0x30
        let s0 = p[17] &- 0x30, s1 = p[18] &- 0x30
        guard y0 < 10, y1 < 10, y2 < 10, y3 < 10, mo0 < 10, mo1 < 10, d0 < 10, d1 < 10, h0 < 10, h1 < 10,
              mi0 < 10, mi1 < 10, s0 < 10, s1 < 10, p[4] == 0x2D, p[7] == 0x2D, p[10] | 0x20 == 0x74, p[13] == 0x3A,
              p[16] == 0x3A else { return nil }
        var offset = 0
        if n == 20 {
            guard p[19] | 0x20 == 0x7A else { return nil }
        } else {
            let a0 = p[20] &- 0x30, a1 = p[21] &- 0x30, b0 = p[23] &- 0x30, b1 = p[24] &- 0x30
            guard p[19] == 0x2B || p[19] == 0x2D, a0 < 10, a1 < 10, p[22] == 0x3A, b0 < 10, b1 < 10 else { return nil }
            let oh = Int(a0) * 10 + Int(a1), om = Int(b0) * 10 + Int(b1)
            guard oh < 24, om < 60 else { return nil }
            offset = (oh * 60 + om) * (p[19] == 0x2D ? -1 : 1)
        }
        let year = Int(y0) * 1000 + Int(y1) * 100 + Int(y2) * 10 + Int(y3)
        let month = Int(mo0) * 10 + Int(mo1), day = Int(d0) * 10 + Int(d1)
        let hour = Int(h0) * 10 + Int(h1), minute = Int(mi0) * 10 + Int(mi1), second = Int(s0) * 10 + Int(s1)
        guard month >= 1, month <= 12, day >= 1, day <= 28 || day <= daysIn(month: month, year: year), hour < 24, minute < 60,
              second < 60 else { return nil }
        return Fixed(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offsetMinutes: offset)
    }

    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Parsed {
        guard let f = fixed(b) else { return parseGeneral(b) }
        return .success(milliseconds(f), f.offsetMinutes)
    }

    /// Milliseconds since the epoch of fields ``fixed(_:)`` read.
    private static func milliseconds(_ f: Fixed) -> Int64 {
        let days = Int64(daysFromCivil(year: f.year, month: f.month, day: f.day))
        let secondsOfDay = Int64(f.hour * 3600 + f.minute * 60 + f.second - f.offsetMinutes * 60)
        return (days * 86_400 + secondsOfDay) * 1000
    }

    /// Any RFC 3339 date-time ``init(_:)`` accepts, read with a cursor.
    static func parseGeneral(_ b: UnsafeBufferPointer<UInt8>) -> Parsed {
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                let c = b[k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8, _ alt: UInt8? = nil) -> Bool {
            guard i < b.count, b[i] == c || b[i] == alt else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2) else {
            return .failure("expected a date YYYY-MM-DD")
        }
        guard expect(0x54, 0x74) else { return .failure("expected \"T\" between date and time") }
        guard let hour = digits(2), expect(0x3A), let minute = digits(2), expect(0x3A), let second = digits(2) else {
            return .failure("expected a time hh:mm:ss")
        }
        guard (1...12).contains(month) else { return .failure("month \(month) is not 01–12") }
        guard (1...daysIn(month: month, year: year)).contains(day) else { return .failure("day \(day) does not exist in that month") }
        guard hour < 24, minute < 60, second < 60 else { return .failure("time of day out of range") }
        var millis = 0
        if i < b.count && b[i] == 0x2E {
            i += 1
            var n = 0
            var roundUp = false
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                let dgt = Int(b[i] - 0x30)
                if n < 3 { millis = millis * 10 + dgt } else if n == 3 { roundUp = dgt >= 5 }
                n += 1; i += 1
            }
            guard n > 0 else { return .failure("expected digits after the decimal point") }
            for _ in n..<max(n, 3) { millis *= 10 }
            if roundUp { millis += 1 }
        }
        var offset = 0
        if expect(0x5A, 0x7A) {
            offset = 0
        } else if i < b.count, b[i] == 0x2B || b[i] == 0x2D {
            let negative = b[i] == 0x2D
            i += 1
            guard let oh = digits(2), expect(0x3A), let om = digits(2), oh < 24, om < 60 else {
                return .failure("time-zone offset must be ±hh:mm")
            }
            offset = (oh * 60 + om) * (negative ? -1 : 1)
        } else {
            return .failure("missing time-zone offset (Z or ±hh:mm)")
        }
        guard i == b.count else { return .failure("unexpected text after the offset") }
        let days = Int64(daysFromCivil(year: year, month: month, day: day))
        let secondsOfDay = Int64(hour * 3600 + minute * 60 + second - offset * 60)
        return .success((days * 86_400 + secondsOfDay) * 1000 + Int64(millis), offset)
    }

    /// Appends the UTC millisecond form (``utcMillisecondString``) of RFC 3339 text, read once;
    /// false, nothing appended, when the text is not a timestamp. Text in a ``fixed(_:)`` layout
    /// whose UTC instant falls on the date written (its offset does not cross midnight) is
    /// written by moving the hour and minute only, without calendar arithmetic.
    static func appendUTCMilliseconds(ofText b: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        if appendUTCMilliseconds(ofFixedText: b, to: &out) { return true }
        guard case let .success(ms, _) = parseGeneral(b) else { return false }
        appendUTCMilliseconds(ms, to: &out)
        return true
    }

    /// ``appendUTCMilliseconds(ofText:to:)`` for a time in one of the two fixed layouts (see
    /// ``fixed(_:)``); false, with nothing appended, for any other text.
    static func appendUTCMilliseconds(ofFixedText b: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        guard let f = fixed(b) else { return false }
        let minutes = f.hour * 60 + f.minute - f.offsetMinutes
        guard minutes >= 0, minutes < 1440 else {
            appendUTCMilliseconds(milliseconds(f), to: &out)
            return true
        }
        let h = minutes / 60, m = minutes % 60
        // YYYY-MM-DD as written, then Thh:mm:ss.000Z.
        out.append(contentsOf: UnsafeBufferPointer(rebasing: b[0..<10]))
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 14) { t in
            t[0] = 0x54
            t[1] = UInt8(truncatingIfNeeded: 0x30 + h / 10); t[2] = UInt8(truncatingIfNeeded: 0x30 + h % 10); t[3] = 0x3A
            t[4] = UInt8(truncatingIfNeeded: 0x30 + m / 10); t[5] = UInt8(truncatingIfNeeded: 0x30 + m % 10); t[6] = 0x3A
            t[7] = b[17]; t[8] = b[18]
            t[9] = 0x2E; t[10] = 0x30; t[11] = 0x30; t[12] = 0x30; t[13] = 0x5A
            out.append(contentsOf: UnsafeBufferPointer(t))
        }
        return true
    }

    /// Appends what ``utcMillisecondString`` is for `millisecondsSinceEpoch`, as UTF-8 bytes.
    static func appendUTCMilliseconds(_ millisecondsSinceEpoch: Int64, to out: inout [UInt8]) {
        var ms = millisecondsSinceEpoch
        var days = ms / 86_400_000
        ms -= days * 86_400_000
        if ms < 0 { ms += 86_400_000; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        guard y >= 0 && y <= 9999 else {
            out.append(contentsOf: EPCISTimestamp(millisecondsSinceEpoch: millisecondsSinceEpoch).utcMillisecondString.utf8)
            return
        }
        let secs = Int(ms / 1000), milli = Int(ms % 1000)
        // YYYY-MM-DDThh:mm:ss.fffZ: 24 bytes, written in place.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { b in
            @inline(__always) func put(_ i: Int, _ v: Int, _ n: Int) {
                var v = v
                for k in stride(from: i + n - 1, through: i, by: -1) { b[k] = UInt8(truncatingIfNeeded: 0x30 + v % 10); v /= 10 }
            }
            put(0, y, 4); b[4] = 0x2D
            put(5, m, 2); b[7] = 0x2D
            put(8, d, 2); b[10] = 0x54
            put(11, secs / 3600, 2); b[13] = 0x3A
            put(14, secs / 60 % 60, 2); b[16] = 0x3A
            put(17, secs % 60, 2); b[19] = 0x2E
            put(20, milli, 3); b[23] = 0x5A
            out.append(contentsOf: UnsafeBufferPointer(b))
        }
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm). Public as
    /// the one calendar routine of the package (the simulator and block times use it too).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The (year, month, day) of a day count since 1970-01-01.
    public static func civil(fromDays z0: Int64) -> (Int, Int, Int) {
        let z = Int(z0) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func two(_ v: Int) -> String { v < 10 ? "0" + String(v) : String(v) }
    private static func four(_ v: Int) -> String {
        let s = String(v)
        return s.count >= 4 ? s : String(repeating: "0", count: 4 - s.count) + s
    }
}
