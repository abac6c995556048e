// A witness (c2sp.org/tlog-witness): a participant of the supply chain — a cooperative, a retailer,
// the regulator — that cosigns the ledger's checkpoints, each only if it is consistent with the
// last one it cosigned. Its state (that last checkpoint) is kept durably and updated atomically
// with the check, so it never cosigns two histories and never rolls back (Docs/PUBLISH.md).
import Foundation
import Hummingbird
import Logging
import OrchardCrypto
import OrchardLedger

/// What a witness is configured with.
public struct WitnessConfiguration: Sendable {
    /// The witness's name (the cosignature's key name).
    public var name: String
    public var key: Ed25519PrivateKey
    /// The one log it witnesses: its origin and its verifier key.
    public var log: VerifierKey
    /// Directory of its state.
    public var stateDirectory: String
    public var host = "127.0.0.1"
    public var port = 8090

    public init(name: String, key: Ed25519PrivateKey, log: VerifierKey, stateDirectory: String) {
        self.name = name
        self.key = key
        self.log = log
        self.stateDirectory = stateDirectory
    }

    public var cosigner: CosignerKey { CosignerKey(name: name, key: key.publicKey) }
}

/// The witness's answer to one add-checkpoint request.
public enum WitnessAnswer: Sendable, Equatable {
    case cosigned(line: String)
    /// 409: the client's old size is not what the witness last cosigned (its size), or the same
    /// size with another root.
    case conflict(knownSize: UInt64)
    case badRequest(String)
    case unknownOrigin(String)
    case forbidden(String)
    case inconsistent(String)

    var status: HTTPResponse.Status {
        switch self {
        case .cosigned: .ok
        case .conflict: .conflict
        case .badRequest: .badRequest
        case .unknownOrigin: .notFound
        case .forbidden: .forbidden
        case .inconsistent: .unprocessableContent
        }
    }
}

/// The witness's state and its one operation.
public final class Witness: @unchecked Sendable {
    public let configuration: WitnessConfiguration
    private let lock = NSLock()
    private var latest: Checkpoint?
    private var statePath: String { configuration.stateDirectory + "/checkpoint" }

    public init(configuration: WitnessConfiguration) throws {
        self.configuration = configuration
        try FileManager.default.createDirectory(atPath: configuration.stateDirectory, withIntermediateDirectories: true)
        if let data = FileManager.default.contents(atPath: configuration.stateDirectory + "/checkpoint") {
            latest = try Checkpoint(text: String(decoding: data, as: UTF8.self))
        }
    }

    /// The last checkpoint cosigned.
    public var latestCheckpoint: Checkpoint? { lock.withLock { latest } }

    /// `add-checkpoint`: the request body is `old <size>\n`, up to 63 base64 proof lines, an empty
    /// line, and the checkpoint.
    public func addCheckpoint(_ body: String, now: UInt64 = UInt64(Date().timeIntervalSince1970)) -> WitnessAnswer {
        let request: AddCheckpointRequest
        do { request = try AddCheckpointRequest(body: body) } catch { return .badRequest(error.reason) }
        let (old, proof, checkpoint) = (request.oldSize, request.proof, request.checkpoint)
        guard checkpoint.origin == configuration.log.name else { return .unknownOrigin("this witness witnesses \(configuration.log.name), not \(checkpoint.origin)") }
        guard (try? checkpoint.isSigned(by: configuration.log.key)) == true else { return .forbidden("no signature by the log's key verifies") }
        guard old <= checkpoint.treeSize else { return .badRequest("old size \(old) is larger than the checkpoint's \(checkpoint.treeSize)") }
        // Check and persist under one lock: two requests never both move from one state.
        return lock.withLock {
            let known = latest?.treeSize ?? 0
            guard old == known else { return .conflict(knownSize: known) }
            if let latest, old == checkpoint.treeSize {
                guard latest.rootHash == checkpoint.rootHash else { return .conflict(knownSize: known) }
            } else if old == 0 {
                guard proof.isEmpty else { return .inconsistent("the proof must be empty from size 0") }
            } else if let latest {
                do {
                    try MerkleVerifier.verifyConsistency(oldSize: old, newSize: checkpoint.treeSize, oldRoot: latest.rootHash,
                                                         newRoot: checkpoint.rootHash, proof: proof)
                } catch {
                    return .inconsistent("the consistency proof from \(old) to \(checkpoint.treeSize) does not verify: \(error)")
                }
            }
            do {
                try persist(checkpoint)
                latest = checkpoint
                return .cosigned(line: try Cosignature.sign(checkpoint, name: configuration.name, key: configuration.key, timestamp: now))
            } catch {
                return .badRequest("the witness could not keep its state: \(error)")
            }
        }
    }

    /// Writes the state file and makes it durable before the cosignature is sent.
    private func persist(_ checkpoint: Checkpoint) throws {
        let temporary = statePath + ".new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        let bytes = Array(checkpoint.text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else { close(fd); throw CocoaError(.fileWriteUnknown) }
        close(fd)
        guard rename(temporary, statePath) == 0 else { throw CocoaError(.fileWriteUnknown) }
        let dir = open(configuration.stateDirectory, O_RDONLY)
        if dir >= 0 { fsync(dir); close(dir) }
    }

    /// The HTTP application: `POST /add-checkpoint`, `GET /checkpoint` (the last cosigned).
    public func application(logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: RequestLogMiddleware(logger: logger))
        router.post("/add-checkpoint") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            let answer = self.addCheckpoint(String(decoding: body.readableBytesView, as: UTF8.self))
            switch answer {
            case .cosigned(let line):
                return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: line)))
            case .conflict(let size):
                return Response(status: .conflict, headers: [.contentType: "text/x.tlog.size"], body: .init(byteBuffer: ByteBuffer(string: "\(size)\n")))
            case .badRequest(let reason), .unknownOrigin(let reason), .forbidden(let reason), .inconsistent(let reason):
                return Response(status: answer.status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: reason + "\n")))
            }
        }
        router.get("/checkpoint") { _, _ -> Response in
            guard let latest = self.latestCheckpoint else { return Response(status: .notFound) }
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: latest.text)))
        }
        let configuration = self.configuration
        return Application(router: router,
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "orchard-witness"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
                           logger: logger)
    }
}
