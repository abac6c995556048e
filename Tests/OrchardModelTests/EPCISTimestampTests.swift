import Testing
@testable import OrchardModel
import OrchardTesting

/// The fixed-layout reader of event times (`YYYY-MM-DDThh:mm:ss±hh:mm`, `…Z`) against the
/// general RFC 3339 reader it stands in front of, and its same-day UTC writer against parsing
/// and formatting (which the event-hash vectors pin).
struct EPCISTimestampTests {
    static func general(_ text: String) -> (Int64, Int)? {
        var t = text
        return t.withUTF8 { if case let .success(ms, off) = EPCISTimestamp.parseGeneral($0) { (ms, off) } else { nil } }
    }

    static func fast(_ text: String) -> (Int64, Int)? {
        var t = text
        return t.withUTF8 { if case let .success(ms, off) = EPCISTimestamp.parse($0) { (ms, off) } else { nil } }
    }

    static func utc(_ text: String) -> String? {
        var t = text
        var out: [UInt8] = []
        let written = t.withUTF8 { EPCISTimestamp.appendUTCMilliseconds(ofText: $0, to: &out) }
        #expect(written || out.isEmpty, "\(text): refused, yet bytes were appended")
        return written ? String(decoding: out, as: UTF8.self) : nil
    }

    /// Timestamps near the fixed layouts: mostly valid, some with a field out of range, a wrong
    /// separator, a fraction, lower-case `t`/`z`, or an offset that crosses midnight.
    static func candidates(count: Int, seed: UInt64) -> [String] {
        var rng = SplitMix64(state: seed)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var out: [String] = []
        for _ in 0..<count {
            let year = [1970, 2000, 2024, 2025, 2026, 2100, 1900, 9999, 0].randomElement(using: &rng)!
            let month = Int.random(in: 0...13, using: &rng)
            let day = Int.random(in: 0...32, using: &rng)
            let hour = Int.random(in: 0...25, using: &rng), minute = Int.random(in: 0...61, using: &rng)
            let second = Int.random(in: 0...61, using: &rng)
            let t = Int.random(in: 0..<20, using: &rng) == 0 ? "t" : "T"
            var s = String(repeating: "0", count: 4 - String(year).count) + "\(year)-\(two(month))-\(two(day))\(t)\(two(hour)):\(two(minute)):\(two(second))"
            if Int.random(in: 0..<10, using: &rng) == 0 { s += ".\(Int.random(in: 0...999, using: &rng))" }
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: s += "Z"
            case 1: s += "z"
            case 2: s += "+25:00"
            case 3: s += "+08:60"
            case 4: s += "+0800"
            default:
                let sign = Bool.random(using: &rng) ? "+" : "-"
                s += "\(sign)\(two(Int.random(in: 0...14, using: &rng))):\(two([0, 30, 45].randomElement(using: &rng)!))"
            }
            out.append(s)
        }
        return out
    }

    @Test func fixedLayoutReadsAsTheGeneralReader() {
        let texts = Self.candidates(count: 40_000, seed: 12) + [
            "2024-02-29T12:00:00Z", "2025-02-29T12:00:00Z", "1900-02-29T00:00:00+01:00", "2000-02-29T23:59:59-14:00",
            "2026-06-01T16:28:38+08:00", "2026-06-01T07:59:59+08:00", "2026-12-31T23:30:00-00:30", "0000-01-01T00:00:00Z",
        ]
        var valid = 0, fixedTaken = 0
        for text in texts {
            let g = Self.general(text), f = Self.fast(text)
            #expect(g?.0 == f?.0 && g?.1 == f?.1, "\(text): general \(String(describing: g)), fast \(String(describing: f))")
            if g != nil { valid += 1 }
            var copy = text
            if copy.withUTF8({ EPCISTimestamp.fixed($0) }) != nil {
                fixedTaken += 1
                #expect(g != nil, "\(text): the fixed reader took what the general one refuses")
            }
        }
        // Both paths are exercised, and refusals too.
        #expect(valid > 10_000 && valid < texts.count && fixedTaken > 5_000 && fixedTaken < valid)
    }

    @Test func utcWriterWritesWhatParsingAndFormattingDo() {
        var shortcut = 0, calendar = 0
        for text in Self.candidates(count: 40_000, seed: 13) + ["2026-06-01T08:00:00+08:00", "2026-06-01T07:59:59+08:00",
                                                                 "2026-06-01T23:59:59-00:00", "2026-06-01T14:00:00-10:00",
                                                                 "2026-01-01T03:00:00+08:00", "2026-06-01T16:28:38.1234+08:00"] {
            let written = Self.utc(text)
            guard let (ms, _) = Self.general(text) else {
                #expect(written == nil, "\(text): the general reader refuses it, yet it was written")
                continue
            }
            var expected: [UInt8] = []
            EPCISTimestamp.appendUTCMilliseconds(ms, to: &expected)
            #expect(written == String(decoding: expected, as: UTF8.self), "\(text)")
            // Both paths of the fixed layout are taken: the hour moved, and the calendar.
            var copy = text
            if let f = copy.withUTF8({ EPCISTimestamp.fixed($0) }) {
                let minutes = f.hour * 60 + f.minute - f.offsetMinutes
                if minutes >= 0 && minutes < 1440 { shortcut += 1 } else { calendar += 1 }
            }
        }
        #expect(shortcut > 5_000 && calendar > 1_000)
        #expect(Self.utc("2026-06-01T16:28:38+08:00") == "2026-06-01T08:28:38.000Z")
        #expect(Self.utc("2026-01-01T03:00:00+08:00") == "2025-12-31T19:00:00.000Z")
        #expect(Self.utc("2026-02-30T03:00:00Z") == nil)
    }
}
