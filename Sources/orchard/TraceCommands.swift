// trace: a lot's journey back to the farm, or forward to everything made from it (a recall).
import ArgumentParser
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore
import OrchardTrace

/// Reads a trace code in any of its forms (Digital Link, its path, EPC URN, element string); a
/// malformed one is a usage error whose message names the wrong part.
func traceKey(_ code: String) throws -> TraceKey {
    do { return try TraceCode.parse(code).key } catch {
        let text = "\(error)"
        throw UsageFailure(description: text.hasPrefix("trace code") ? text : "trace code: " + text)
    }
}

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "A lot's journey from shelf to farm, or (--forward) everything made from it.",
        discussion: """
        CODE names a lot, a case or a pallet in any of the forms printed on produce:
          https://<any host>/01/<GTIN>/10/<lot>      GS1 Digital Link (a QR code); /21/<serial> for a case
          /01/<GTIN>/10/<lot>                         the same path without a host
          urn:epc:class:lgtin:<company>.<item>.<lot>  EPC class URN (also urn:epc:id:sgtin / sscc)
          (01)<GTIN>(10)<lot>                         the element string under a barcode; (00)<SSCC> for a pallet

        Backward (default): every event of the lot, of every lot it was made from (through grading
        merges and splits) and of every case or pallet it travelled in, down to the harvests —
        newest first, each with its actor, local time, quantities, cold-chain temperatures and a
        verdict (signature with the key registered at its leaf, inclusion in the current tree).

        Forward (--forward, a recall): every downstream lot with the share that came from this one,
        every shipment, the current holders and the retail locations. --csv prints one row per
        critical tracking event and lot (FDA FSMA 204 sortable spreadsheet columns).

        Exit codes: 0 traced (and every event verified), 2 an event failed verification, 3 not
        found, 64 a malformed code (the message names the wrong part).

        EXAMPLES
          orchard trace 'https://example.com/01/06971230000013/10/260603-1A'
          orchard trace '(01)06971230000013(10)260603-1A' --forward
          orchard trace urn:epc:class:lgtin:697123.0000001.260603-1A --forward --csv > recall.csv
        """)

    @OptionGroup var options: LedgerOptions
    @Argument(help: ArgumentHelp("The trace code.", valueName: "code")) var code: String
    @Flag(help: "Everything made from the lot since (a recall), instead of its journey back to the farm.") var forward = false
    @Flag(help: "One row per critical tracking event and lot, RFC 4180 CSV (FSMA 204 columns).") var csv = false
    @Flag(name: .customLong("no-verify"), help: "Skip checking each event's signature and inclusion.") var noVerify = false

    func validate() throws {
        if csv && options.json { throw ValidationError("--csv and --json are two outputs: choose one") }
    }

    func run() throws {
        try runCommand(json: options.json) {
            let store = try options.open()
            let key = try traceKey(code)
            let trace = try store.trace(key, direction: forward ? .forward : .backward, verify: !noVerify)
            if csv {
                print(trace.journey.csv, terminator: "")
            } else if options.json {
                outJSON(trace.json(registry: try store.registry))
            } else if forward {
                print(Recall(trace, registry: try store.registry).text, terminator: "")
            } else {
                print(trace.journey.timeline(verifiedAgainst: trace.checkpoint.treeSize), terminator: "")
            }
            if !noVerify, let bad = trace.journey.steps.first(where: { $0.verdict?.isVerified == false }) {
                throw TraceNotVerified(leaf: bad.leaf, reason: bad.verdict?.signatureProblem ?? bad.verdict?.inclusionProblem ?? "")
            }
        }
    }
}

/// A traced event failed its check: the trace was printed, and the exit code says so.
struct TraceNotVerified: Error, CategorizedError {
    let leaf: UInt64
    let reason: String
    var category: FailureCategory { .verificationFailed }
    var description: String { "event at leaf \(leaf) is not verified: \(reason)" }
}
