// What a verified bundle proves, ready to show: the events (each with the participant whose key
// signed it), the genesis and the registry as replayed, the lineage, and the checkpoint(s). A
// short summary is rendered here; the full human journey is built on these values elsewhere.
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// A bundle that verified: every value here was checked against the trust anchor.
public struct VerifiedBundle: Sendable {
    public let subject: TraceKey
    public let code: String?
    public let genesis: Genesis
    /// The ledger ID: `SHA-256(JCS(block 0 header))`.
    public let ledgerID: SHA256Digest
    /// The checkpoint the bundle's proofs are against.
    public let checkpoint: Checkpoint
    /// The newer checkpoint shown consistent with it, if one was given.
    public let newerCheckpoint: Checkpoint?
    /// The journey's event records, in leaf order, each verified.
    public let events: [TraceRecord]
    /// The leaves of the registry records the bundle carried (replayed in this order).
    public let registryLeaves: [UInt64]
    /// The registry after replaying genesis and those records. Registry changes take effect from
    /// the leaf after theirs, so it answers `signer(_:atLeaf:)` for every event of the bundle.
    public let registry: Registry
    /// The lineage recomputed from the events (equal to the bundle's claim).
    public let lots: [TraceBundle.Lot]
    /// Which journey the bundle holds.
    public var direction: TraceDirection = .backward
    /// Per identifier of the journey, the events the lot map commits to and the bundle holds
    /// (all of them, when verified); nil for an `orchard-bundle/1` file, which proves no
    /// completeness.
    public var completeness: [LotCompleteness]? = nil

    /// The participant whose key signed `event`, as registered at its leaf (nil when the
    /// programme authority signed an error declaration).
    public func signer(of event: TraceRecord) -> Participant? {
        guard let key = event.record.signer else { return nil }
        return try? registry.signer(key, atLeaf: event.leafIndex).get().1
    }

    /// The distinct participants who signed events, in order of their first event.
    public var signers: [Participant] {
        var seen = Set<String>(), out = [Participant]()
        for e in events { if let p = signer(of: e), seen.insert(p.id).inserted { out.append(p) } }
        return out
    }
}

// MARK: Rendering

extension VerifiedBundle {
    /// The business step without its CBV or Orchard prefix: `shipping`, `harvesting` ("-" if none).
    static func stepWord(_ step: String?) -> String {
        step == nil ? "-" : StepDescriber.stepWord(step)
    }

    /// A few lines for people: what was verified, and one line per event (leaf, time, step,
    /// signer).
    public var summaryLines: [String] {
        var lines = ["✓ bundle verified: \(subject.rawValue)"]
        if let code, code != subject.rawValue { lines.append("  code        \(code)") }
        lines.append("  ledger      \(genesis.origin) (\(genesis.name)), ID \(ledgerID.hex)")
        lines.append("  checkpoint  tree size \(checkpoint.treeSize), root \(checkpoint.rootHash.hex)")
        if let newerCheckpoint {
            lines.append("  still valid at tree size \(newerCheckpoint.treeSize) (consistency proof verified)")
        }
        lines.append("  \(events.count) event\(events.count == 1 ? "" : "s"), \(lots.count) identifier\(lots.count == 1 ? "" : "s"), \(signers.count) signer\(signers.count == 1 ? "" : "s")")
        if let completeness {
            lines.append("  complete: the lot map commits to every event of the \(direction.rawValue) journey, and all are here")
            for c in completeness {
                lines.append("    ✓ \(Journey.label(c.key)): \(c.carried) of \(c.committed) event\(c.committed == 1 ? "" : "s") (leaves \(c.span.lowerBound)–\(c.span.upperBound); \(c.total) in all)")
            }
        } else {
            lines.append("  completeness not proven: an orchard-bundle/1 file carries no lot map openings")
        }
        return lines
    }

    /// The verified journey, described as a trace describes it: every event's signature checked
    /// with the key valid at its leaf and included in the checkpoint's tree (else verification
    /// would have failed).
    public var journey: Journey {
        let verdict = Verdict(signatureProblem: nil, inclusionProblem: nil, treeSize: checkpoint.treeSize)
        return Journey(subject: subject, direction: direction, records: events, genesis: genesis, registry: registry,
                       verdicts: Dictionary(uniqueKeysWithValues: events.map { ($0.leafIndex, verdict) }))
    }

    /// The summary as JSON: `{"verified": true, "subject", "code"?, "origin", "ledgerID",
    /// "checkpoint": {"treeSize", "rootHash"}, "newerCheckpoint"?, "lots", "signers", "events"}`.
    public var summaryJSON: JSONValue {
        var m = [JSONMember("verified", .bool(true)), JSONMember("subject", .string(subject.rawValue))]
        if let code { m.append(JSONMember("code", .string(code))) }
        func cp(_ c: Checkpoint) -> JSONValue {
            .object([JSONMember("treeSize", .number(JSONNumber(Int(c.treeSize)))), JSONMember("rootHash", .string(c.rootHash.hex))])
        }
        m += [JSONMember("origin", .string(genesis.origin)), JSONMember("ledgerID", .string(ledgerID.hex)),
              JSONMember("checkpoint", cp(checkpoint))]
        if let newerCheckpoint { m.append(JSONMember("newerCheckpoint", cp(newerCheckpoint))) }
        m.append(JSONMember("lots", .number(JSONNumber(lots.count))))
        m.append(JSONMember("signers", .array(signers.map { p in
            var s = [JSONMember("id", .string(p.id)), JSONMember("name", .string(p.name)), JSONMember("role", .string(p.role))]
            if let province = p.province { s.append(JSONMember("province", .string(province))) }
            return .object(s)
        })))
        m.append(JSONMember("events", .array(events.map { e in
            var ev = [JSONMember("leaf", .number(JSONNumber(Int(e.leafIndex)))), JSONMember("eventID", .string(e.eventID.uri)),
                      JSONMember("eventTime", .string(e.event.eventTime)), JSONMember("bizStep", .string(Self.stepWord(e.event.bizStep)))]
            ev.append(JSONMember("signer", .string(signer(of: e)?.id ?? "authority")))
            return .object(ev)
        })))
        m.append(JSONMember("direction", .string(direction.rawValue)))
        m.append(JSONMember("complete", completeness.map { cs in .array(cs.map { c in
            .object([JSONMember("key", .string(c.key.rawValue)), JSONMember("committed", .number(JSONNumber(c.committed))),
                     JSONMember("carried", .number(JSONNumber(c.carried))), JSONMember("total", .number(JSONNumber(Int(c.total)))),
                     JSONMember("from", .number(JSONNumber(Int(c.span.lowerBound)))), JSONMember("until", .number(JSONNumber(Int(c.span.upperBound))))])
        }) } ?? .null))
        return .object(m)
    }
}

extension VerifiedBundle {
    /// The registered witnesses — participants whose registration (in genesis or a registry record
    /// the bundle carries) names a witness key — with a valid cosignature on the bundle's
    /// checkpoint, or on the newer checkpoint it was shown consistent with.
    public var witnessCosignatures: [(participant: Participant, witness: CosignerKey, timestamp: UInt64)] {
        registry.participants.values.sorted { $0.id < $1.id }.compactMap { p in
            guard let w = p.witness else { return nil }
            for c in [checkpoint] + (newerCheckpoint.map { [$0] } ?? []) {
                if let t = try? Cosignature.timestamp(on: c, by: w) { return (p, w, t) }
            }
            return nil
        }
    }
}
