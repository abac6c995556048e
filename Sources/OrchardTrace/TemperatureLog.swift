// A carrier's temperature log: the sensor reports of one event in °C and time order, and the
// excursions in it against a product's safe range. The trace describes a leg with it; the loss
// statistics measure excursions with it (duration, peak, degree-minutes).
import OrchardModel

/// The temperature readings of one event, in °C, in time order.
public struct TemperatureLog: Sendable, Hashable {
    public struct Point: Sendable, Hashable {
        public let millis: Int64
        public let celsius: Double
    }

    /// A run of consecutive readings outside the safe range: each reading holds until the next one,
    /// the last of the log until the sensor's end time.
    public struct Excursion: Sendable, Hashable {
        public let startMillis: Int64
        public let endMillis: Int64
        public let readings: Int
        /// The largest distance outside the range, °C (always > 0).
        public let peak: Double
        /// Σ distance outside the range × minutes it held, °C·min.
        public let degreeMinutes: Double
        public var minutes: Double { Double(endMillis - startMillis) / 60_000 }
    }

    public let points: [Point]
    /// The sensor's end time (`sensorMetadata.endTime`), if written.
    public let endMillis: Int64?

    public init(points: [Point], endMillis: Int64?) {
        self.points = points.sorted { $0.millis < $1.millis }
        self.endMillis = endMillis
    }

    /// The `Temperature` reports of an event (°C, °F or K), with times; nil when it has none.
    public init?(event e: EPCISEvent) {
        var points = [Point]()
        for reading in e.sensorReadings where reading.type.hasSuffix("Temperature") {
            let c: Double
            switch reading.uom {
            case "FAH": c = (reading.value - 32) * 5 / 9
            case "KEL": c = reading.value - 273.15
            default: c = reading.value
            }
            let t = reading.time.flatMap { try? EPCISTimestamp($0) }?.millisecondsSinceEpoch ?? 0
            points.append(Point(millis: t, celsius: c))
        }
        guard !points.isEmpty else { return nil }
        let end = e.json["sensorElementList"]?.arrayValue?.first?["sensorMetadata"]?["endTime"]?.stringValue
        self.init(points: points, endMillis: end.flatMap { try? EPCISTimestamp($0) }?.millisecondsSinceEpoch)
    }

    /// Until when reading `i` holds.
    private func until(_ i: Int) -> Int64 {
        i + 1 < points.count ? points[i + 1].millis : max(points[i].millis, endMillis ?? points[i].millis)
    }

    /// How far `c` is outside `range` (0 inside).
    public static func distance(_ c: Double, outside range: ClosedRange<Double>) -> Double {
        c > range.upperBound ? c - range.upperBound : c < range.lowerBound ? range.lowerBound - c : 0
    }

    /// The excursions against `range`, in time order.
    public func excursions(outside range: ClosedRange<Double>) -> [Excursion] {
        var out = [Excursion]()
        var i = 0
        while i < points.count {
            guard Self.distance(points[i].celsius, outside: range) > 0 else { i += 1; continue }
            let start = i
            var peak = 0.0, degreeMinutes = 0.0
            while i < points.count {
                let d = Self.distance(points[i].celsius, outside: range)
                guard d > 0 else { break }
                peak = max(peak, d)
                degreeMinutes += d * Double(until(i) - points[i].millis) / 60_000
                i += 1
            }
            out.append(Excursion(startMillis: points[start].millis, endMillis: until(i - 1), readings: i - start,
                                 peak: peak, degreeMinutes: degreeMinutes))
        }
        return out
    }

    /// Milliseconds outside `range`.
    public func millisOutside(_ range: ClosedRange<Double>) -> Int64 {
        excursions(outside: range).reduce(0) { $0 + ($1.endMillis - $1.startMillis) }
    }
}

/// The words of an event as the trace and the statistics read them, whatever the spelling.
public enum EventWords {
    /// The bare business step (`shipping`, `grading`; "" when absent).
    public static func step(_ value: String?) -> String { StepDescriber.stepWord(value) }
    /// The bare disposition (`destroyed`, `retail_sold`), if any.
    public static func disposition(_ value: String?) -> String? {
        value.map { StepDescriber.bare($0, marker: "Disp-", urn: "urn:epcglobal:cbv:disp:") }
    }
    /// A top-level (or ilmd) member by local name, whatever its prefix or namespace URI
    /// (`lossCause`, `orchard:farm`).
    public static func member(_ json: JSONValue, named local: String) -> JSONValue? { StepDescriber.member(json, named: local) }
    /// An event's `eventTime` (ms since the epoch) and its calendar day (days since 1970-01-01)
    /// at the event's own `eventTimeZoneOffset`; nil when the time does not read.
    public static func localDay(of event: JSONValue) -> (millis: Int64, day: Int64)? {
        guard let t = event["eventTime"]?.stringValue.flatMap({ try? EPCISTimestamp($0) }) else { return nil }
        let minutes = event["eventTimeZoneOffset"]?.stringValue.flatMap(offsetMinutes) ?? t.timeZoneOffsetMinutes
        let local = t.millisecondsSinceEpoch + Int64(minutes) * 60_000
        return (t.millisecondsSinceEpoch, local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000)
    }

    /// Minutes east of UTC of a `±hh:mm` offset; nil when it is not one.
    public static func offsetMinutes(_ text: String) -> Int? { Journey.offsetMinutes(text) }
    /// The `destination`s of `destinationList`, as written.
    public static func destinations(_ e: EPCISEvent) -> [String] { StepDescriber.destinations(e) }
}
