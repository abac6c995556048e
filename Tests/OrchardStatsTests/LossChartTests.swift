// The loss chart: a well-formed SVG document whatever the names, bars as long as their rates
// (read back from the drawing against its own axis), stacks that add up, round ticks, the words a
// reader needs, a cap on the number of bars, and the same bytes for the same report.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import OrchardModel
import OrchardSimulation
import OrchardStats
import OrchardTesting
import Testing
import OrchardLedger

// MARK: Reading the SVG back

/// An element of the parsed document.
final class SVGNode {
    let name: String
    let attributes: [String: String]
    var children: [SVGNode] = []
    /// Character data directly inside this element (not its children's).
    var text = ""

    init(name: String, attributes: [String: String]) { self.name = name; self.attributes = attributes }

    subscript(_ attribute: String) -> String? { attributes[attribute] }
    func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
    var classes: [String] { (attributes["class"] ?? "").split(separator: " ").map(String.init) }

    /// Descendants (depth first, document order) named `name`, optionally of a class.
    func all(_ name: String, class cls: String? = nil) -> [SVGNode] {
        var out = [SVGNode]()
        for c in children {
            if c.name == name, cls.map(c.classes.contains) ?? true { out.append(c) }
            out += c.all(name, class: cls)
        }
        return out
    }

    func first(_ name: String, class cls: String? = nil) -> SVGNode? { all(name, class: cls).first }
    /// The `<title>` child's text (a tooltip).
    var tooltip: String? { children.first { $0.name == "title" }?.text }
}

final class SVGTreeBuilder: NSObject, XMLParserDelegate {
    let root = SVGNode(name: "#document", attributes: [:])
    lazy var stack = [root]

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
                attributes attributeDict: [String: String] = [:]) {
        let node = SVGNode(name: elementName, attributes: attributeDict)
        stack.last!.children.append(node)
        stack.append(node)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { stack.last!.text += string }
}

struct NotWellFormed: Error, CustomStringConvertible {
    let description: String
}

/// Parses `svg` with a real XML parser; throws when it is not well-formed.
func parseSVG(_ svg: String) throws -> SVGNode {
    let parser = XMLParser(data: Data(svg.utf8))
    let builder = SVGTreeBuilder()
    parser.delegate = builder
    guard parser.parse() else {
        throw NotWellFormed(description: "line \(parser.lineNumber): \(parser.parserError.map { "\($0)" } ?? "unknown error")")
    }
    guard builder.root.children.count == 1 else { throw NotWellFormed(description: "expected one root element") }
    return builder.root.children[0]
}

/// What a test reads off a drawn chart.
struct DrawnChart {
    struct Bar {
        let label: String
        let shownLabel: String
        let segments: [(x: Double, width: Double, fill: String)]
        let value: String
        let valueX: Double
    }

    let root: SVGNode
    let bars: [Bar]
    /// Bottom tick labels and their x.
    let ticks: [(text: String, x: Double)]
    let texts: [String]

    init(_ svg: String) throws {
        root = try parseSVG(svg)
        bars = root.all("g", class: "bar").map { g in
            let label = g.first("text", class: "label")!
            let value = g.first("text", class: "value")!
            return Bar(label: label.tooltip ?? label.text, shownLabel: label.text,
                       segments: g.all("rect", class: "seg").map { ($0.number("x")!, $0.number("width")!, $0["fill"]!) },
                       value: value.text, valueX: value.number("x")!)
        }
        ticks = root.all("g", class: "ticks").last!.all("text").map { ($0.text, $0.number("x")!) }
        texts = root.all("text").map(\.text)
    }

    /// Pixels per millionth, from the first and last tick.
    var scale: Double { (ticks.last!.x - ticks.first!.x) / Double(millionths(ticks.last!.text)!) }
    var zeroX: Double { ticks.first!.x }
}

