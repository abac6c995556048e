// The C2SP tlog-proof (c2sp.org/tlog-proof): one record's inclusion proof and the signed
// checkpoint it leads to, as text that generic transparency-log tools read and check offline.
import OrchardCrypto

/// A C2SP `tlog-proof@v1`: the leaf index, the RFC 9162 inclusion proof (leaf's sibling first,
/// root's child last) and the checkpoint whose tree it leads into, with optional opaque `extra`
/// data.
///
/// ```
/// c2sp.org/tlog-proof@v1
/// extra <base64>            (only when there is extra data)
/// index 4
/// <base64 hash>             (one line per proof hash)
///
/// <the checkpoint signed note, verbatim>
/// ```
///
/// Orchard puts the record's exact bytes (the RFC 9162 leaf data) in `extra`, so a proof file
/// alone is enough to check that *this* record is in the ledger: the leaf hash is
/// SHA-256(0x00 ‖ extra). The spec says extra data is not authenticated; here it is bound by the
/// inclusion proof itself, but a checker must still read the record to see that it is the event
/// it cares about (its event ID, its signer).
public struct TlogProof: Hashable, Sendable {
    /// The first line of every proof.
    public static let header = "c2sp.org/tlog-proof@v1"

    /// The zero-based index of the leaf in the log.
    public let index: UInt64
    /// RFC 9162 `PATH` from the leaf's sibling up to the root's child.
    public let proof: [SHA256Digest]
    /// The signed checkpoint whose tree holds the leaf.
    public let checkpoint: Checkpoint
    /// Opaque application data (Orchard: the record bytes), not authenticated by the format.
    public let extra: [UInt8]?

    public init(index: UInt64, proof: [SHA256Digest], checkpoint: Checkpoint, extra: [UInt8]? = nil) {
        self.index = index
        self.proof = proof
        self.checkpoint = checkpoint
        self.extra = extra
    }

    /// Why a tlog-proof text was refused.
    public struct Malformed: Error, CategorizedError, Sendable, Equatable {
        /// The 1-based line the problem is on.
        public let line: Int
        public let reason: String
        public var category: FailureCategory { .rejected }
        public var description: String { "tlog-proof line \(line): \(reason)" }
    }

    /// The proof as text: header, `extra` line when there is extra data, `index`, one base64 hash
    /// per line, a blank line and the checkpoint note verbatim.
    public var text: String {
        var s = Self.header + "\n"
        if let extra { s += "extra " + Base64.encode(extra) + "\n" }
        s += "index \(index)\n"
        for h in proof { s += Base64.encode(h.bytes) + "\n" }
        return s + "\n" + checkpoint.text
    }

    /// Reads a proof strictly: the exact header, an optional `extra` line of non-empty standard
    /// base64, `index` in decimal without leading zeros, hash lines each the canonical base64 of
    /// 32 bytes, one blank line and a checkpoint that parses.
    ///
    /// - Throws: ``Malformed`` naming the line.
    public init(text: String) throws(Malformed) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var n = 0
        func fail(_ reason: String) -> Malformed { Malformed(line: n + 1, reason: reason) }
        guard lines.count > 0, lines[0] == Self.header else {
            throw fail("must be \"\(Self.header)\"")
        }
        n = 1
        var extra: [UInt8]?
        if n < lines.count, lines[n].hasPrefix("extra ") {
            let b64 = String(lines[n].dropFirst("extra ".count))
            guard !b64.isEmpty, let bytes = Base64.decode(b64), Base64.encode(bytes) == b64 else {
                throw fail("extra data must be non-empty standard base64")
            }
            extra = bytes
            n += 1
        }
        guard n < lines.count, lines[n].hasPrefix("index ") else { throw fail("expected \"index <decimal>\"") }
        let digits = lines[n].dropFirst("index ".count)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              digits == "0" || digits.first != "0", let index = UInt64(digits) else {
            throw fail("the index must be a decimal number without leading zeros, not \"\(digits)\"")
        }
        n += 1
        var proof: [SHA256Digest] = []
        while n < lines.count, !lines[n].isEmpty {
            let b64 = String(lines[n])
            guard let bytes = Base64.decode(b64), Base64.encode(bytes) == b64, bytes.count == 32,
                  let digest = try? SHA256Digest(bytes: bytes) else {
                throw fail("a proof hash must be the standard base64 of 32 bytes")
            }
            proof.append(digest)
            n += 1
        }
        guard n < lines.count else { throw fail("expected a blank line before the checkpoint") }
        n += 1
        let note = lines[n...].joined(separator: "\n")
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(text: note) } catch { throw fail("the checkpoint does not parse: \(error)") }
        self.init(index: index, proof: proof, checkpoint: checkpoint, extra: extra)
    }

    /// Checks the proof for the leaf with `leafHash` against a verifier key (c2sp.org/tlog-proof
    /// "Verifying"): the checkpoint's origin is the key's name, the checkpoint is signed by the
    /// key, and the inclusion proof leads from the leaf at ``index`` to the checkpoint's root.
    ///
    /// - Throws: ``VerificationFinding`` (`checkpoint.content`, `checkpoint.signature` or
    ///   `proof.inclusion`) saying which check failed.
    public func verify(leafHash: SHA256Digest, verifierKey: VerifierKey) throws(VerificationFinding) {
        guard checkpoint.origin == verifierKey.name else {
            throw VerificationFinding(.checkpointContent, leafIndex: index, expected: verifierKey.name, found: checkpoint.origin,
                                      detail: "the checkpoint's origin is not the verifier key's name")
        }
        let signed: Bool
        do { signed = try checkpoint.isSigned(by: verifierKey.key) } catch {
            throw VerificationFinding(.checkpointSignature, leafIndex: index, detail: "\(error)")
        }
        guard signed else {
            throw VerificationFinding(.checkpointSignature, leafIndex: index,
                                      detail: "the checkpoint carries no valid signature by \(verifierKey)")
        }
        do {
            try MerkleVerifier.verifyInclusion(leafHash: leafHash, leafIndex: index, treeSize: checkpoint.treeSize,
                                               proof: proof, root: checkpoint.rootHash)
        } catch {
            throw VerificationFinding(.inclusionProof, leafIndex: index,
                                      detail: "the proof does not lead from this leaf to the checkpoint's root: \(error)")
        }
    }

    /// Checks the proof for the record carried in ``extra`` (its leaf hash computed from those
    /// bytes) and returns the record bytes, now shown to be at ``index`` in the signed tree.
    ///
    /// - Throws: ``VerificationFinding`` as ``verify(leafHash:verifierKey:)``, or
    ///   `proof.inclusion` when the proof has no extra data.
    public func verifiedRecord(verifierKey: VerifierKey) throws(VerificationFinding) -> [UInt8] {
        guard let extra else {
            throw VerificationFinding(.inclusionProof, leafIndex: index, detail: "the proof carries no record (no extra line)")
        }
        let leafHash: SHA256Digest
        do { leafHash = try MerkleHash.leaf(extra) } catch {
            throw VerificationFinding(.inclusionProof, leafIndex: index, detail: "\(error)")
        }
        try verify(leafHash: leafHash, verifierKey: verifierKey)
        return extra
    }
}
