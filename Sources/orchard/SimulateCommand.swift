// orchard simulate: a deterministic season of the programme, as signed records on standard
// output (JSON Lines for `orchard append`) or appended straight into a ledger.
import ArgumentParser
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardSimulation
import OrchardStore

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a season of the programme: signed events, deterministic from a seed.",
        discussion: """
        Farms and cooperatives harvest lots; packhouses grade, pack and sometimes merge or split them; cold-chain carriers haul them with temperature readings (some legs with excursions); warehouses and retailers receive, write off and sell. Every event is signed by its participant (demo keys for genesis participants; keys derived from the seed for farms, packhouses and carriers that join through registry records during the season). The same options give byte-identical output.

        Output: one signed record per line (as `orchard sign` writes), ready for `orchard append`; or, with --append, records appended to the ledger in chunks. --truth writes what really happened (per lot and stage, per farm, programme), to the gram. See Docs/SIMULATION.md.

        EXAMPLES
          orchard simulate --events 20000 --seed 1 --truth truth.json > season.jsonl
          orchard simulate --preset after --farms 5000 --days 120 --seed 7 --append
          orchard simulate --events 1000 --loss gradingReject=0.05
        """)

    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("Genesis configuration (default: Genesis/duoduo-orchard.json).", valueName: "FILE"))
    var genesis: String?
    @Option(help: ArgumentHelp("Directory of genesis participants' PEM keys and authority.pem (default: demo-keys beside the genesis).", valueName: "DIR"))
    var keys: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of the season (same seed and options: same bytes).", valueName: "N"), transform: wholeNumber())
    var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Loss preset: before (about 25 % lost) or after (about 8 %).", valueName: "NAME"))
    var preset = "before"
    @Option(name: .customLong("loss"), help: ArgumentHelp("Override one loss parameter (repeatable); see Docs/SIMULATION.md.", valueName: "NAME=VALUE"))
    var lossOverrides: [String] = []
    @Option(help: ArgumentHelp("Season start: YYYY-MM-DD (midnight +08:00) or an RFC 3339 time with offset.", valueName: "TIME"))
    var start = "2026-06-01T00:00:00+08:00"
    @Option(parsing: .unconditional, help: ArgumentHelp("Length of the season in days.", valueName: "N"), transform: wholeInt(atLeast: 1))
    var days = 120
    @Option(parsing: .unconditional, help: ArgumentHelp("Farms and cooperatives (beyond the genesis ones they join during the season).", valueName: "N"),
            transform: wholeInt(atLeast: 1))
    var farms: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Exactly this many records (default: what --farms and --days give).", valueName: "N"),
            transform: wholeInt(atLeast: 1))
    var events: Int?
    @Option(help: ArgumentHelp("Write the true books of the season (JSON) here.", valueName: "FILE")) var truth: String?
    @Flag(help: "Append to the ledger (--ledger) instead of printing records.") var append = false
    @Option(parsing: .unconditional, help: ArgumentHelp("Records per append batch with --append.", valueName: "N"), transform: wholeInt(atLeast: 1))
    var chunk = 10_000
    @Flag(help: "No progress on standard error.") var quiet = false

    func validate() throws {
        if days < 1 { throw ValidationError("--days must be at least 1") }
        if let farms, farms < 1 { throw ValidationError("--farms must be at least 1") }
        if let events, events < 1 { throw ValidationError("--events must be at least 1") }
        if chunk < 1 { throw ValidationError("--chunk must be at least 1") }
        if LossModel.preset(preset) == nil { throw ValidationError("--preset must be before or after") }
        if SeasonClock(start: start) == nil { throw ValidationError("--start: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+08:00, got \(start)") }
    }

    func run() throws {
        try runCommand(json: options.json) {
            var config = SimulationConfiguration()
            config.seed = seed
            config.presetName = preset
            config.loss = LossModel.preset(preset)!
            for item in lossOverrides {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let value = Double(parts[1]), config.loss.set(parts[0], value) else {
                    throw ValidationError("--loss \(item): expected NAME=VALUE with VALUE in 0…1; names: \(LossModel.parameters.map(\.name).joined(separator: ", "))")
                }
            }
            config.clock = SeasonClock(start: start)!
            config.days = days
            config.farms = farms
            config.events = events

            let genesisPath = try resolve(genesis ?? "Genesis/duoduo-orchard.json", explicit: genesis != nil)
            let keyDirectory = try resolve(keys ?? (genesis != nil ? parentDirectory(genesisPath) + "/demo-keys" : "Genesis/demo-keys"),
                                           explicit: keys != nil)
            let genesisValue = try Genesis(json: try JSONParser.parse(try readInput(genesisPath)))
            let simulator: SeasonSimulator
            simulator = try SeasonSimulator(genesis: genesisValue, keyDirectory: keyDirectory, configuration: config)

            let truthWriter = try truth.map { path in
                do { return try ByteWriter(path: path) } catch { throw InputFileError(path: path, reason: "cannot write: \(error)") }
            }
            let progress = Progress(total: simulator.expectedRecords, enabled: !quiet)
            let began = Date()
            let summary: SimulationSummary
            var appended = 0
            if append {
                let store = try options.open()
                guard store.genesis.origin == genesisValue.origin else {
                    throw UsageFailure(description: "the ledger \(options.directory) is for \(store.genesis.origin), not \(genesisValue.origin)")
                }
                let end = config.clock.epochMillis(config.seasonSeconds)
                if end > currentMillis() + store.genesis.rules.maxClockSkewSeconds * 1000 {
                    throw UsageFailure(description: "the season (--start \(start), --days \(days)) ends after the ledger clock; the ledger would refuse its last events as in the future. Use an earlier --start or fewer --days.")
                }
                var batch = [RecordInput]()
                batch.reserveCapacity(chunk)
                func push() throws {
                    guard !batch.isEmpty else { return }
                    do { _ = try store.append(batch) } catch let e as AppendRejection {
                        throw AppendRejection(problems: e.problems.map { $0.offset(by: appended) }, alreadyAppended: 0..<appended)
                    }
                    appended += batch.count
                    batch.removeAll(keepingCapacity: true)
                }
                summary = try simulator.run(sink: { records in
                    for r in records {
                        batch.append(.bytes(r.line))
                        if batch.count >= chunk { try push() }
                    }
                }, truth: truthWriter, progress: progress.update)
                try push()
            } else {
                let out = ByteWriter.standardOutput()
                summary = try simulator.run(sink: { records in
                    for r in records { try out.write(r.line + [0x0A]) }
                }, truth: truthWriter, progress: progress.update)
                try out.flush()
            }
            progress.finish(summary.records)
            let seconds = Date().timeIntervalSince(began)
            report(summary, seconds: seconds, appended: append ? appended : nil)
        }
    }

    private func report(_ s: SimulationSummary, seconds: Double, appended: Int?) {
        let p = s.programme
        func kg(_ g: Int64) -> JSONValue { .number(JSONNumber(Double(g) / 1000)) }
        if options.json {
            var lost = [JSONMember]()
            for c in LossCause.allCases { lost.append(JSONMember(c.term, kg(p.lost[c.rawValue]))) }
            let v: JSONValue = .object([
                JSONMember("records", .number(JSONNumber(s.records))), JSONMember("events", .number(JSONNumber(s.events))),
                JSONMember("registryRecords", .number(JSONNumber(s.registryRecords))), JSONMember("families", .number(JSONNumber(s.families))),
                JSONMember("lots", .number(JSONNumber(s.lots))), JSONMember("farms", .number(JSONNumber(s.farms.count))),
                JSONMember("harvestedKg", kg(p.harvested)), JSONMember("soldKg", kg(p.sold)), JSONMember("lostKg", .object(lost)),
                JSONMember("unexplainedKg", kg(p.unexplained)), JSONMember("onHandKg", kg(p.onHand)),
                JSONMember("lossShare", .number(JSONNumber(s.lossShare))), JSONMember("seconds", .number(JSONNumber((seconds * 100).rounded() / 100))),
                JSONMember("appended", appended.map { .number(JSONNumber($0)) } ?? .null),
            ])
            let text = JSONWriter.pretty(v) + "\n"
            if appended != nil { print(text, terminator: "") } else { FileHandle.standardError.write(Data(text.utf8)) }
            return
        }
        let lines = [
            "simulated \(s.records) records (\(s.events) events, \(s.registryRecords) registry) for \(s.farms.count) farms, \(s.families) families, \(s.lots) lots in \(String(format: "%.1f", seconds)) s (\(Int(Double(s.records) / max(seconds, 0.001))) records/s)",
            "harvested \(kilogramText(p.harvested)) kg: sold \(kilogramText(p.sold)), recorded losses \(kilogramText(p.recordedLoss)), unexplained \(kilogramText(p.unexplained)), on hand \(kilogramText(p.onHand))",
            "loss share \(String(format: "%.2f", s.lossShare * 100)) % of harvested weight whose fate is known" + (appended.map { "; appended \($0) records to \(options.directory)" } ?? ""),
        ]
        let text = lines.joined(separator: "\n") + "\n"
        if appended != nil { print(text, terminator: "") } else if !quiet { FileHandle.standardError.write(Data(text.utf8)) }
    }

    /// A default path: relative to the current directory, else to the package this binary was built from.
    private func resolve(_ path: String, explicit: Bool) throws -> String {
        if explicit || path.hasPrefix("/") || FileManager.default.fileExists(atPath: path) { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidate = root.appendingPathComponent(path).path
        return FileManager.default.fileExists(atPath: candidate) ? candidate : path
    }
}

