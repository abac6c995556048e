// What a ledger hands to someone who holds nothing else: its C2SP verifier key, and one record's
// inclusion as a C2SP tlog-proof that generic transparency-log tools check offline.
import OrchardLedger
import OrchardStore

extension LedgerStore {
    /// The ledger's C2SP signed-note verifier key: named by the origin, holding the genesis
    /// sequencer key, so it verifies every checkpoint this ledger signs.
    public var verifierKey: VerifierKey { VerifierKey(name: genesis.origin, key: genesis.sequencerKey) }
}

extension VerifiedInclusion {
    /// This inclusion as a C2SP tlog-proof, with the record's exact bytes (the RFC 9162 leaf
    /// data) as its `extra` data: the leaf hash is SHA-256(0x00 ‖ extra), so the proof file alone
    /// shows that this record is in the tree of the signed checkpoint.
    public var tlogProof: TlogProof {
        TlogProof(index: record.leafIndex, proof: proof, checkpoint: checkpoint, extra: record.recordBytes)
    }
}
