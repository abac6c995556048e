// Asking witnesses to cosign a checkpoint (c2sp.org/tlog-witness add-checkpoint): first with the
// size the client believes the witness knows; on 409 the witness says its size, and the request is
// made again with the consistency proof from there. A witness that knows a larger tree than ours
// is an alarm: the log was rolled back, or another history was shown to it.
import AsyncHTTPClient
import Foundation
import NIOCore
import OrchardCrypto
import OrchardLedger

/// Why a witness did not cosign.
public struct WitnessFailure: CategorizedError, Sendable {
    public let witness: String
    public let reason: String
    /// True when the witness answered and refused (it has seen another history, or a larger
    /// tree); false when it could not be asked.
    public var refused = true
    public var description: String { "witness \(witness): \(reason)" }
    public var category: FailureCategory { refused ? .verificationFailed : .ledgerError }
}

public struct WitnessClient: Sendable {
    public let url: String
    public let http: HTTPClient

    public init(url: String, http: HTTPClient = .shared) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.http = http
    }

    /// The witness's cosignature lines on `checkpoint`; `proof(from)` gives the consistency proof
    /// from a smaller tree size to the checkpoint's.
    public func cosign(_ checkpoint: Checkpoint, knownSize: UInt64 = 0,
                       proof: (UInt64) throws -> [SHA256Digest]) async throws -> [String] {
        var old = knownSize
        for _ in 0 ..< 3 {
            guard old <= checkpoint.treeSize else {
                throw WitnessFailure(witness: url, reason: "it has cosigned a tree of \(old) leaves, larger than this checkpoint's \(checkpoint.treeSize): the log was rolled back, or it was shown another history")
            }
            let hashes = old == 0 || old == checkpoint.treeSize ? [] : try proof(old)
            let body = AddCheckpointRequest(oldSize: old, proof: hashes, checkpoint: checkpoint).body
            var request = HTTPClientRequest(url: url + "/add-checkpoint")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            request.body = .bytes(ByteBuffer(string: body))
            let response: HTTPClientResponse
            do { response = try await http.execute(request, timeout: .seconds(30)) } catch {
                throw WitnessFailure(witness: url, reason: "not reached: \(error)", refused: false)
            }
            let text = String(buffer: try await response.body.collect(upTo: 1 << 16))
            switch response.status.code {
            case 200:
                let lines = text.split(separator: "\n").map { String($0) + "\n" }.filter { $0.hasPrefix("\u{2014} ") }
                guard !lines.isEmpty else { throw WitnessFailure(witness: url, reason: "answered 200 without a signature line") }
                return lines
            case 409:
                guard let size = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                    throw WitnessFailure(witness: url, reason: "409 without its tree size: \(text.prefix(200))")
                }
                if size == old {
                    throw WitnessFailure(witness: url, reason: "it has cosigned another checkpoint of \(size) leaves (a different root): two histories")
                }
                old = size
            default:
                throw WitnessFailure(witness: url, reason: "\(response.status.code): \(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300))")
            }
        }
        throw WitnessFailure(witness: url, reason: "its size kept changing")
    }
}