/// Progress on standard error: a bar on a terminal, a line every 10 % otherwise.
final class Progress {
    private let total: Int
    private let enabled: Bool
    private let tty: Bool
    private let began: Date
    private var lastTenth = -1
    private var lastDraw = Date.distantPast

    private let label: String
    private let approximate: Bool

    /// `began`: when the work started (the rate and the ETA count from it), if before now.
    init(total: Int, enabled: Bool, label: String = "simulate", approximate: Bool = true, began: Date = Date()) {
        self.began = began
        self.label = label
        self.approximate = approximate
        self.total = max(1, total)
        self.enabled = enabled
        tty = isatty(2) != 0
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let fraction = min(1, Double(done) / Double(total))
        let elapsed = Date().timeIntervalSince(began)
        let rate = Double(done) / max(elapsed, 0.001)
        if tty {
            guard Date().timeIntervalSince(lastDraw) > 0.2 else { return }
            lastDraw = Date()
            let width = 30
            let filled = Int(fraction * Double(width))
            let eta = rate > 0 ? Double(max(0, total - done)) / rate : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            write("\r[\(bar)] \(Int(fraction * 100))% \(done)/\(approximate ? "~" : "")\(total) records, \(Int(rate))/s, ETA \(Int(eta)) s ")
        } else {
            let tenth = Int(fraction * 10)
            guard tenth > lastTenth else { return }
            lastTenth = tenth
            write("\(label): \(done) records (\(tenth * 10) %), \(Int(rate)) records/s\n")
        }
    }

    func finish(_ done: Int) {
        guard enabled, tty else { return }
        lastDraw = .distantPast
        update(done)
        write("\n")
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