/// `2.5%` → 25,000 millionths (exact; nil when not a percentage).
func millionths(_ percent: String) -> Int64? {
    guard percent.hasSuffix("%") else { return nil }
    let parts = percent.dropLast().split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count <= 2, let whole = Int64(parts[0]) else { return nil }
    var value = whole * 10_000
    if parts.count == 2 {
        let f = parts[1]
        guard f.count <= 4, let frac = Int64(f) else { return nil }
        var scale: Int64 = 1
        for _ in 0..<(4 - f.count) { scale *= 10 }
        value += frac * scale
    }
    return value
}

func bar(_ label: String, _ segments: [(String, Int64)], settledKg: Int64 = 1_000) -> LossChart.Bar {
    let total = segments.reduce(Int64(0)) { $0 + $1.1 }
    return LossChart.Bar(label: label, segments: segments.map { (name: $0.0, rateMillionths: $0.1) }, totalRateMillionths: total,
                         settled: .grams(settledKg * 1_000))
}

let standardCauses = ["grading_reject", "damage", "spoilage", "cold_chain_excursion", "unexplained"]

// MARK: Unit tests on hand-made bars

@Suite struct LossChartDrawingTests {
    @Test("Names with <, &, quotes, control characters and Chinese come through escaped and intact")
    func escaping() throws {
        let names = ["Farm <A> & \"B\" 's", "山东省烟台市栖霞苹果合作社", "x]]>y", "tab\there"]
        let chart = LossChart(title: "Loss & <gain> \"test\"", subtitle: "Ledger 'o' & <p>\n二行目",
                              bars: names.map { bar($0, [("damage", 20_000)]) } + [bar("bell\u{07}", [("spoilage", 10_000)])],
                              causes: standardCauses)
        let svg = chart.svg()
        let drawn = try DrawnChart(svg)
        #expect(drawn.bars.map(\.label) == names.map { $0.replacingOccurrences(of: "\t", with: " ") } + ["bell\u{FFFD}"])
        #expect(drawn.root.first("title")?.text == "Loss & <gain> \"test\"")
        #expect(drawn.texts.contains("Ledger 'o' & <p>"))
        #expect(drawn.texts.contains("二行目"))
        #expect(!svg.contains("<A>"))
        #expect(!svg.contains("<gain>"))
        #expect(!svg.contains("\u{07}"))
    }

