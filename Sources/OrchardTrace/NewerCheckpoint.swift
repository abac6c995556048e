// A checkpoint newer than a bundle's, with the RFC 9162 consistency proof from the bundle's tree to
// it: shows that an old bundle stays true as the ledger grows. The proof is read in the forms
// `orchard proof consistency` prints (text or --json), so its output can be saved and handed over.
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// A newer signed checkpoint and the consistency proof from the bundle's checkpoint to it.
public struct NewerCheckpoint: Sendable {
    public let checkpoint: Checkpoint
    /// RFC 9162 `SUBPROOF` from the bundle's tree size to `checkpoint.treeSize`.
    public let consistencyProof: [SHA256Digest]
    /// The sizes the proof file says it is between, when it says so (checked against the two
    /// checkpoints).
    public let proofFrom: UInt64?
    public let proofTo: UInt64?

    public init(checkpoint: Checkpoint, consistencyProof: [SHA256Digest], proofFrom: UInt64? = nil, proofTo: UInt64? = nil) {
        self.checkpoint = checkpoint
        self.consistencyProof = consistencyProof
        self.proofFrom = proofFrom
        self.proofTo = proofTo
    }

    /// Why a checkpoint or proof file could not be read.
    public struct Unreadable: Error, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Reads a checkpoint file (the note as `orchard checkpoint` prints it, or its `--json` form
    /// with the note in `note`) and a consistency proof file (as `orchard proof consistency`
    /// prints it, text or `--json`).
    public init(checkpointText: String, consistencyProofText: String) throws(Unreadable) {
        var note = checkpointText
        if checkpointText.trimmingWhitespace.hasPrefix("{") {
            guard let json = try? JSONParser.parse(Array(checkpointText.utf8)), let text = json["note"]?.stringValue else {
                throw Unreadable(reason: "the checkpoint file is JSON without a \"note\" (use `orchard checkpoint` output)")
            }
            note = text
        }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(text: note) } catch { throw Unreadable(reason: "the checkpoint file is not a checkpoint note: \(error)") }
        let (from, to, proof) = try Self.readProof(consistencyProofText)
        self.init(checkpoint: checkpoint, consistencyProof: proof, proofFrom: from, proofTo: to)
    }

    /// The sizes and hashes of a consistency proof in `orchard proof consistency` form: JSON
    /// `{"from", "to", "proof": [hex…]}`, or the text with a `tree A → B` line and one hash
    /// (64 hex digits) per line after `consistency proof (N hashes):`.
    static func readProof(_ text: String) throws(Unreadable) -> (UInt64?, UInt64?, [SHA256Digest]) {
        func digest(_ hex: String) throws(Unreadable) -> SHA256Digest {
            guard hex.utf8.count == 64, let bytes = Hex.decode(hex), let d = try? SHA256Digest(bytes: bytes) else {
                throw Unreadable(reason: "consistency proof: \"\(hex)\" is not a 32-byte hash in hex")
            }
            return d
        }
        if text.trimmingWhitespace.hasPrefix("{") {
            guard let json = try? JSONParser.parse(Array(text.utf8)), let list = json["proof"]?.arrayValue else {
                throw Unreadable(reason: "consistency proof: JSON without a \"proof\" array (use `orchard proof consistency` output)")
            }
            var proof = [SHA256Digest]()
            for h in list { proof.append(try digest(h.stringValue ?? "")) }
            let number = { (k: String) -> UInt64? in json[k].flatMap { if case let .number(n) = $0 { UInt64(n.text) } else { nil } } }
            return (number("from"), number("to"), proof)
        }
        var from: UInt64?, to: UInt64?, proof = [SHA256Digest](), inProof = false
        for raw in text.split(separator: "\n") {
            let line = String(raw).trimmingWhitespace
            if line.hasPrefix("tree ") {
                let sizes = line.dropFirst(5).split(separator: " ").compactMap { UInt64($0) }
                if sizes.count == 2 { (from, to) = (sizes[0], sizes[1]) }
            } else if line.hasPrefix("consistency proof") {
                inProof = true
            } else if inProof, line.utf8.count == 64, Hex.decode(line) != nil {
                proof.append(try digest(line))
            } else if inProof {
                inProof = false
            }
        }
        guard from != nil || !proof.isEmpty else {
            throw Unreadable(reason: "consistency proof: no \"tree A → B\" line and no hashes (use `orchard proof consistency` output)")
        }
        return (from, to, proof)
    }
}
