// Loss reports for people (aligned tables) and for spreadsheets (CSV, exact figures).
import Foundation
import OrchardLedger

/// Text helpers shared by the renderers.
enum Table {
    /// Right-aligns numbers and left-aligns text, columns two spaces apart.
    static func render(_ header: [String], _ rows: [[String]], numeric: Set<Int>, separatorBefore: Set<Int> = []) -> String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for r in all { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ r: [String]) -> String {
            var out = ""
            for (i, c) in r.enumerated() where i < widths.count {
                let pad = String(repeating: " ", count: widths[i] - c.count)
                out += (i == 0 ? "" : "  ") + (numeric.contains(i) ? pad + c : c + (i == r.count - 1 ? "" : pad))
            }
            return out
        }
        var lines = [line(header), String(repeating: "─", count: widths.reduce(0, +) + 2 * (widths.count - 1))]
        for (i, r) in rows.enumerated() {
            if separatorBefore.contains(i) { lines.append(lines[1]) }
            lines.append(line(r))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `12,345.6` (kg to 0.1, thousands grouped).
    static func kg(_ m: Mass) -> String {
        let t = m.kilograms(places: 1)
        let negative = t.hasPrefix("-")
        let body = negative ? String(t.dropFirst()) : t
        let parts = body.split(separator: ".")
        var whole = String(parts[0])
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        return (negative ? "-" : "") + whole + grouped + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// `24.97%` from millionths; `–` when there is none.
    static func percent(_ millionths: Int64?) -> String {
        guard let m = millionths else { return "–" }
        return Mass.decimal(Int128((m + (m >= 0 ? 50 : -50)) / 100), scale: 2, trim: false) + "%"
    }

    /// A cause as a column heading.
    static func causeHeading(_ cause: String) -> String {
        switch cause {
        case "grading_reject": "Graded out"
        case "damage": "Damaged"
        case "spoilage": "Spoiled"
        case "cold_chain_excursion": "Cold chain"
        default: cause.replacingOccurrences(of: "_", with: " ").capitalizedFirst
        }
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}

extension LossReport {
    /// Causes worth a column: the four of the programme, and any other with a non-zero figure.
    var shownCauses: [Int] {
        causes.indices.filter { i in i < 4 || !total.lost[i].isZero }
    }

    /// What was measured, in words (for titles).
    public var title: String {
        let dims = query.by.map(\.rawValue)
        return "Produce loss" + (dims.isEmpty ? "" : " by " + dims.joined(separator: " and "))
    }

    /// The scope of the query, in words.
    public var scopeText: String {
        var parts = [String]()
        if query.from != nil || query.to != nil {
            parts.append("harvested " + (query.from.map { "from \(CalendarDay.text($0)) " } ?? "") + (query.to.map { "to \(CalendarDay.text($0))" } ?? "up to now"))
        } else {
            parts.append("all harvests")
        }
        if !query.products.isEmpty { parts.append("product " + query.products.joined(separator: ", ")) }
        if !query.farms.isEmpty { parts.append("farm " + query.farms.joined(separator: ", ")) }
        if !query.provinces.isEmpty { parts.append("province " + query.provinces.joined(separator: ", ")) }
        if !query.carriers.isEmpty { parts.append("carrier " + query.carriers.joined(separator: ", ")) }
        return parts.joined(separator: "; ")
    }

    /// An aligned table for a person: the rows, the total, each stage's share of the loss, and
    /// lots with and without a cold-chain excursion.
    public var text: String {
        // For a person: only the causes this report has, and no sales column for transit legs.
        let causeColumns = shownCauses.filter { !total.lost[$0].isZero }
        let showSold = !query.isTransit
        var out = "\(title) — \(origin) at tree size \(treeSize) (root \(rootHash.prefix(16))…)\n"
        out += "Scope: \(scopeText). Weights in kg.\n"
        out += level == .stage && query.isTransit
            ? "Transit legs only (what carriers were given, lost and delivered). "
            : ""
        out += "Loss = written off + unexplained; loss rate = loss ÷ input whose fate is known (on hand excluded).\n\n"
        let dims = query.by.isEmpty ? [""] : query.by.map { $0.rawValue.capitalizedFirst }
        let header = dims + ["Input"] + (showSold ? ["Sold"] : []) + causeColumns.map { Table.causeHeading(causes[$0]) }
            + ["Unexplained", "On hand", "Loss", "Loss rate", "Share of loss"]
        func cells(_ f: LossFigures, share: Int64?) -> [String] {
            [Table.kg(f.input)] + (showSold ? [Table.kg(f.sold)] : []) + causeColumns.map { Table.kg(f.lost[$0]) }
                + [Table.kg(f.unexplained), Table.kg(f.onHand), Table.kg(f.loss), Table.percent(f.lossRateMillionths), share.map { Table.percent($0) } ?? ""]
        }
        var rows = self.rows.map { row in zip(row.group, row.labels).map { g, label in g.0 == .product ? label : g.1 } + cells(row.figures, share: row.shareOfLoss) }
        let totalRow = ["Total"] + [String](repeating: "", count: dims.count - 1) + cells(total, share: nil)
        let numeric = Set(dims.count..<header.count)
        rows.append(totalRow)
        out += Table.render(header, rows, numeric: numeric, separatorBefore: rows.count > 1 ? [rows.count - 1] : [])
        if !query.by.contains(.stage), !stages.isEmpty {
            out += "\nBy stage (each stage's input is what arrived there; its share of the total loss):\n"
            let h = ["Stage", "Input"] + (showSold ? ["Sold"] : []) + causeColumns.map { Table.causeHeading(causes[$0]) }
                + ["Unexplained", "On hand", "Loss", "Loss rate", "Share of loss"]
            out += Table.render(h, stages.map { [$0.group[0].1] + cells($0.figures, share: $0.shareOfLoss) }, numeric: Set(1..<h.count))
        }
        if !query.isTransit {
            out += "\nCold chain: lots whose journey had an excursion lost \(Table.percent(withExcursion.lossRateMillionths)) of their input "
                + "(\(withExcursion.lots) lots, \(Table.kg(withExcursion.input)) kg); lots without one lost \(Table.percent(withoutExcursion.lossRateMillionths)) "
                + "(\(withoutExcursion.lots) lots, \(Table.kg(withoutExcursion.input)) kg).\n"
        }
        if unmeasured.lots > 0 {
            out += "\nNot weighed: \(unmeasured.lots) lot\(unmeasured.lots == 1 ? "" : "s") counted in units with no known weight "
                + "(\(unmeasured.balances.keys.sorted().joined(separator: ", "))), reported in --json under \"unmeasured\", never guessed.\n"
        }
        let onHandLots = counts.first { $0.0 == "lotsOnHand" }?.1 ?? 0
        if !total.onHand.isZero || onHandLots > 0 {
            out += "Open season: \(Table.kg(total.onHand)) kg on hand or in transit (\(onHandLots) lots) is not yet counted in any loss rate "
                + "(their early losses are: for settled figures, use --to with a date a couple of weeks back).\n"
        }
        let erroneous = counts.first { $0.0 == "erroneousEvents" }?.1 ?? 0
        if erroneous > 0 { out += "\(erroneous) event\(erroneous == 1 ? "" : "s") declared erroneous left out.\n" }
        return out
    }

    /// RFC 4180 CSV: one row per group and a total row, exact kilograms.
    public var csv: String {
        let causeColumns = shownCauses
        let dims = query.by.isEmpty ? ["scope"] : query.by.map(\.rawValue)
        var lines = [(dims + ["input_kg", "harvested_kg", "sold_kg"] + causeColumns.map { "lost_\(causes[$0])_kg" }
            + ["recorded_loss_kg", "unexplained_kg", "loss_kg", "unmeasured_kg", "on_hand_kg", "loss_rate", "share_of_loss"]).joined(separator: ",")]
        func fields(_ f: LossFigures, share: Int64?) -> [String] {
            [f.input.kilogramsText, f.harvested.kilogramsText, f.sold.kilogramsText] + causeColumns.map { f.lost[$0].kilogramsText }
                + [f.recordedLoss.kilogramsText, f.unexplained.kilogramsText, f.loss.kilogramsText, f.unmeasured.kilogramsText, f.onHand.kilogramsText,
                   f.lossRateMillionths.map { Mass.decimal(Int128($0), scale: 6) } ?? "", share.map { Mass.decimal(Int128($0), scale: 6) } ?? ""]
        }
        for row in rows { lines.append((row.group.map { Table.csvField($0.1) } + fields(row.figures, share: row.shareOfLoss)).joined(separator: ",")) }
        lines.append((["total"] + [String](repeating: "", count: dims.count - 1) + fields(total, share: nil)).joined(separator: ","))
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

extension ColdChainReport {
    /// Tables for a person: carriers, routes, the worst legs.
    public var text: String {
        var out = "Cold-chain legs — \(origin) at tree size \(treeSize)\n"
        out += "An excursion is a run of readings outside the product's safe range (genesis); degree-minutes = °C outside × minutes.\n\n"
        let h = ["", "Legs", "With excursion", "Share", "Minutes outside", "°C·min", "Peak °C out", "Carried kg", "Written off after, kg"]
        func cells(_ s: ColdChainSummary) -> [String] {
            [String(s.legs), String(s.legsWithExcursion), Table.percent(Self.excursionShare(s)), Self.fixed(s.minutesOutside, 0),
             Self.fixed(s.degreeMinutes, 0), Self.fixed(s.peak, 1), Table.kg(s.carried), Table.kg(s.writtenOffAfter)]
        }
        var carrierRows = carriers.map { ["\($0.key)"] + cells($0.summary) }
        carrierRows.append(["Total"] + cells(total))
        var hc = h; hc[0] = "Carrier"
        out += Table.render(hc, carrierRows, numeric: Set(1..<h.count), separatorBefore: [carrierRows.count - 1])
        if !routes.isEmpty {
            var hr = h; hr[0] = "Route (shipper → receiver)"
            out += "\nBy route:\n" + Table.render(hr, routes.prefix(25).map { [$0.key] + cells($0.summary) }, numeric: Set(1..<h.count))
            if routes.count > 25 { out += "(\(routes.count - 25) more routes in --json)\n" }
        }
        if !worst.isEmpty {
            out += "\nWorst legs (by degree-minutes):\n"
            let hl = ["Leaf", "Carrier", "From → to", "Departed (UTC)", "Safe °C", "Minutes out", "Peak °C out", "°C·min", "Lot"]
            out += Table.render(hl, worst.map { l in
                func id(_ i: Int32) -> String { i >= 0 ? participants[Int(i)].id : "?" }
                return [String(l.leaf), id(l.carrier), "\(id(l.from)) → \(id(l.to))", UTCText.format(l.departureMillis),
                        "\(Self.fixed(l.safeRange.lowerBound, 0))–\(Self.fixed(l.safeRange.upperBound, 0))", Self.fixed(l.minutesOutside, 0),
                        Self.fixed(l.peak, 1), Self.fixed(l.degreeMinutes, 0), l.lot.rawValue.components(separatedBy: "/10/").last ?? l.lot.rawValue]
            }, numeric: [0, 5, 6, 7])
        } else {
            out += "\nNo leg had an excursion.\n"
        }
        return out
    }

    static func fixed(_ d: Double, _ places: Int) -> String {
        var p: Int64 = 1
        for _ in 0..<places { p *= 10 }
        let v = Int64((d * Double(p)).rounded())
        return Mass.decimal(Int128(v), scale: places, trim: false)
    }
}