    @Test("A standalone SVG 1.1 document: namespace, version, size and viewBox agree, white background")
    func documentShape() throws {
        let svg = LossChart(title: "T", subtitle: "S", bars: [bar("a", [("damage", 12_345)])], causes: standardCauses).svg()
        #expect(svg.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "))
        let root = try parseSVG(svg)
        #expect(root.name == "svg")
        #expect(root["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(root["version"] == "1.1")
        let w = try #require(root.number("width")), h = try #require(root.number("height"))
        #expect(root["viewBox"] == "0 0 \(Int(w)) \(Int(h))")
        #expect(root.children.contains { $0.name == "rect" && $0["fill"] == "#FFFFFF" })
        // Nothing is drawn outside the canvas.
        for r in root.all("rect") {
            let x = r.number("x") ?? 0, y = r.number("y") ?? 0
            #expect(x >= 0 && x + r.number("width")! <= w && y >= 0 && y + r.number("height")! <= h)
        }
        for t in root.all("text") { #expect(t.number("y")! <= h && t.number("x")! <= w) }
    }

    @Test("Bars are as long as their rates on the chart's own axis; stacks are contiguous and add up")
    func proportionalAndStacked() throws {
        let bars = [bar("one", [("grading_reject", 10_000)]),
                    bar("two", [("grading_reject", 5_000), ("damage", 7_000), ("spoilage", 8_000)]),
                    bar("four", [("grading_reject", 12_345), ("damage", 6_789), ("spoilage", 10_111), ("cold_chain_excursion", 3_210),
                                 ("unexplained", 7_545)]),
                    bar("tiny", [("spoilage", 3)])]
        let drawn = try DrawnChart(LossChart(title: "T", subtitle: "S", bars: bars, causes: standardCauses).svg())
        #expect(drawn.bars.count == 4)
        let scale = drawn.scale
        #expect(scale > 0)
        for (model, seen) in zip(bars, drawn.bars) {
            // Contiguous from the zero line, each segment as long as its own rate.
            var x = drawn.zeroX
            for (s, d) in zip(model.segments.filter { $0.rateMillionths > 0 }, seen.segments) {
                #expect(abs(d.x - x) < 0.001)
                #expect(abs(d.width - Double(s.rateMillionths) * scale) < 0.02)
                x = d.x + d.width
            }
            // The whole stack as long as the bar's rate, within rounding.
            let total = seen.segments.reduce(0) { $0 + $1.width }
            #expect(abs(total - Double(model.totalRateMillionths!) * scale) < 0.01)
            #expect(seen.valueX > x)
        }
        #expect(drawn.bars.map(\.value) == ["1.0%", "2.0%", "4.0%", "<0.1%"])
        // Colours follow the cause, not the position.
        #expect(drawn.bars[1].segments.map(\.fill) == ["#E69F00", "#56B4E9", "#D55E00"])
        #expect(drawn.bars[2].segments.last?.fill == "#B8B8B8")
    }

    @Test("Ticks are 0 and equal round steps (1, 2, 2.5 or 5 × 10ⁿ) that cover the longest bar", arguments: [
        Int64(1), 7, 99, 950, 4_120, 10_000, 12_345, 41_234, 99_999, 123_000, 250_001, 1_000_000, 1_300_000,
    ])
    func roundTicks(top: Int64) throws {
        let drawn = try DrawnChart(LossChart(title: "T", subtitle: "S", bars: [bar("a", [("damage", top)]), bar("b", [("damage", top / 3)])],
                                             causes: standardCauses).svg())
        let values = drawn.ticks.map { millionths($0.text) }
        #expect(values.allSatisfy { $0 != nil })
        let v = values.compactMap { $0 }
        #expect(v.first == 0)
        #expect(v.count >= 2 && v.count <= 6)
        let step = v[1] - v[0]
        for (a, b) in zip(v, v.dropFirst()) { #expect(b - a == step) }
        var mantissa = step
        while mantissa % 10 == 0 { mantissa /= 10 }
        #expect([1, 2, 25, 5].contains(mantissa))
        #expect(v.last! >= top)
        #expect(v.last! - step < top)
        // Every tick label carries the same number of decimals.
        #expect(Set(drawn.ticks.map { $0.text.split(separator: ".").dropFirst().first?.count ?? 0 }).count == 1)
    }

    @Test("Title, subtitle lines, axis label, legend and the definition of loss are all written")
    func words() throws {
        let chart = LossChart(title: "Produce loss by province and stage", subtitle: "Ledger demo · checkpoint 0123456789abcdef at tree size 1,234",
                              bars: [bar("Shaanxi · farm", [("grading_reject", 3_000), ("spoilage", 1_000)])], causes: standardCauses)
        let drawn = try DrawnChart(chart.svg())
        #expect(drawn.texts.contains("Produce loss by province and stage"))
        #expect(drawn.texts.contains("Ledger demo · checkpoint 0123456789abcdef at tree size 1,234"))
        #expect(drawn.texts.contains("Loss rate (% of settled input, by weight)"))
        let legend = try #require(drawn.root.first("g", class: "legend")).all("text").map(\.text)
        #expect(legend == ["grading reject", "spoilage"])   // only what is drawn, in stacking order
        let notes = try #require(drawn.root.first("g", class: "notes")).all("text").map(\.text).joined(separator: " ")
        #expect(notes.contains("Loss = recorded write-offs + unexplained shrinkage; rate over input whose fate is known (on hand excluded)."))
    }

    @Test("A long label is cut with an ellipsis to fit its column, the full label in a tooltip")
    func longLabels() throws {
        let long = "Cooperativa Agrícola de Productores de Manzana del Valle Alto de Shaanxi Número Dos"
        let cjk = String(repeating: "陕西省延安市洛川县苹果合作社", count: 4)
        let drawn = try DrawnChart(LossChart(title: "T", subtitle: "S", bars: [bar(long, [("damage", 5_000)]), bar(cjk, [("damage", 5_000)]),
                                                                               bar("short", [("damage", 5_000)])],
                                             causes: standardCauses).svg())
        #expect(drawn.bars.map(\.label) == [long, cjk, "short"])
        #expect(drawn.bars[0].shownLabel.hasSuffix("…") && drawn.bars[0].shownLabel.count < long.count)
        #expect(long.hasPrefix(drawn.bars[0].shownLabel.dropLast().trimmingCharacters(in: .whitespaces)))
        #expect(drawn.bars[1].shownLabel.hasSuffix("…") && drawn.bars[1].shownLabel.count < 30)
        #expect(drawn.bars[2].shownLabel == "short")
        // Labels end left of the bars.
        let labelRight = drawn.root.first("text", class: "label")!.number("x")!
        #expect(labelRight < drawn.zeroX)
    }

    @Test("200 bars: the 60 with the most loss by weight are drawn, the rest counted in the subtitle; height grows, then stops")
    func capOnBars() throws {
        func bars(_ n: Int) -> [LossChart.Bar] {
            // Rate and settled vary independently, so the loss by weight orders them differently from the rate.
            (0..<n).map { (i: Int) -> LossChart.Bar in
                let rate = Int64(1_000 + (i * 7_919) % 50_000)
                let kg = Int64(100 + (i * 104_729) % 9_000)
                return bar("farm \(i)", [("damage", rate)], settledKg: kg)
            }
        }
        let all = bars(200)
        let chart = LossChart(title: "T", subtitle: "S", bars: all, causes: standardCauses)
        #expect(chart.bars.count == 60)
        #expect(chart.omitted == 140)
        func weight(_ b: LossChart.Bar) -> Int128 { Int128(b.totalRateMillionths!) * b.settled.femtograms }
        let cut = chart.bars.map(weight).min()!
        let left = all.filter { b in !chart.bars.contains { $0.label == b.label } }
        #expect(left.count == 140 && left.allSatisfy { weight($0) <= cut })
        // Kept in the given order.
        let order = chart.bars.map { b in all.firstIndex { $0.label == b.label }! }
        #expect(order == order.sorted())
        let drawn = try DrawnChart(chart.svg())
        #expect(drawn.bars.count == 60)
        #expect(drawn.texts.contains { $0.contains("140 more omitted") })
        func height(_ n: Int) throws -> Double {
            try #require(try parseSVG(LossChart(title: "T", subtitle: "S", bars: bars(n), causes: standardCauses).svg()).number("height"))
        }
        #expect(try height(5) < height(30))
        #expect(try height(30) < height(60))
        #expect(try abs(height(60) - height(200)) < 40)   // the omission note's line at most
        #expect(try height(200) < 1_800)
    }

    @Test("Zero, nil and empty: no crash, no negative or NaN geometry, a note for what cannot be drawn")
    func zeroAndNil() throws {
        let noRate = LossChart.Bar(label: "all on hand", segments: [], totalRateMillionths: nil, settled: .zero)
        let zero = bar("nothing lost", [("damage", 0), ("spoilage", 0)])
        let allZero = try DrawnChart(LossChart(title: "T", subtitle: "S", bars: [zero, noRate], causes: standardCauses).svg())
        #expect(allZero.bars.map(\.value) == ["0.00%", "n/a"])
        #expect(allZero.bars.allSatisfy { $0.segments.isEmpty })
        #expect(allZero.ticks.count >= 2)
        #expect(allZero.root.first("g", class: "notes")!.all("text").contains { $0.text.hasPrefix("n/a") })
        for svg in [LossChart(title: "T", subtitle: "", bars: [], causes: []).svg(),
                    LossChart(title: "T", subtitle: "S", bars: [noRate], causes: standardCauses).svg(),
                    LossChart(title: "", subtitle: "", bars: [bar("", [])], causes: []).svg()] {
            let root = try parseSVG(svg)
            #expect(!svg.contains("nan") && !svg.contains("inf") && !svg.contains("=\"-"))
            #expect(root.number("height")! > 100)
        }
        let empty = try parseSVG(LossChart(title: "T", subtitle: "", bars: [], causes: []).svg())
        #expect(empty.all("text").contains { $0.text == "No loss figures for this query." })
        // A bar with a rate but no split is drawn whole.
        let unsplit = LossChart.Bar(label: "whole", segments: [], totalRateMillionths: 30_000, settled: .grams(1_000))
        let drawn = try DrawnChart(LossChart(title: "T", subtitle: "S", bars: [unsplit], causes: standardCauses).svg())
        #expect(abs(drawn.bars[0].segments.reduce(0) { $0 + $1.width } - 30_000 * drawn.scale) < 0.01)
    }

    @Test("A weighing gain (negative unexplained) is not drawn: the bar shows the write-offs, the figure the net rate, marked †")
    func weighingGain() throws {
        let gain = bar("gain", [("damage", 30_000), ("unexplained", -5_000)])
        let net = bar("net", [("damage", 5_000), ("unexplained", -8_000)])
        let drawn = try DrawnChart(LossChart(title: "T", subtitle: "S", bars: [gain, net, bar("plain", [("damage", 10_000)])],
                                             causes: standardCauses).svg())
        #expect(drawn.bars[0].segments.count == 1)
        #expect(abs(drawn.bars[0].segments[0].width - 30_000 * drawn.scale) < 0.01)
        #expect(drawn.bars.map(\.value) == ["2.5%\u{2020}", "\u{2212}0.3%\u{2020}", "1.0%"])
        #expect(drawn.root.all("rect").allSatisfy { ($0.number("width") ?? 0) >= 0 })
        let notes = drawn.root.first("g", class: "notes")!.all("text").map(\.text).joined(separator: " ")
        #expect(notes.contains("\u{2020} Net of a weighing gain"))
    }

    @Test("Absurd rates (a femtogram settled) and huge masses: drawn to the end of the axis, no overflow")
    func absurdRates() throws {
        let huge = LossChart.Bar(label: "huge", segments: [("damage", Int64.max), ("spoilage", Int64.max)], totalRateMillionths: Int64.max,
                                 settled: Mass(femtograms: 1))
        let heavy = LossChart.Bar(label: "heavy", segments: [("damage", 5_000)], totalRateMillionths: 5_000,
                                  settled: Mass(femtograms: Int128.max / 2))
        let negative = LossChart.Bar(label: "negative", segments: [("unexplained", Int64.min)], totalRateMillionths: Int64.min,
                                     settled: Mass(femtograms: Int128.max))
        let chart = LossChart(title: "T", subtitle: "S", bars: [huge, heavy, negative, bar("a", [("damage", 1)])], causes: standardCauses,
                              maxBars: 3)
        // The negative one weighs least (a gain), the tiny one next: the cap keeps the two heaviest and the tiny one.
        #expect(chart.bars.map(\.label) == ["huge", "heavy", "a"])
        _ = try DrawnChart(chart.svg())
        let drawn = try DrawnChart(LossChart(title: "T", subtitle: "S", bars: [huge, heavy, negative], causes: standardCauses).svg())
        let axisEnd = drawn.ticks.last!.x
        #expect(drawn.bars[0].segments.allSatisfy { $0.x + $0.width <= axisEnd + 0.001 })
        #expect(drawn.bars[2].segments.isEmpty)
    }

    @Test("Same chart, same bytes")
    func deterministic() {
        let bars = (0..<80).map { i in bar("farm \(i) 农场", [("damage", Int64(i * 311)), ("unexplained", Int64(i * 17))]) }
        let a = LossChart(title: "T", subtitle: "S", bars: bars, causes: standardCauses).svg()
        let b = LossChart(title: "T", subtitle: "S", bars: bars, causes: standardCauses).svg()
        #expect(a == b)
    }
}

// MARK: Charts of real reports

/// A simulated season's records (no store: they go straight to the accountant).
struct SimulatedSeason: Sendable {
    let records: [LossRecord]
    let genesis: Genesis

    /// The loss books kept for `by` (the books hold what the query asks for).
    func totals(by: [LossDimension]) -> LossTotals {
        let accountant = LossAccountant(genesis: genesis, scope: LossScope(query: LossQuery(by: by)))
        for r in records { accountant.apply(r) }
        return accountant.finish()
    }
}

func simulatedTotals(events: Int, farms: Int, seed: UInt64 = 3) throws -> SimulatedSeason {
    var c = SimulationConfiguration()
    c.events = events
    c.farms = farms
    c.days = 120
    c.seed = seed
    c.presetName = "before"
    c.loss = LossModel.preset("before")!
    let genesis = try Fixtures.genesis()
    let simulator = try SeasonSimulator(genesis: genesis, keyDirectory: Fixtures.demoKeysURL.path, configuration: c)
    var lines = [[UInt8]]()
    _ = try simulator.run(sink: { lines += $0.map(\.line) }, truth: nil)
    return SimulatedSeason(records: lines.enumerated().map { LossRecord(leaf: UInt64($0.offset + 1), recordBytes: $0.element) }, genesis: genesis)
}

func report(_ season: SimulatedSeason, by: [LossDimension]) -> LossReport {
    var r = LossReport(totals: season.totals(by: by))
    r.origin = "orchard.example/season-2026"
    r.treeSize = 4_001
    r.rootHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    return r
}

@Suite struct LossChartReportTests {
    static let totals = Result { try simulatedTotals(events: 4_000, farms: 40) }

    @Test("A bar per row, stacks that add up to each row's exact loss rate, the report's words in the picture")
    func byProvinceAndStage() throws {
        let r = report(try Self.totals.get(), by: [.province, .stage])
        #expect(!r.rows.isEmpty)
        let chart = LossChart(report: r)
        #expect(chart.title == "Produce loss by province and stage")
        #expect(chart.bars.count == min(r.rows.count, LossChart.defaultMaxBars))
        for b in chart.bars {
            #expect(b.segments.reduce(Int64(0)) { $0 + $1.rateMillionths } == (b.totalRateMillionths ?? 0))
            #expect(b.label.contains(" · "))
        }
        // The rows' own rates, bar by bar (order kept: stage is an ordered dimension).
        if r.rows.count <= LossChart.defaultMaxBars {
            #expect(chart.bars.map(\.totalRateMillionths) == r.rows.map(\.figures.lossRateMillionths))
        }
        let svg = chart.svg()
        let drawn = try DrawnChart(svg)
        #expect(drawn.texts.contains("Produce loss by province and stage"))
        #expect(drawn.texts.contains { $0.contains("checkpoint 9f86d081884c7d65 at tree size 4,001") && $0.contains("orchard.example/season-2026") })
        #expect(!svg.contains("9f86d081884c7d659"))   // the first 16 hex only
        #expect(drawn.texts.contains("Loss rate (% of settled input, by weight)"))
        #expect(drawn.texts.contains("Province · Stage"))
        #expect(drawn.bars.count == chart.bars.count)
    }

    @Test("Ungrouped: a bar per stage, in the order produce travels")
    func byStage() throws {
        let r = report(try Self.totals.get(), by: [])
        let chart = LossChart(report: r)
        #expect(chart.title == "Produce loss by stage")
        #expect(chart.bars.map(\.label) == r.stages.map { $0.group[0].1.replacingOccurrences(of: "-", with: " ") })
        #expect(chart.bars.map(\.totalRateMillionths) == r.stages.map(\.figures.lossRateMillionths))
        _ = try DrawnChart(chart.svg())
    }

    @Test("By carrier (transit) and by harvest month: the title says so, months keep their order")
    func carrierAndMonth() throws {
        let totals = try Self.totals.get()
        let carrier = LossChart(report: report(totals, by: [.carrier]))
        #expect(carrier.title == "Produce loss in transit by carrier")
        _ = try DrawnChart(carrier.svg())
        let r = report(totals, by: [.month, .product])
        let month = LossChart(report: r)
        #expect(month.title == "Produce loss by harvest month and product")
        #expect(month.categoryLabel == "Harvest month · Product")
        if r.rows.count <= LossChart.defaultMaxBars {
            #expect(month.bars.map(\.totalRateMillionths) == r.rows.map(\.figures.lossRateMillionths))
        }
        _ = try DrawnChart(month.svg())
    }

    @Test("By farm: highest rate first, names not ids, the same bytes twice, and a cap when asked")
    func byFarm() throws {
        let totals = try Self.totals.get()
        let r = report(totals, by: [.farm])
        let chart = LossChart(report: r)
        let rates = chart.bars.map { $0.totalRateMillionths ?? Int64.min }
        #expect(rates == rates.sorted(by: >))
        #expect(Set(chart.bars.map(\.label)).count == chart.bars.count)
        #expect(chart.svg() == LossChart(report: report(totals, by: [.farm])).svg())
        let capped = LossChart(report: r, maxBars: 5)
        #expect(capped.bars.count == min(5, r.rows.count))
        #expect(capped.omitted == max(r.rows.count - 5, 0))
        if capped.omitted > 0 {
            let drawn = try DrawnChart(capped.svg())
            #expect(drawn.texts.contains { $0.contains("Showing the 5 farms with the most loss by weight; \(capped.omitted) more omitted.") })
        }
        // Optional: write the charts for a person to look at.
        if let dir = ProcessInfo.processInfo.environment["ORCHARD_CHART_DIR"] {
            for (name, c) in [("farm", chart), ("province-stage", LossChart(report: report(totals, by: [.province, .stage]))),
                              ("stage", LossChart(report: report(totals, by: [])))] {
                try c.svg().write(toFile: dir + "/chart-\(name).svg", atomically: true, encoding: .utf8)
            }
        }
    }
}

@Suite struct LossChartPictureTests {
    /// With ORCHARD_CHART_DIR set, writes a hard case to look at (render it with a browser):
    /// 200 farms (60 drawn) with weighing gains; a few with long, Chinese and markup-like names,
    /// nothing settled and nothing lost.
    @Test("A hard case for a person to look at (written only when ORCHARD_CHART_DIR is set)")
    func hardCase() throws {
        let names = ["Farm <A> & \"B\" 's", "山东省烟台市栖霞苹果合作社", "Cooperativa Agrícola de Productores de Manzana del Valle Alto de Shaanxi",
                     "陕西省延安市洛川县苹果合作社第二生产基地冷链仓储中心", "O'Brien & Sons Kiwi"]
        var bars = [LossChart.Bar]()
        for i in 0..<200 {
            let name = i < names.count ? names[i] : "Simulated grower \(i) (Province \(i % 8))"
            let g = Int64((i * 3_779) % 60_000), d = Int64((i * 1_409) % 20_000), s = Int64((i * 2_333) % 30_000)
            let c = Int64((i * 977) % 25_000), u = Int64((i * 613) % 20_000) - 6_000
            bars.append(bar(name, [("grading_reject", g), ("damage", d), ("spoilage", s), ("cold_chain_excursion", c), ("unexplained", u)],
                            settledKg: Int64(500 + (i * 7_001) % 20_000)))
        }
        var chart = LossChart(title: "Produce loss by farm", subtitle: "Ledger orchard.example/season-2026 · checkpoint 9f86d081884c7d65 at tree size 1,204,001\nHarvested 2026-06-01 to 2026-09-30 · overall 14.02% lost",
                              bars: bars, causes: standardCauses)
        chart.categoryLabel = "Farm"
        chart.groupNoun = "farms"
        // The awkward names, a farm with nothing settled and one with nothing lost, uncapped.
        var few = Array(bars.prefix(8))
        few[5] = LossChart.Bar(label: "Nothing settled yet", segments: [], totalRateMillionths: nil, settled: .zero)
        few[6] = bar("Nothing lost", [("damage", 0)])
        var named = LossChart(title: "Produce loss by farm", subtitle: "Ledger <test> & \"quotes\"", bars: few, causes: standardCauses)
        named.categoryLabel = "Farm"
        for (name, svg) in [("hard", chart.svg()), ("names", named.svg())] {
            _ = try DrawnChart(svg)
            if let dir = ProcessInfo.processInfo.environment["ORCHARD_CHART_DIR"] {
                try svg.write(toFile: dir + "/chart-\(name).svg", atomically: true, encoding: .utf8)
            }
        }
    }
}
