// stats: loss-rate statistics measured from the signed events (Docs/LOSS.md) — by stage, farm,
// province, product, carrier or month; cold-chain legs; one lot's balance; signed statements
// anyone can recompute.
import ArgumentParser
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStats
import OrchardStore

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Loss statistics measured from the ledger: loss rates, cold-chain excursions, one lot's balance, signed statements.",
        subcommands: [StatsLoss.self, StatsColdChain.self, StatsLot.self, StatsVerify.self])
}

/// Options every statistics command shares: the scope of harvests and the filters.
struct StatsScopeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only produce harvested on or after this local date.", valueName: "YYYY-MM-DD")) var from: String?
    @Option(help: ArgumentHelp("Only produce harvested on or before this local date.", valueName: "YYYY-MM-DD")) var to: String?
    @Option(help: ArgumentHelp("Only these products (GTIN or genesis product name; comma-separated or repeated).", valueName: "P"))
    var product: [String] = []
    @Option(help: ArgumentHelp("Only produce of these farms (participant ids).", valueName: "ID")) var farm: [String] = []
    @Option(help: ArgumentHelp("Only produce of farms in these provinces.", valueName: "NAME")) var province: [String] = []
    @Option(help: ArgumentHelp("Only transit legs of these carriers (participant ids).", valueName: "ID")) var carrier: [String] = []
    @Option(name: .customLong("tree-size"), help: ArgumentHelp("Compute as of this tree size (a block's end; default the head).", valueName: "N"),
            transform: wholeNumber(atLeast: 1))
    var treeSize: UInt64?
    @Flag(help: "No progress on standard error.") var quiet = false

    /// The query, read by the library (names resolved, farms and carriers checked); a problem is
    /// reported with its option's name.
    func query(by: String?, store: LedgerStore) throws -> LossQuery {
        do {
            return try store.lossQuery(LossQueryText(by: by, from: from, to: to, products: product, farms: farm, provinces: province, carriers: carrier))
        } catch let p as QueryParameterProblem {
            throw UsageFailure(description: "--\(p.parameter) \(p.value): \(p.reason)")
        }
    }

    func progress(_ store: LedgerStore) throws -> Progress {
        Progress(total: Int(try treeSize ?? store.head().header.treeSize), enabled: !quiet, label: "stats", approximate: false)
    }
}

struct StatsLoss: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loss",
        abstract: "Loss rates: what was harvested, sold, written off by cause, lost unexplained and is still on hand.",
        discussion: """
        Every figure is computed from the signed events, exactly (Docs/LOSS.md defines
        each one). Weights convert to kilograms without rounding (t, g, lb, and cases
        whose net content the genesis gives); lots with no known weight are reported
        apart, never guessed. Events declared erroneous are left out. Produce on hand
        or in transit is shown, in no loss rate.

          Input        harvested (for a stage: also what arrived from the one
                       before)
          Written off  destroying events by lossCause (graded out, damaged,
                       spoiled, cold chain)
          Unexplained  vanished with no event saying why: received less than
                       shipped, a stock count short, a transformation giving
                       out less than went in
          Loss rate    (written off + unexplained) / (input - on hand)

        --by groups the figures: stage, farm, province, product, carrier, month (the
        harvest month); combine them: --by province,stage. By carrier, the figures are
        those of the transit legs.

        --statement FILE --key PEM writes the figures with this query and the
        checkpoint they were computed at, signed; `orchard stats verify FILE`
        recomputes them from any copy of the ledger.

        Exit codes: 0 computed, 64 a bad option (named), 4 the ledger cannot be read.

        EXAMPLES
          orchard stats loss --by stage
          orchard stats loss --by province,stage --from 2026-06-01 --to 2026-06-30
          orchard stats loss --by farm --province Shaanxi --svg loss.svg
          orchard stats loss --by carrier --json
          orchard stats loss --by province --statement loss-statement.json --key auditor.pem
        """)

    @OptionGroup var options: LedgerOptions
    @OptionGroup var scope: StatsScopeOptions
    @Option(help: ArgumentHelp("Group by these dimensions: stage, farm, province, product, carrier, month (comma-separated).", valueName: "DIMS"))
    var by: String?
    @Flag(help: "RFC 4180 CSV with exact kilograms, one row per group and a total row.") var csv = false
    @Option(help: ArgumentHelp("Also write an SVG chart of the loss rates to this file.", valueName: "FILE")) var svg: String?
    @Option(help: ArgumentHelp("Also write a signed statement of these figures to this file (needs --key).", valueName: "FILE")) var statement: String?
    @Option(help: ArgumentHelp("The private key that signs the statement (PEM): an auditor's, or the sequencer's.", valueName: "FILE")) var key: String?

    func validate() throws {
        if csv && options.json { throw ValidationError("--csv and --json are two outputs: choose one") }
        if (statement == nil) != (key == nil) { throw ValidationError("--statement and --key go together: the statement is signed with the key") }
    }

    func run() throws {
        try runCommand(json: options.json) {
            let store = try options.open()
            let query = try scope.query(by: by, store: store)
            let signingKey = try key.map(loadKey)
            let progress = try scope.progress(store)
            let (report, checkpoint) = try store.lossReport(query, treeSize: scope.treeSize) { done, _ in progress.update(Int(done)) }
            progress.finish(Int(report.treeSize))
            if let svg {
                try Data(LossChart(report: report).svg().utf8).write(to: URL(fileURLWithPath: svg), options: .atomic)
            }
            if let statement, let signingKey {
                let signed = try LossStatement.make(report: report.json, checkpoint: checkpoint, key: signingKey)
                try Data((JSONWriter.pretty(signed) + "\n").utf8).write(to: URL(fileURLWithPath: statement), options: .atomic)
            }
            if options.json { outJSON(report.json) } else if csv { print(report.csv, terminator: "") } else { print(report.text, terminator: "") }
        }
    }
}

