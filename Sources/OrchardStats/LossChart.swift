// A loss report as a chart for people (`--svg FILE`): horizontal bars of loss rate by the
// report's groups, stacked by cause, as one self-contained SVG 1.1 document — title, the
// checkpoint it was computed at, a legend, a percentage axis, the figure at each bar's end and
// the definitions underneath. Geometry is integer (hundredths of a pixel) and nothing depends on
// the locale or the fonts installed: the same report gives the same bytes.

import OrchardLedger
import OrchardModel

/// A chart of loss rates: first a model (``Bar``s of cause segments), then its SVG.
public struct LossChart: Sendable {
    /// One bar: a group's loss rate, split by cause.
    public struct Bar: Sendable {
        /// The group as people name it (`Sichuan · farm`).
        public var label: String
        /// Each cause's share of the settled input, millionths, in stacking order. They add up to
        /// ``totalRateMillionths``; a negative one (a weighing gain) is not drawn.
        public var segments: [(name: String, rateMillionths: Int64)]
        /// Loss ÷ settled input, millionths; nil when nothing is settled.
        public var totalRateMillionths: Int64?
        /// Input whose fate is known (the rate's denominator).
        public var settled: Mass

        public init(label: String, segments: [(name: String, rateMillionths: Int64)], totalRateMillionths: Int64?, settled: Mass) {
            self.label = label
            self.segments = segments
            self.totalRateMillionths = totalRateMillionths
            self.settled = settled
        }
    }

    /// At most this many bars are drawn by default: those with the most loss by weight.
    public static let defaultMaxBars = 60
    /// The series segments are named after when they are not a recorded cause.
    public static let unexplained = "unexplained"
    /// The series that extra causes beyond the palette are folded into.
    public static let otherCauses = "other causes"

    public var title: String
    /// Lines separated by `\n`.
    public var subtitle: String
    /// The bars drawn, in drawing order (top to bottom).
    public var bars: [Bar]
    /// Series names in stacking and legend order; they fix the colours.
    public var causes: [String]
    /// What the bars are (`Province · Stage`), written above the labels.
    public var categoryLabel = ""
    /// What one bar is, plural, for the note on omitted bars (`farms`).
    public var groupNoun = "groups"
    /// Notes printed under the chart after the definition of loss.
    public var notes: [String] = []
    /// Bars left out by the cap (the ones with the least loss by weight).
    public private(set) var omitted = 0

    /// A chart of `bars` as given (tests, other reports); when there are more than `maxBars`, the
    /// `maxBars` with the most loss by weight (rate × settled) are kept, in the given order.
    public init(title: String, subtitle: String, bars: [Bar], causes: [String], maxBars: Int = LossChart.defaultMaxBars) {
        self.title = title
        self.subtitle = subtitle
        self.causes = causes
        let weights = bars.map { b -> Int128 in
            guard let rate = b.totalRateMillionths else { return Int128.min }
            let (w, overflow) = Int128(rate).multipliedReportingOverflow(by: b.settled.femtograms)
            return overflow ? ((rate < 0) == (b.settled.femtograms < 0) ? Int128.max : Int128.min + 1) : w
        }
        (self.bars, omitted) = Self.cap(bars, weights: weights, max: maxBars)
    }

