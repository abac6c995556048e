// export: the ledger's events as an EPCIS 2.0 document for other systems, and its checkpoint
// history for auditors and witnesses.
import ArgumentParser
import Foundation
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStats
import OrchardStore
import OrchardTrace

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the events as an EPCIS 2.0 JSON-LD document, or the checkpoint history.",
        discussion: """
        --epcis FILE writes an EPCISDocument: every event as it was captured and
        signed, with the eventID the ledger computed (the CBV 2.0 hash ID any EPCIS
        system computes alike) and the recordTime of its block; error declarations are
        events too. Streamed (memory stays flat). --from/--to select by eventTime
        (local date of the event, inclusive), --lot the events of a lot's journey (as
        `orchard trace` shows it).

        --checkpoints FILE writes one JSON line per block: {"height", "treeSize",
        "checkpoint"} with the sequencer's C2SP signed note.

        FILE "-" is standard output.

        EXAMPLES
          orchard export --epcis season.jsonld
          orchard export --epcis june.jsonld --from 2026-06-01 --to 2026-06-30
          orchard export --epcis lot.jsonld --lot '(01)06971230000013(10)260603-1A'
          orchard export --checkpoints checkpoints.jsonl
        """)

    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("Write the events as an EPCIS 2.0 document to this file.", valueName: "FILE")) var epcis: String?
    @Option(help: ArgumentHelp("Write every block's signed checkpoint (JSON Lines) to this file.", valueName: "FILE")) var checkpoints: String?
    @Option(help: ArgumentHelp("Only events on or after this date (their own local time).", valueName: "YYYY-MM-DD")) var from: String?
    @Option(help: ArgumentHelp("Only events on or before this date.", valueName: "YYYY-MM-DD")) var to: String?
    @Option(help: ArgumentHelp("Only the events of this lot's journey (any trace code).", valueName: "CODE")) var lot: String?
    @Option(name: .customLong("tree-size"), help: ArgumentHelp("As of this tree size (a block's end; default the head).", valueName: "N"),
            transform: wholeNumber(atLeast: 1))
    var treeSize: UInt64?

    func validate() throws {
        if (epcis == nil) == (checkpoints == nil) { throw ValidationError("give one of --epcis FILE or --checkpoints FILE") }
        if checkpoints != nil, from != nil || to != nil || lot != nil { throw ValidationError("--from, --to and --lot select events: they go with --epcis") }
    }

    func run() throws {
        try runCommand(json: options.json) {
            let store = try options.open()
            func day(_ text: String?, _ option: String) throws -> Int64? {
                guard let text else { return nil }
                guard let d = CalendarDay.parse(text) else { throw UsageFailure(description: "\(option) \(text): expected a date YYYY-MM-DD") }
                return d
            }
            // Dates are the events' own local dates: a window a day wider each side in UTC skips
            // most records cheaply, then each event's local date decides.
            let fromDay = try day(from, "--from"), toDay = try day(to, "--to")
            if let fromDay, let toDay, fromDay > toDay { throw UsageFailure(description: "--from \(from!) is after --to \(to!)") }
            var selection = ExportSelection()
            if let fromDay { selection.fromMillis = (fromDay - 1) * 86_400_000 }
            if let toDay { selection.toMillis = (toDay + 2) * 86_400_000 }
            if let lot {
                let key = try traceKey(lot)
                let leaves = try store.traceLeaves(of: key, direction: .backward, treeSize: treeSize)
                guard !leaves.isEmpty else { throw QueryError.unknownCode(key.rawValue) }
                selection.leaves = Set(leaves)
            }
            let path = epcis ?? checkpoints!
            let out: FileHandle
            if path == "-" { out = FileHandle.standardOutput } else {
                guard FileManager.default.createFile(atPath: path, contents: nil) else {
                    throw FileFailure(description: "cannot create or write \(path)")
                }
                out = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            }
            defer { if path != "-" { try? out.close() } }
            var buffer = [UInt8]()
            func write(_ bytes: [UInt8]) throws {
                buffer += bytes
                if buffer.count >= 1 << 20 { try out.write(contentsOf: buffer); buffer.removeAll(keepingCapacity: true) }
            }
            if epcis != nil {
                let days = (fromDay ?? Int64.min / 4)...(toDay ?? Int64.max / 4)
                let count = try store.exportEPCIS(selection, treeSize: treeSize, filter: { event in
                    fromDay == nil && toDay == nil ? true : EventWords.localDay(of: event).map { days.contains($0.day) } ?? false
                }, write)
                try out.write(contentsOf: buffer)
                if path != "-" { FileHandle.standardError.write(Data("exported \(count) event\(count == 1 ? "" : "s") to \(path)\n".utf8)) }
            } else {
                var blocks = 0
                try store.forEachCheckpoint(upTo: treeSize) { height, cp in
                    try write(Array(JSONWriter.compactString(.object([
                        JSONMember("height", .number(JSONNumber(Int(height)))), JSONMember("treeSize", .number(JSONNumber(Int(cp.treeSize)))),
                        JSONMember("checkpoint", .string(cp.text))])).utf8) + [0x0A])
                    blocks += 1
                }
                try out.write(contentsOf: buffer)
                if path != "-" { FileHandle.standardError.write(Data("exported \(blocks) checkpoint\(blocks == 1 ? "" : "s") to \(path)\n".utf8)) }
            }
        }
    }
}
