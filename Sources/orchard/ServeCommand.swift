// `orchard serve`: the ledger node. The node is OrchardNode's application; this file parses
// arguments, sets up logging and metrics, and runs it until SIGTERM or SIGINT.
import ArgumentParser
import Foundation
import Logging
import Metrics
import OrchardLabel
import OrchardNode
import OrchardStore
import Prometheus

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the ledger node: HTTP capture with group commit, and the read API.",
        discussion: """
        POST /capture takes signed records (JSON Lines or a JSON array, as `orchard sign` prints \
        them) and answers with their receipts once the block holding them is committed and \
        fsynced; concurrent requests share blocks (a block closes at --batch-records records or \
        --batch-wait-ms after the first request, whichever comes first). A request is all or \
        nothing and is refused alone (422 with the problems `orchard append` prints; 413 past the \
        limits). GET /health, /metrics (Prometheus text), /checkpoint (the signed note), /head, \
        /blocks/N, /leaves/N, /events?… (the EPCIS 2.0 query interface, paged), /events/ID \
        (EPCIS 2.0 JSON-LD), /proofs/…, /trace, /bundle, \
        /stats/loss, /label/01/GTIN/10/LOT.svg, and the GS1 Digital Link resolver at \
        /01/GTIN/10/LOT (a page for browsers, the bundle for apps, the linkset with \
        ?linkType=all). Docs/NODE.md describes every route.

        One log line per request goes to standard error (method, path, status, duration, and the \
        blocks a capture landed in). SIGTERM or SIGINT stops taking connections, answers the \
        requests in flight (their block is committed) and exits 0.

        EXAMPLES
          orchard serve --ledger ledger --port 8080
          orchard serve --host 0.0.0.0 --port 8443 --batch-records 5000 --batch-wait-ms 10
          curl --data-binary @signed.jsonl http://127.0.0.1:8080/capture
        """)

    @Option(name: .long, help: ArgumentHelp("Ledger directory (default: $ORCHARD_LEDGER, then ./ledger).", valueName: "DIR"))
    var ledger: String?
    @Option(help: ArgumentHelp("Address to listen on.", valueName: "ADDR")) var host = "127.0.0.1"
    @Option(help: ArgumentHelp("Port to listen on (0: any free one; the node prints it).", valueName: "PORT"), transform: wholeNumber())
    var port: UInt64 = 8080
    @Option(name: .customLong("batch-records"), help: ArgumentHelp("Records from waiting requests that close a block.", valueName: "N"),
            transform: wholeNumber())
    var batchRecords: UInt64 = 2000
    @Option(name: .customLong("batch-wait-ms"), help: ArgumentHelp("Milliseconds a block waits for more requests.", valueName: "MS"),
            transform: wholeNumber())
    var batchWait: UInt64 = 5
    @Option(name: .customLong("max-request-bytes"), help: ArgumentHelp("Largest capture request body.", valueName: "N"), transform: wholeNumber())
    var maxRequestBytes: UInt64 = 8 << 20
    @Option(name: .customLong("max-request-records"), help: ArgumentHelp("Most records in one capture request.", valueName: "N"),
            transform: wholeNumber())
    var maxRequestRecords: UInt64 = 10_000
    @Option(name: .customLong("public-host"), help: ArgumentHelp("The origin the world reaches this node at: the host of label and resolver links (default: http://HOST:PORT).", valueName: "URL"))
    var publicHost: String?
    @Option(name: .customLong("log-level"), help: ArgumentHelp("Log level (trace, debug, info, notice, warning, error).", valueName: "LEVEL"))
    var logLevel: String = "info"

    func validate() throws {
        guard port <= 65535 else { throw ValidationError("--port: 0 to 65535") }
        guard batchRecords >= 1, batchRecords <= 1_000_000 else { throw ValidationError("--batch-records: 1 to 1,000,000") }
        guard batchWait <= 10_000 else { throw ValidationError("--batch-wait-ms: at most 10,000") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: trace, debug, info, notice, warning or error") }
    }

    func run() throws {
        try runCommand(json: false) {
            let directory = ledger ?? ProcessInfo.processInfo.environment["ORCHARD_LEDGER"] ?? "ledger"
            let store = try LedgerStore.open(directory: directory)
            var configuration = NodeConfiguration()
            configuration.host = host
            configuration.port = Int(port)
            configuration.batchRecords = Int(batchRecords)
            configuration.batchDelayMilliseconds = Int(batchWait)
            configuration.maxRequestBytes = Int(min(maxRequestBytes, UInt64(Int.max)))
            configuration.maxRequestRecords = Int(min(maxRequestRecords, UInt64(Int.max)))
            if let publicHost {
                do { configuration.publicHost = try LotLabel.origin(publicHost) } catch { throw UsageFailure(description: "--public-host: \(error)") }
            }
            let level = Logger.Level(rawValue: logLevel)!
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            let logger = Logger(label: "orchard.node")
            store.logger = logger   // the append's stage timings at --log-level trace
            let host = self.host
            let app = LedgerNode.application(store: store, configuration: configuration, metrics: registry, logger: logger) { port in
                // The first line on standard output: where the node listens (tests read it).
                print("orchard node listening on http://\(host):\(port) (ledger \(directory), origin \(store.genesis.origin))")
                fflush(nil)
            }
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var failure: (any Error)?
            Task {
                do { try await app.runService() } catch { failure = error }
                done.signal()
            }
            done.wait()
            if let failure { throw failure }
            logger.info("stopped")
        }
    }
}