    /// The chart of a report: a bar per row (per stage when the report is not grouped), stacked
    /// by cause, unexplained shrinkage last. Groups with an order of their own (stages, months)
    /// keep it; others are sorted by loss rate, highest first.
    public init(report: LossReport, maxBars: Int = LossChart.defaultMaxBars) {
        let dims: [LossDimension] = report.query.by.isEmpty ? [.stage] : report.query.by
        let rows = report.query.by.isEmpty ? report.stages : report.rows

        // Series: the programme's four causes, the others while colours last, the rest folded.
        let standard = 4
        var extraTotals = [(index: Int, lost: Int128)]()
        for i in report.causes.indices where i >= standard {
            let lost = rows.reduce(Int128(0)) { $0 + max($1.figures.lost[i].femtograms, 0) }
            if lost > 0 { extraTotals.append((i, lost)) }
        }
        let room = Self.extraPalette.count
        var kept = extraTotals.map(\.index)
        var folded = [Int]()
        if extraTotals.count > room {
            let largest = extraTotals.sorted { $0.lost != $1.lost ? $0.lost > $1.lost : $0.index < $1.index }.prefix(room - 1).map(\.index)
            kept = kept.filter { largest.contains($0) }
            folded = extraTotals.map(\.index).filter { !largest.contains($0) }
        }
        var series = Array(report.causes.prefix(standard)) + kept.map { report.causes[$0] }
        if !folded.isEmpty { series.append(Self.otherCauses) }
        series.append(Self.unexplained)

        func label(_ row: LossRow) -> String {
            zip(row.group, row.labels).map { g, l in
                if g.0 == .stage { return Self.stageWords(g.1) }
                return l.isEmpty ? g.1 : l
            }.joined(separator: " · ")
        }
        var labels = rows.map(label)
        var seen = [String: Int]()
        for l in labels { seen[l, default: 0] += 1 }
        for i in labels.indices where seen[labels[i]]! > 1 {
            labels[i] += " (" + rows[i].group.map(\.1).joined(separator: ", ") + ")"
        }

        var bars = [Bar]()
        for (row, l) in zip(rows, labels) {
            let f = row.figures
            var masses = (0..<min(standard, report.causes.count)).map { (report.causes[$0], f.lost[$0].femtograms) }
            masses += kept.map { (report.causes[$0], f.lost[$0].femtograms) }
            if !folded.isEmpty { masses.append((Self.otherCauses, folded.reduce(Int128(0)) { $0 + f.lost[$1].femtograms })) }
            if !f.unexplained.isZero { masses.append((Self.unexplained, f.unexplained.femtograms)) }
            var segments = [(name: String, rateMillionths: Int64)]()
            if f.settled.femtograms > 0 {
                // Cumulative rounding: the segments add up to the rounded total exactly.
                var cumulative: Int128 = 0, before: Int64 = 0
                for (name, m) in masses {
                    cumulative += m
                    let r = LossFigures.ratio(Mass(femtograms: cumulative), f.settled) ?? 0
                    segments.append((name, r - before))
                    before = r
                }
            }
            bars.append(Bar(label: l, segments: segments, totalRateMillionths: f.lossRateMillionths, settled: f.settled))
        }
        let weights = rows.map { $0.figures.loss.femtograms }
        var order = Array(bars.indices)
        if !dims.contains(.stage), !dims.contains(.month) {
            order.sort { a, b in
                let x = bars[a].totalRateMillionths ?? Int64.min, y = bars[b].totalRateMillionths ?? Int64.min
                return x != y ? x > y : a < b
            }
        }

        let nouns = dims.map(Self.noun)
        let list = nouns.count <= 1 ? nouns.joined() : nouns.dropLast().joined(separator: ", ") + " and " + nouns.last!
        title = (report.query.isTransit ? "Produce loss in transit by " : "Produce loss by ") + list
        subtitle = Self.subtitle(report)
        causes = series
        categoryLabel = nouns.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " · ")
        groupNoun = dims.count == 1 ? Self.plural(nouns[0]) : "groups"
        (self.bars, omitted) = Self.cap(order.map { bars[$0] }, weights: order.map { weights[$0] }, max: maxBars)
        let stageLevel = report.query.by.isEmpty || report.query.by.contains(.stage) || report.query.isTransit
        notes.append(stageLevel ? "Input of a stage: what was harvested there or arrived from the stage before."
                                : "Input: what was harvested (moves between stages are internal to the chain).")
        if report.unmeasured.lots > 0 {
            notes.append("\(Self.grouped(String(report.unmeasured.lots))) lots counted in units that cannot be weighed are not included.")
        }
        if !folded.isEmpty {
            notes.append("Other causes: " + folded.map { Self.causeWords(report.causes[$0]) }.joined(separator: ", ") + ".")
        }
    }

    /// The `max` bars of greatest weight, in their order, and how many were left out.
    static func cap(_ bars: [Bar], weights: [Int128], max: Int) -> ([Bar], Int) {
        let limit = Swift.max(max, 1)
        guard bars.count > limit else { return (bars, 0) }
        let keep = Set(bars.indices.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }.prefix(limit))
        return (bars.indices.filter(keep.contains).map { bars[$0] }, bars.count - limit)
    }

    static func subtitle(_ r: LossReport) -> String {
        var ledger = [String]()
        if !r.origin.isEmpty { ledger.append("Ledger " + r.origin) }
        let size = "tree size " + grouped(String(r.treeSize))
        ledger.append(r.rootHash.isEmpty ? size : "checkpoint " + String(r.rootHash.prefix(16)) + " at " + size)
        var scope = [String]()
        switch (r.query.from, r.query.to) {
        case let (f?, t?): scope.append("harvested " + CalendarDay.text(f) + " to " + CalendarDay.text(t))
        case let (f?, nil): scope.append("harvested from " + CalendarDay.text(f))
        case let (nil, t?): scope.append("harvested up to " + CalendarDay.text(t))
        case (nil, nil): scope.append("all harvests")
        }
        for (name, values) in [("product", r.query.products), ("farm", r.query.farms), ("province", r.query.provinces),
                               ("carrier", r.query.carriers)] where !values.isEmpty {
            scope.append((values.count == 1 ? name : plural(name)) + " " + values.joined(separator: ", "))
        }
        if let rate = r.total.lossRateMillionths {
            scope.append("overall " + percent(rate, decimals: 2) + " lost (" + kilograms(r.total.loss) + " of "
                         + kilograms(r.total.settled) + " settled)")
        } else {
            scope.append("nothing settled yet")
        }
        let first = ledger.joined(separator: " · "), second = scope.joined(separator: " · ")
        return first + "\n" + second.prefix(1).uppercased() + second.dropFirst()
    }

    // MARK: Words

    static func noun(_ d: LossDimension) -> String {
        switch d {
        case .stage: "stage"
        case .farm: "farm"
        case .province: "province"
        case .product: "product"
        case .carrier: "carrier"
        case .month: "harvest month"
        }
    }

    static func plural(_ noun: String) -> String { noun.hasSuffix("y") ? noun.dropLast() + "ies" : noun + "s" }

    /// `transit-to-packhouse` → `transit to packhouse`.
    static func stageWords(_ name: String) -> String { String(name.map { $0 == "-" ? " " : $0 }) }

    /// `cold_chain_excursion` → `cold chain excursion`; unexplained shrinkage says what it is.
    static func causeWords(_ name: String) -> String {
        name == unexplained ? "unexplained shrinkage" : String(name.map { $0 == "_" ? " " : $0 })
    }

    /// `1234567` → `1,234,567` (digits, optionally signed and with a fraction).
    static func grouped(_ number: String) -> String {
        var s = Substring(number), sign = ""
        if s.first == "-" { sign = "-"; s = s.dropFirst() }
        let whole = s.prefix { $0 != "." }, rest = s.dropFirst(whole.count)
        var out = ""
        for (i, c) in whole.enumerated() {
            if i > 0, (whole.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return sign + out + rest
    }

    /// `1,234 kg` (a decimal under 100 kg).
    static func kilograms(_ m: Mass) -> String {
        let small = m.femtograms.magnitude < 100 * Mass.femtogramsPerKilogram.magnitude
        return grouped(m.kilograms(places: small ? 1 : 0)) + " kg"
    }

    /// Millionths as a percentage with `decimals` (0…4) places, rounded half away from zero;
    /// a minus sign for negatives.
    static func percent(_ millionths: Int64, decimals: Int) -> String {
        let places = Swift.min(Swift.max(decimals, 0), 4)
        var unit: Int64 = 1
        for _ in 0..<(4 - places) { unit *= 10 }
        let m = millionths.magnitude
        let q = (m + UInt64(unit) / 2) / UInt64(unit)
        let text = Mass.decimal(Int128(q), scale: places, trim: false)
        return (millionths < 0 && q > 0 ? "\u{2212}" : "") + text + "%"
    }

    // MARK: Palette

    /// Okabe & Ito's colour-blind-safe palette: the programme's causes have fixed colours,
    /// unexplained shrinkage a neutral grey.
    static let fixedColours: [String: String] = [
        "grading_reject": "#E69F00", "damage": "#56B4E9", "spoilage": "#D55E00", "cold_chain_excursion": "#0072B2",
        unexplained: "#B8B8B8", otherCauses: "#6E6E6E",
    ]
    static let extraPalette = ["#009E73", "#CC79A7", "#F0E442"]

    func colours() -> [String: String] {
        var out = [String: String](), next = 0
        for name in causes where out[name] == nil {
            if let c = Self.fixedColours[name] { out[name] = c; continue }
            out[name] = Self.extraPalette[next % Self.extraPalette.count]
            next += 1
        }
        return out
    }

    // MARK: SVG

    static let width = 960
    static let margin = 20
    static let pitch = 22
    static let barHeight = 14
    static let maxLabelWidth = 260
    static let definition = "Loss = recorded write-offs + unexplained shrinkage; rate over input whose fate is known (on hand excluded)."
    static let axisLabel = "Loss rate (% of settled input, by weight)"
    static let fontFamily = "'Helvetica Neue', Helvetica, Arial, 'Liberation Sans', 'Noto Sans', 'Noto Sans CJK SC', sans-serif"

    /// The chart as a standalone SVG 1.1 document.
    public func svg() -> String {
        let W = Self.width, M = Self.margin
        let colour = colours()
        let named = Set(causes)
        let bars = self.bars.map { b -> Bar in
            var b = b
            // A bar with a rate and no split is drawn as one neutral segment.
            if b.segments.isEmpty, let t = b.totalRateMillionths { b.segments = [("loss", t)] }
            return b
        }
        // Absurd rates (a few femtograms settled) are drawn at most this long: no overflow.
        let ceiling: Int64 = 1_000_000_000_000_000
        let stack = bars.map { b in min(Int64(clamping: b.segments.reduce(Int128(0)) { $0 + Int128(max($1.rateMillionths, 0)) }), ceiling) }
        let gain = bars.map { $0.segments.contains { $0.rateMillionths < 0 } }
        let hasNA = bars.contains { $0.totalRateMillionths == nil }

        // Axis: 0 to a round number, at most five steps.
        let top = min(max(stack.max() ?? 0, bars.compactMap(\.totalRateMillionths).max() ?? 0), ceiling)
        let step = Self.niceStep(top > 0 ? top : 10_000)
        let domain = max(1, ((top > 0 ? top : 10_000) + step - 1) / step) * step
        let tickDecimals = Self.decimals(step)
        let valueDecimals = min(tickDecimals + 1, 4)
        func valueText(_ i: Int) -> String {
            guard let t = bars[i].totalRateMillionths else { return "n/a" }
            var s = Self.percent(t, decimals: valueDecimals)
            if t > 0, s == Self.percent(0, decimals: valueDecimals) {
                s = "<" + Self.percent(Int64(pow10(4 - valueDecimals)), decimals: valueDecimals)
            }
            return s + (gain[i] ? "\u{2020}" : "")
        }
        let values = bars.indices.map(valueText)

        // Columns.
        let labelWidest = max(bars.map { Self.textWidth($0.label, size: 12) }.max() ?? 0, Self.textWidth(categoryLabel, size: 12))
        let labelColumn = min(max(labelWidest, 40), Self.maxLabelWidth)
        let labelRight = M + labelColumn
        let plotLeft = labelRight + 10
        let valueRoom = max(values.map { Self.textWidth($0, size: 11) }.max() ?? 0, 30) + 12
        let plotRight = W - M - valueRoom
        let plotWidth = plotRight - plotLeft
        /// Hundredths of a pixel from the left edge for a rate.
        func xh(_ rate: Int64) -> Int64 { xh(wide: Int128(rate)) }
        func xh(wide rate: Int128) -> Int64 {
            let r = min(max(rate, 0), Int128(domain))
            return Int64(plotLeft) * 100 + Int64((r * Int128(plotWidth) * 100 + Int128(domain) / 2) / Int128(domain))
        }

        var body = ""
        var y = M

        // Title and subtitle.
        let titleLines = Self.wrap(title, width: W - 2 * M, size: 18, bold: true)
        for line in titleLines {
            body += "<text x=\"\(M)\" y=\"\(y + 18)\" font-size=\"18\" font-weight=\"bold\" fill=\"#1a1a1a\">\(Self.escape(line))</text>\n"
            y += 24
        }
        var subtitleLines = subtitle.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        if omitted > 0 {
            subtitleLines.append("Showing the \(bars.count) \(groupNoun) with the most loss by weight; \(Self.grouped(String(omitted))) more omitted.")
        }
        for part in subtitleLines {
            for line in Self.wrap(part, width: W - 2 * M, size: 12, bold: false) {
                body += "<text x=\"\(M)\" y=\"\(y + 12)\" font-size=\"12\" fill=\"#555555\">\(Self.escape(line))</text>\n"
                y += 17
            }
        }
        y += 10

        // Legend: the series drawn, in stacking order.
        var drawn = Set<String>()
        for b in bars { for s in b.segments where s.rateMillionths > 0 { drawn.insert(s.name) } }
        var legend = causes.filter(drawn.contains)
        legend += drawn.subtracting(named).sorted()
        func fill(_ name: String) -> String { colour[name] ?? "#555555" }
        if !legend.isEmpty {
            var x = M
            body += "<g class=\"legend\" font-size=\"12\" fill=\"#333333\">\n"
            for name in legend {
                let words = Self.causeWords(name)
                let w = 12 + 6 + Self.textWidth(words, size: 12) + 18
                if x > M, x + w > W - M { x = M; y += 20 }
                body += "<rect x=\"\(x)\" y=\"\(y + 1)\" width=\"12\" height=\"12\" fill=\"\(fill(name))\"/>"
                body += "<text x=\"\(x + 18)\" y=\"\(y + 11)\">\(Self.escape(words))</text>\n"
                x += w
            }
            body += "</g>\n"
            y += 26
        }

        // Header row: what the bars are, and the scale again above many bars.
        let ticks = (0...(domain / step)).map { $0 * step }
        let topTicks = bars.count > 20
        func tickLabels(_ baseline: Int, zero: Bool) -> String {
            var s = "<g class=\"ticks\" font-size=\"11\" fill=\"#444444\" text-anchor=\"middle\">\n"
            for t in ticks where zero || t > 0 {
                s += "<text x=\"\(Self.px(xh(t)))\" y=\"\(baseline)\">\(Self.escape(Self.percent(t, decimals: tickDecimals)))</text>\n"
            }
            return s + "</g>\n"
        }
        if !categoryLabel.isEmpty || topTicks {
            if !categoryLabel.isEmpty {
                let (text, cut) = Self.truncate(categoryLabel, width: labelColumn, size: 12)
                body += "<text class=\"category\" x=\"\(labelRight)\" y=\"\(y + 12)\" font-size=\"12\" font-weight=\"bold\" fill=\"#333333\" text-anchor=\"end\">"
                body += (cut ? "<title>\(Self.escape(categoryLabel))</title>" : "") + Self.escape(text) + "</text>\n"
            }
            if topTicks { body += tickLabels(y + 12, zero: false) }
            y += 20
        } else {
            y += 4
        }

        // Plot.
        let plotTop = y
        let plotHeight = bars.isEmpty ? 40 : bars.count * Self.pitch
        let plotBottom = plotTop + plotHeight
        if bars.count > 12 {
            body += "<g class=\"bands\" fill=\"#F4F4F4\">\n"
            for i in bars.indices where i % 2 == 1 {
                body += "<rect x=\"\(M)\" y=\"\(plotTop + i * Self.pitch)\" width=\"\(W - 2 * M)\" height=\"\(Self.pitch)\"/>\n"
            }
            body += "</g>\n"
        }
        body += "<g class=\"grid\" stroke=\"#DDDDDD\" stroke-width=\"1\">\n"
        for t in ticks where t > 0 {
            body += "<line x1=\"\(Self.px(xh(t)))\" y1=\"\(plotTop)\" x2=\"\(Self.px(xh(t)))\" y2=\"\(plotBottom)\"/>\n"
        }
        body += "</g>\n"
        if bars.isEmpty {
            body += "<text x=\"\(Self.px((xh(0) + xh(domain)) / 2))\" y=\"\(plotTop + 24)\" font-size=\"12\" fill=\"#777777\" text-anchor=\"middle\">No loss figures for this query.</text>\n"
        }
        for (i, bar) in bars.enumerated() {
            let rowTop = plotTop + i * Self.pitch
            let barTop = rowTop + (Self.pitch - Self.barHeight) / 2
            let baseline = rowTop + Self.pitch / 2 + 4
            var summary = bar.label + ": "
            if let t = bar.totalRateMillionths {
                summary += "loss " + Self.percent(t, decimals: 2) + " of " + Self.kilograms(bar.settled) + " settled input"
                let parts = bar.segments.filter { $0.rateMillionths != 0 }
                if !parts.isEmpty {
                    summary += " (" + parts.map { Self.causeWords($0.name) + " " + Self.percent($0.rateMillionths, decimals: 2) }.joined(separator: ", ") + ")"
                }
            } else {
                summary += "no settled input"
            }
            body += "<g class=\"bar\"><title>\(Self.escape(summary))</title>\n"
            let (text, cut) = Self.truncate(bar.label, width: labelColumn, size: 12)
            body += "<text class=\"label\" x=\"\(labelRight)\" y=\"\(baseline)\" font-size=\"12\" fill=\"#222222\" text-anchor=\"end\">"
            body += (cut ? "<title>\(Self.escape(bar.label))</title>" : "") + Self.escape(text) + "</text>\n"
            var cumulative: Int128 = 0
            var left = xh(0)
            for s in bar.segments where s.rateMillionths > 0 {
                cumulative += Int128(s.rateMillionths)
                let right = xh(wide: cumulative)
                if right > left {
                    body += "<rect class=\"seg\" x=\"\(Self.px(left))\" y=\"\(barTop)\" width=\"\(Self.px(right - left))\" height=\"\(Self.barHeight)\" fill=\"\(fill(s.name))\" stroke=\"#FFFFFF\" stroke-width=\"0.75\">"
                    body += "<title>\(Self.escape(bar.label + ": " + Self.causeWords(s.name) + " " + Self.percent(s.rateMillionths, decimals: 2)))</title></rect>\n"
                }
                left = right
            }
            let valueColour = bar.totalRateMillionths == nil ? "#777777" : "#222222"
            body += "<text class=\"value\" x=\"\(Self.px(left + 500))\" y=\"\(baseline)\" font-size=\"11\" fill=\"\(valueColour)\">\(Self.escape(values[i]))</text>\n"
            body += "</g>\n"
        }
        body += "<g class=\"axes\" stroke=\"#777777\" stroke-width=\"1\">\n"
        body += "<line x1=\"\(Self.px(xh(0)))\" y1=\"\(plotTop)\" x2=\"\(Self.px(xh(0)))\" y2=\"\(plotBottom)\"/>\n"
        body += "<line x1=\"\(Self.px(xh(0)))\" y1=\"\(plotBottom)\" x2=\"\(Self.px(xh(domain)))\" y2=\"\(plotBottom)\"/>\n"
        for t in ticks {
            body += "<line x1=\"\(Self.px(xh(t)))\" y1=\"\(plotBottom)\" x2=\"\(Self.px(xh(t)))\" y2=\"\(plotBottom + 4)\"/>\n"
        }
        body += "</g>\n"
        body += tickLabels(plotBottom + 17, zero: true)
        body += "<text class=\"axis-label\" x=\"\(Self.px((xh(0) + xh(domain)) / 2))\" y=\"\(plotBottom + 36)\" font-size=\"12\" fill=\"#333333\" text-anchor=\"middle\">\(Self.escape(Self.axisLabel))</text>\n"
        y = plotBottom + 44

        // Notes.
        var footnotes = [Self.definition] + notes
        if gain.contains(true) {
            footnotes.append("\u{2020} Net of a weighing gain (more weighed than recorded): the bar shows the recorded write-offs, the figure the net loss rate.")
        }
        if hasNA { footnotes.append("n/a: no input whose fate is known yet (all of it still on hand).") }
        y += 8
        body += "<g class=\"notes\" font-size=\"11\" fill=\"#555555\">\n"
        for note in footnotes {
            for line in Self.wrap(note, width: W - 2 * M, size: 11, bold: false) {
                body += "<text x=\"\(M)\" y=\"\(y + 11)\">\(Self.escape(line))</text>\n"
                y += 15
            }
        }
        body += "</g>\n"
        let H = y + M - 4

        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(W)\" height=\"\(H)\" viewBox=\"0 0 \(W) \(H)\""
        out += " font-family=\"\(Self.escape(Self.fontFamily))\">\n"
        out += "<title>\(Self.escape(title))</title>\n"
        out += "<desc>\(Self.escape(subtitleLines.joined(separator: " — ")))</desc>\n"
        out += "<rect width=\"\(W)\" height=\"\(H)\" fill=\"#FFFFFF\"/>\n"
        out += body
        out += "</svg>\n"
        return out
    }

    // MARK: Scale

    /// The smallest of 1, 2, 2.5, 5 × 10ⁿ millionths that covers `top` in at most five steps.
    static func niceStep(_ top: Int64) -> Int64 {
        var base: Int64 = 1
        while true {
            for m in [10, 20, 25, 50] as [Int64] where base > 1 || m != 25 {
                let s = m * base / 10
                if s > 0, (top + s - 1) / s <= 5 { return s }
            }
            base *= 10
        }
    }

    /// Decimal places a step needs as a percentage (10,000 millionths = 1 %).
    static func decimals(_ step: Int64) -> Int {
        var s = step, zeros = 0
        while zeros < 4, s % 10 == 0 { s /= 10; zeros += 1 }
        return 4 - zeros
    }

    /// Hundredths of a pixel as SVG number text: `123.45`, `12.5`, `7`.
    static func px(_ hundredths: Int64) -> String { Mass.decimal(Int128(hundredths), scale: 2) }

    // MARK: Text

    /// Text for the chart's XML (OrchardModel's escaping: specials, invalid characters, line breaks).
    static func escape(_ s: String) -> String { XMLText.escape(s) }

    /// An estimate of a text's width in pixels, generous (fonts differ): thousandths of an em per
    /// character, CJK and other wide characters a full em.
    static func textWidth(_ s: String, size: Int, bold: Bool = false) -> Int {
        var milli = 0
        for c in s { milli += charWidth(c) }
        if bold { milli = milli * 11 / 10 }
        return (milli * size + 999) / 1000
    }

    static func charWidth(_ c: Character) -> Int {
        guard let u = c.unicodeScalars.first else { return 0 }
        let v = u.value
        if v < 0x80 {
            switch c {
            case " ", ".", ",", ":", ";", "'", "|", "!", "i", "j", "l", "I": return 300
            case "f", "r", "t", "(", ")", "[", "]", "-", "/": return 380
            case "m", "w", "M", "W", "@", "%": return 900
            case "0"..."9": return 580
            case "A"..."Z": return 700
            default: return 580
            }
        }
        // East Asian wide and fullwidth ranges, emoji and symbols.
        if (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || v >= 0x1F000 {
            return 1000
        }
        if v == 0x2026 || v == 0x00B7 || v == 0x2020 { return 600 }
        return 640
    }

    /// `s` cut to fit `width` pixels with an ellipsis, and whether it was cut.
    static func truncate(_ s: String, width: Int, size: Int) -> (String, Bool) {
        guard textWidth(s, size: size) > width else { return (s, false) }
        let ellipsis = 1000   // as wide as a CJK ellipsis, the widest
        var milli = 0, out = ""
        for c in s {
            let w = charWidth(c)
            if ((milli + w + ellipsis) * size + 999) / 1000 > width { break }
            milli += w
            out.append(c)
        }
        while out.last == " " { out.removeLast() }
        return (out + "\u{2026}", true)
    }

    /// `s` broken into lines of at most `width` pixels at spaces (within a word only when one
    /// word is wider than a line).
    static func wrap(_ s: String, width: Int, size: Int, bold: Bool) -> [String] {
        var lines = [String](), line = ""
        func fits(_ t: String) -> Bool { textWidth(t, size: size, bold: bold) <= width }
        for word in s.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let candidate = line.isEmpty ? word : line + " " + word
            if fits(candidate) { line = candidate; continue }
            if !line.isEmpty { lines.append(line); line = "" }
            var piece = ""
            for c in word {
                if !piece.isEmpty, !fits(piece + String(c)) { lines.append(piece); piece = "" }
                piece.append(c)
            }
            line = piece
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }
}

private func pow10(_ n: Int) -> Int { var p = 1; for _ in 0..<max(n, 0) { p *= 10 }; return p }
