// The node's HTTP surface (Docs/NODE.md): capture, the head and its checkpoint, blocks, records,
// health and metrics. Every answer comes from the same library calls as the CLI's (OrchardQuery,
// LedgerStore); errors are the CLI's FailureReport as JSON, with the HTTP status of its category.
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore
import Prometheus

/// Builds the node's application for one ledger.
public enum LedgerNode {
    /// The application: its routes, request log and metrics middleware, and the capture queue
    /// as a service (stopped after the server on shutdown, so waiting requests are answered).
    /// `onRunning` is called with the port the server listens on.
    public static func application(store: LedgerStore, configuration: NodeConfiguration, metrics: PrometheusCollectorRegistry,
                                   logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let queue = CaptureQueue(store: store, configuration: configuration, logger: logger)
        let router = Router()
        router.add(middleware: RequestLogMiddleware(logger: logger))
        router.add(middleware: MetricsMiddleware())
        routes(router, store: store, queue: queue, configuration: configuration, metrics: metrics)
        // The public origin: as configured, else where the server turned out to listen.
        let bound = PublicHost(configuration.publicHost ?? "http://\(configuration.host):\(configuration.port)")
        readRoutes(router, store: store, configuration: configuration, publicHost: { bound.value })
        return Application(router: router,
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "orchard"),
                           services: [queue],
                           onServerRunning: { channel in
                               let port = channel.localAddress?.port ?? configuration.port
                               if configuration.publicHost == nil { bound.set("http://\(configuration.host):\(port)") }
                               await onRunning(port)
                           },
                           logger: logger)
    }

    static func routes(_ router: Router<BasicRequestContext>, store: LedgerStore, queue: CaptureQueue, configuration: NodeConfiguration,
                       metrics: PrometheusCollectorRegistry) {
        router.get("/health") { _, _ in
            try answer {
                let head = try store.head().header
                return json(.object([JSONMember("status", .string("ok")), JSONMember("origin", .string(store.genesis.origin)),
                                     JSONMember("height", .number(JSONNumber(Int(head.height)))),
                                     JSONMember("treeSize", .number(JSONNumber(Int(head.treeSize))))]))
            }
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        router.get("/checkpoint") { _, _ in
            // The C2SP signed note, as tlog-tiles serves it.
            try answer { text(try store.head().checkpoint.text) }
        }
        router.get("/head") { _, _ in
            try answer { json(try store.blockView(height: try store.head().header.height).json) }
        }
        router.get("/blocks/:height") { _, context in
            try answer {
                guard let height = context.parameters.get("height", as: UInt64.self) else {
                    throw UsageFailure("block height: a whole number, got \"\(context.parameters.get("height") ?? "")\"")
                }
                return json(try store.blockView(height: height).json)
            }
        }
        router.get("/leaves/:leaf") { _, context in
            try answer {
                guard let leaf = context.parameters.get("leaf", as: UInt64.self) else {
                    throw UsageFailure("leaf index: a whole number, got \"\(context.parameters.get("leaf") ?? "")\"")
                }
                return json(try store.record(atLeaf: leaf).json)
            }
        }
        // The tree and the records as C2SP tlog-tiles serves them (Docs/PUBLISH.md): what a
        // published bucket holds, from the ledger itself, so clients (the consumer page) check
        // consistency the same way against a node and against a bucket.
        router.get("/tile/**") { request, _ in
            try answer {
                let path = String(request.uri.path.dropFirst("/tile/".count))
                guard let tile = TlogTiles.Tile(path: path) else {
                    throw UsageFailure("tile: \"\(path)\" is not a C2SP tile path (<L>/<N>[.p/<W>] or entries/<N>[.p/<W>], N in x001/234 form)")
                }
                let size = try store.head().header.treeSize
                let have = TlogTiles.hashes(level: tile.level ?? 0, treeSize: size)
                let first = tile.index * TlogTiles.width
                guard first + UInt64(tile.width) <= have, tile.isPartial || tile.width == Int(TlogTiles.width) else {
                    throw StoreError.notFound(.leaf(first + UInt64(tile.width) - 1, treeSize: have))
                }
                let body: [UInt8]
                if let level = tile.level {
                    body = try store.perfectNodes(level: level * TlogTiles.height, indexes: first ..< first + UInt64(tile.width)).flatMap(\.bytes)
                } else {
                    body = try TlogTiles.entryBundle(try store.recordBytes(leaves: Array(first ..< first + UInt64(tile.width))))
                }
                return Response(status: .ok, headers: [.contentType: "application/octet-stream", .cacheControl: "public, max-age=31536000, immutable"],
                                body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
        }
        // A mirror holds no sequencer key: it serves what the sequencer signed, and takes no
        // records. Decided once, when the node starts (not a file lookup a request).
        let sequencer = store.holdsSequencerKey
        router.post("/capture") { request, _ in
            try await answer {
                guard sequencer else { throw ReadOnly(description: "this node is a read-only mirror of \(store.genesis.origin); capture at the sequencer's node") }
                let bytes = try await body(request, limit: configuration.maxRequestBytes)
                let inputs: [RecordInput]
                do { inputs = try RecordInputs.split(bytes) } catch let problem as EventProblem {
                    throw AppendRejection(problems: [problem])
                }
                guard inputs.count <= configuration.maxRequestRecords else {
                    throw TooLarge(description: "the request holds \(inputs.count) records; a capture request may hold at most \(configuration.maxRequestRecords) (send several)")
                }
                // Stage A here, on all cores, while the writer commits earlier requests.
                switch await queue.submit(await prepared(inputs, store: store)) {
                case let .receipts(receipts):
                    // Compact: a program reads receipts, and a large request's answer is half the size.
                    let body = JSONWriter.compact(.object([JSONMember("receipts", .array(receipts.map(\.json)))])) + [0x0A]
                    var response = Response(status: .ok, headers: [.contentType: "application/json"],
                                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
                    let blocks = Set(receipts.map(\.blockHeight)).sorted().map(String.init).joined(separator: ",")
                    response.headers[.orchardBlocks] = blocks
                    return response
                case let .rejected(problems): throw AppendRejection(problems: problems)
                case .unavailable: throw Unavailable()
                case let .failed(reason): throw StoreFailure(description: reason)
                }
            }
        }
    }

    /// Stage A of a capture request's records: on this task for a few records (cheaper than a
    /// hop), on a dispatch worker (all cores) for more, so a large request does not hold one of
    /// the server's threads.
    static func prepared(_ inputs: [RecordInput], store: LedgerStore) async -> PreparedBatch {
        if inputs.count <= 8 { return store.prepare(inputs) }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: store.prepare(inputs)) }
        }
    }

    /// Reads a request body of at most `limit` bytes (413 past it).
    static func body(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw TooLarge(description: "the request body is \(length) bytes; at most \(limit) are accepted")
        }
        var bytes = [UInt8]()
        for try await buffer in request.body {
            bytes += buffer.readableBytesView
            if bytes.count > limit { throw TooLarge(description: "the request body is over \(limit) bytes, the most accepted") }
        }
        return bytes
    }

    /// Runs a handler; a failure becomes the CLI's failure report as JSON with its HTTP status.
    static func answer(_ body: () async throws -> Response) async throws -> Response {
        do { return try await body() } catch {
            return failure(error)
        }
    }

    static func answer(_ body: () throws -> Response) throws -> Response {
        do { return try body() } catch {
            return failure(error)
        }
    }

    static func failure(_ error: any Error) -> Response {
        let status: HTTPResponse.Status
        switch error {
        case is TooLarge: status = .contentTooLarge
        case is ReadOnly: status = .methodNotAllowed
        case is Unavailable: status = .serviceUnavailable
        default:
            let report = FailureReport(error)
            status = switch report.category {
            case .usage: .badRequest
            case .rejected: .unprocessableContent
            case .notFound: .notFound
            case .verificationFailed: .conflict
            default: .internalServerError
            }
        }
        var response = json(FailureReport(error).json)
        response.status = status
        return response
    }

    static func json(_ value: JSONValue) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(string: JSONWriter.pretty(value) + "\n")))
    }

    static func text(_ s: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: s)))
    }
}

