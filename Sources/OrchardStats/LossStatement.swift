// Signed, recomputable loss statistics: a statement carries the report, the exact query and the
// sequencer's checkpoint it was computed at, signed by whoever publishes it (an auditor, the
// sequencer). Anyone with a copy of the ledger recomputes the report at that checkpoint's tree
// size and compares it figure by figure (Docs/LOSS.md §7).
import OrchardCrypto
import OrchardLedger
import OrchardModel

public enum LossStatement {
    public static let format = "orchard-loss-statement/1"
    /// What is signed: this line, then the RFC 8785 bytes of the `statement` member.
    static let domain = Array("orchard loss statement v1\n".utf8)

    /// A statement of `report` (as JSON), computed at `checkpoint`, signed by `key`.
    public static func make(report: JSONValue, checkpoint: Checkpoint, key: Ed25519PrivateKey) throws(CryptoError) -> JSONValue {
        let statement = JSONValue.object([
            JSONMember("format", .string(format)),
            JSONMember("origin", .string(checkpoint.origin)),
            JSONMember("treeSize", .number(JSONNumber(Int(checkpoint.treeSize)))),
            JSONMember("checkpoint", .string(checkpoint.text)),
            JSONMember("query", report["query"] ?? .null),
            JSONMember("report", report),
        ])
        let sig = try key.signature(for: domain + JSONWriter.canonical(statement))
        return .object([
            JSONMember("statement", statement),
            JSONMember("signature", .object([JSONMember("alg", "Ed25519"), JSONMember("keyID", .string(key.publicKey.keyID.rawValue)),
                                             JSONMember("publicKey", .string(Base64.encode(key.publicKey.rawRepresentation))),
                                             JSONMember("sig", .string(Base64.encode(sig)))])),
        ])
    }

    /// A statement read and its signature checked (not yet recomputed).
    public struct Read: Sendable {
        public let statement: JSONValue
        public let report: JSONValue
        public let query: LossQuery
        public let checkpoint: Checkpoint
        public let signer: Ed25519PublicKey
    }

    /// Why a statement was refused before any recomputation.
    public struct Refusal: Error, CategorizedError, Sendable {
        public let description: String
        public let category: FailureCategory
    }

    /// Reads a statement and checks its signature.
    public static func read(_ bytes: [UInt8]) throws(Refusal) -> Read {
        func malformed(_ why: String) -> Refusal { Refusal(description: "not a loss statement: \(why)", category: .rejected) }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw malformed("\(error)") }
        guard let statement = json["statement"], let signature = json["signature"] else { throw malformed("expected {\"statement\": …, \"signature\": …}") }
        guard statement["format"]?.stringValue == format else {
            throw malformed("format is \(statement["format"].map { JSONWriter.compactString($0) } ?? "missing"), expected \"\(format)\"")
        }
        guard let report = statement["report"], let cpText = statement["checkpoint"]?.stringValue else { throw malformed("statement.report or statement.checkpoint missing") }
        let query: LossQuery
        do { query = try LossQuery(json: statement["query"] ?? .null) } catch { throw malformed("statement.\(error)") }
        guard report["query"].map({ JSONWriter.canonical($0) }) == statement["query"].map({ JSONWriter.canonical($0) }) else {
            throw Refusal(description: "statement.query differs from the query its report was computed for", category: .verificationFailed)
        }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(text: cpText) } catch { throw malformed("statement.checkpoint: \(error)") }
        guard statement["treeSize"]?.doubleValue == Double(checkpoint.treeSize), statement["origin"]?.stringValue == checkpoint.origin else {
            throw Refusal(description: "statement.treeSize or statement.origin differs from its checkpoint's", category: .verificationFailed)
        }
        guard let keyText = signature["publicKey"]?.stringValue, let raw = Base64.decode(keyText),
              let key = try? Ed25519PublicKey(rawRepresentation: raw),
              let sigText = signature["sig"]?.stringValue, let sig = Base64.decode(sigText) else {
            throw malformed("signature needs publicKey and sig (base64)")
        }
        guard (try? key.isValidSignature(sig, for: domain + JSONWriter.canonical(statement))) == true else {
            throw Refusal(description: "the statement's signature does not verify with key \(key.keyID.rawValue): it was altered after signing",
                          category: .verificationFailed)
        }
        return Read(statement: statement, report: report, query: query, checkpoint: checkpoint, signer: key)
    }

    /// A figure that differs.
    public struct Mismatch: Sendable, Hashable, CustomStringConvertible {
        public let path: String
        public let claimed: String
        public let recomputed: String
        public var description: String { "\(path): statement says \(claimed), the ledger gives \(recomputed)" }
    }

    /// Every figure of `claimed` against `recomputed`, member by member (numbers by their exact
    /// decimal value; rows matched by their group, in order).
    public static func compare(claimed: JSONValue, recomputed: JSONValue, path: String = "report") -> [Mismatch] {
        func text(_ v: JSONValue?) -> String { v.map { JSONWriter.compactString($0) } ?? "(missing)" }
        switch (claimed, recomputed) {
        case let (.object(a), .object(b)):
            var out = [Mismatch]()
            let keys = a.map(\.key) + b.map(\.key).filter { k in !a.contains { $0.key == k } }
            for k in keys {
                guard let x = claimed[k], let y = recomputed[k] else {
                    out.append(Mismatch(path: "\(path).\(k)", claimed: text(claimed[k]), recomputed: text(recomputed[k]))); continue
                }
                out += compare(claimed: x, recomputed: y, path: "\(path).\(k)")
            }
            return out
        case let (.array(a), .array(b)):
            var out = [Mismatch]()
            for i in 0..<max(a.count, b.count) {
                let label = a.indices.contains(i) ? Self.label(a[i]) : b.indices.contains(i) ? Self.label(b[i]) : nil
                let p = "\(path)[\(label ?? String(i))]"
                guard i < a.count, i < b.count else {
                    out.append(Mismatch(path: p, claimed: i < a.count ? text(a[i]) : "(missing)", recomputed: i < b.count ? text(b[i]) : "(missing)"))
                    continue
                }
                out += compare(claimed: a[i], recomputed: b[i], path: p)
            }
            return out
        case let (.number(x), .number(y)):
            if x.text == y.text { return [] }
            if let p = Mass(kilogramsText: x.text), let q = Mass(kilogramsText: y.text), p == q { return [] }
            return [Mismatch(path: path, claimed: x.text, recomputed: y.text)]
        default:
            return JSONWriter.canonical(claimed) == JSONWriter.canonical(recomputed) ? []
                : [Mismatch(path: path, claimed: text(claimed), recomputed: text(recomputed))]
        }
    }

    /// A row's group (`province=Shaanxi,stage=farm`) or stage, to name it in a mismatch.
    static func label(_ v: JSONValue) -> String? {
        if let g = v["group"]?.objectMembers { return g.map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: ",") }
        if let s = v["stage"]?.stringValue { return "stage=\(s)" }
        return nil
    }
}