struct StatsColdChain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coldchain",
        abstract: "Cold-chain legs by carrier and route: excursions outside the product's safe range, and write-offs after them.",
        discussion: """
        A leg is a carrier's transport of a lot with its temperature log. An excursion
        is a run of readings outside the product's safe range (genesis
        products[].safeTemperature): its minutes, its peak (°C outside the range) and
        its degree-minutes (°C outside × minutes). "Written off after" is what
        receivers destroyed for cold_chain_excursion after the carrier's legs.
        --from/--to select legs by their departure date. `orchard stats loss` compares
        the loss rate of lots whose journey had an excursion with those whose journey
        had none.

        EXAMPLES
          orchard stats coldchain
          orchard stats coldchain --carrier carrier-coldchain-north --limit 50 --json
        """)

    @OptionGroup var options: LedgerOptions
    @OptionGroup var scope: StatsScopeOptions
    @Option(help: ArgumentHelp("How many of the worst legs to list (0: all).", valueName: "N"), transform: wholeInt())
    var limit: Int = 20

    func run() throws {
        try runCommand(json: options.json) {
            let store = try options.open()
            let query = try scope.query(by: nil, store: store)
            let progress = try scope.progress(store)
            let report = try store.coldChainReport(query, limit: limit, treeSize: scope.treeSize) { done, _ in progress.update(Int(done)) }
            progress.finish(Int(report.treeSize))
            if options.json { outJSON(report.json) } else { print(report.text, terminator: "") }
        }
    }
}

struct StatsLot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lot",
        abstract: "One lot's balance stage by stage, and the events behind every figure.",
        discussion: """
        CODE is any trace code (Digital Link, its path, EPC class URN, element
        string). Shows where the lot's produce came from (farms, in proportion), what
        came in and went out at each stage (in = passed on + sold + written off +
        unexplained + on hand), and every amount with the leaf of the event that moved
        it — how a figure of `orchard stats loss` was reached.

        EXAMPLES
          orchard stats lot 'https://example.com/01/06971230000013/10/260603-1A'
          orchard stats lot urn:epc:class:lgtin:697123.0000001.260603-1A --json
        """)

    @OptionGroup var options: LedgerOptions
    @Argument(help: ArgumentHelp("The lot's trace code.", valueName: "code")) var code: String
    @Option(name: .customLong("tree-size"), help: ArgumentHelp("As of this tree size (a block's end; default the head).", valueName: "N"),
            transform: wholeNumber(atLeast: 1))
    var treeSize: UInt64?
    @Flag(help: "Accepted for symmetry with the other stats commands (a lot's view reads only its lineage: no progress).")
    var quiet = false

    func run() throws {
        try runCommand(json: options.json) {
            let store = try options.open()
            let key = try traceKey(code)
            let view = try store.lotLoss(key, treeSize: treeSize)
            if options.json { outJSON(view.json) } else { print(view.text, terminator: "") }
        }
    }
}

struct StatsVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute a signed loss statement from this ledger and say whether every figure matches.",
        discussion: """
        Checks the statement's signature, that its checkpoint is the sequencer's and
        that this ledger extends it (same root at that tree size), then recomputes the
        report with the statement's query as of that tree size — even if the ledger
        has grown since — and compares every figure. Names the signer (the sequencer,
        a registered participant, or an unknown key); --signer requires a particular
        key.

        Exit codes: 0 every figure matches, 2 a figure differs or a signature or the
        checkpoint does not verify (each named), 1 not a statement, 4 the ledger
        cannot be read.

        EXAMPLES
          orchard stats verify loss-statement.json
          orchard stats verify loss-statement.json --signer auditor.pub --json
        """)

    @OptionGroup var options: LedgerOptions
    @Argument(help: ArgumentHelp("The statement file.", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("Require this signer (public key PEM).", valueName: "FILE")) var signer: String?
    @Flag(help: "No progress on standard error.") var quiet = false

    func run() throws {
        try runCommand(json: options.json) {
            let store = try options.open()
            let read = try LossStatement.read(try readInput(file))
            let progress = Progress(total: Int(read.checkpoint.treeSize), enabled: !quiet, label: "stats", approximate: false)
            let v = try store.verifyStatement(read, requiredSigner: try signer.map(loadPublicKey)) { done, _ in progress.update(Int(done)) }
            progress.finish(Int(read.checkpoint.treeSize))
            if options.json {
                outJSON(v.json)
            } else {
                print("Statement signed by \(v.signer); computed at tree size \(read.checkpoint.treeSize) (this ledger: \(v.ledgerTreeSize)), "
                      + "query: \(v.report.title.lowercased()), \(v.report.scopeText).")
                if v.verified {
                    print("Verified: all \(v.figures) figures match the ledger.")
                } else {
                    print("NOT VERIFIED: \(v.mismatches.count) figure\(v.mismatches.count == 1 ? "" : "s") of \(v.figures) differ:")
                    for m in v.mismatches.prefix(50) { print("  \(m)") }
                    if v.mismatches.count > 50 { print("  … \(v.mismatches.count - 50) more (--json lists all)") }
                }
            }
            if !v.verified {
                throw CheckFailed(description: "\(v.mismatches.count) figure\(v.mismatches.count == 1 ? "" : "s") differ from the ledger")
            }
        }
    }
}

/// A check that does not hold against the ledger (a statement's figures, a kept checkpoint): exit 2.
struct CheckFailed: Error, CategorizedError {
    let description: String
    var category: FailureCategory { .verificationFailed }
}