/// The node's public origin, known for certain once the server runs (port 0 picks one).
final class PublicHost: @unchecked Sendable {
    private let lock = NSLock()
    private var current: String
    init(_ value: String) { current = value }
    var value: String { lock.lock(); defer { lock.unlock() }; return current }
    func set(_ v: String) { lock.lock(); current = v; lock.unlock() }
}

extension HTTPField.Name {
    /// The blocks a capture request's records landed in (for the request log).
    static let orchardBlocks = Self("Orchard-Blocks")!
}

/// A request over the node's limits (413).
struct TooLarge: Error, CategorizedError {
    let description: String
    var category: FailureCategory { .usage }
}

/// A mirror refuses captures (405).
struct ReadOnly: Error, CategorizedError {
    let description: String
    var category: FailureCategory { .usage }
}

/// The node is shutting down (503).
struct Unavailable: Error, CategorizedError {
    var description: String { "the node is shutting down; send the request again to a running node" }
    var category: FailureCategory { .ledgerError }
}

/// A malformed path parameter (400).
struct UsageFailure: Error, CategorizedError {
    let description: String
    init(_ d: String) { description = d }
    var category: FailureCategory { .usage }
}

/// The ledger failed while committing (500).
struct StoreFailure: Error, CategorizedError {
    let description: String
    var category: FailureCategory { .ledgerError }
}

/// One log line per request: method, path, status, duration, and the blocks a capture landed in.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let response: Response
        do { response = try await next(request, context) } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            log(request, status: status.code, start: start, blocks: nil)
            throw error
        }
        log(request, status: response.status.code, start: start, blocks: response.headers[.orchardBlocks])
        return response
    }

    func log(_ request: Request, status: Int, start: UInt64, blocks: String?) {
        // The line's fields are built only when it is written (not at the bench's warning level).
        guard logger.logLevel <= .info else { return }
        var metadata: Logger.Metadata = ["method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(status)",
                                         "ms": "\(String(format: "%.1f", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6))"]
        if let blocks { metadata["blocks"] = "\(blocks)" }
        logger.info("request", metadata: metadata)
    }
}
