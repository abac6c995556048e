import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardNode
import OrchardStore
import OrchardTesting
@testable import OrchardPublish

/// The witness's add-checkpoint rules (c2sp.org/tlog-witness), on checkpoints of real ledgers.
@Suite struct WitnessTests {
    static func body(old: UInt64, proof: [SHA256Digest], _ checkpoint: Checkpoint) -> String {
        "old \(old)\n" + proof.map { Base64.encode($0.bytes) + "\n" }.joined() + "\n" + checkpoint.text
    }

    @Test func aWitnessCosignsOnlyOneConsistentHistoryAndRemembersIt() throws {
        let a = try SimulatedLedger(seed: 31, events: 300, farms: 3, holdBack: 100)
        let b = try SimulatedLedger(seed: 32, events: 200, farms: 3)   // same genesis and sequencer key, another season
        let storeA = a.ledger.store, storeB = b.ledger.store
        #expect(try storeA.head().header.treeSize == storeB.head().header.treeSize, "two histories of one size")
        let state = try TemporaryDirectory()
        let config = WitnessConfiguration(name: "witness.example/coop", key: try Ed25519PrivateKey(seed: Array(repeating: 9, count: 32)),
                                          log: storeA.verifierKey, stateDirectory: state.path)
        var witness = try Witness(configuration: config)
        let cpA = try storeA.head().checkpoint, cpB = try storeB.head().checkpoint
        let n = cpA.treeSize

        // First contact: old 0 and no proof.
        guard case .cosigned(let line) = witness.addCheckpoint(Self.body(old: 0, proof: [], cpA), now: 1_800_000_000) else {
            Issue.record("the first checkpoint was not cosigned"); return
        }
        #expect(try Cosignature.timestamp(on: try cpA.adding(signatureLines: [line]), by: config.cosigner) == 1_800_000_000)
        // The other history of the same size: 409 with the size it knows, never a cosignature.
        #expect(witness.addCheckpoint(Self.body(old: n, proof: [], cpB)) == .conflict(knownSize: n))
        #expect(witness.addCheckpoint(Self.body(old: 0, proof: [], cpB)) == .conflict(knownSize: n))
        // The state survives a restart.
        witness = try Witness(configuration: config)
        #expect(witness.latestCheckpoint?.rootHash == cpA.rootHash)

        // A grown A with the right proof is cosigned; a proof from B's tree is not (422).
        _ = try storeA.append(a.heldBack.map { RecordInput.bytes($0) }, nowMillis: Fixtures.now)
        let grown = try storeA.head().checkpoint
        let wrongProof = try storeA.consistencyProof(from: n - 1, to: grown.treeSize).proof
        guard case .inconsistent = witness.addCheckpoint(Self.body(old: n, proof: wrongProof, grown)) else {
            Issue.record("a wrong proof was accepted"); return
        }
        guard case .cosigned = witness.addCheckpoint(Self.body(old: n, proof: try storeA.consistencyProof(from: n, to: grown.treeSize).proof, grown)) else {
            Issue.record("a consistent checkpoint was refused"); return
        }
        // Going back is refused: the old size it knows has moved on.
        #expect(witness.addCheckpoint(Self.body(old: n, proof: [], cpA)) == .conflict(knownSize: grown.treeSize))

        // Another log's checkpoint (404), one not signed by the log's key (403), a malformed body (400).
        let stranger = try Checkpoint.sign(origin: "other.example/log", treeSize: 1, rootHash: grown.rootHash, key: try Ed25519PrivateKey())
        guard case .unknownOrigin = witness.addCheckpoint(Self.body(old: 0, proof: [], stranger)) else { Issue.record("404 expected"); return }
        let forged = try Checkpoint.sign(origin: grown.origin, treeSize: grown.treeSize + 1, rootHash: grown.rootHash, key: try Ed25519PrivateKey())
        guard case .forbidden = witness.addCheckpoint(Self.body(old: grown.treeSize, proof: [], forged)) else { Issue.record("403 expected"); return }
        guard case .badRequest = witness.addCheckpoint("old x\n\n" + grown.text) else { Issue.record("400 expected"); return }
        guard case .badRequest = witness.addCheckpoint(Self.body(old: grown.treeSize + 5, proof: [], grown)) else { Issue.record("400 expected"); return }
    }

    /// The split view the witnesses exist to catch: the sequencer shows history A to one witness
    /// and B (same size) to another. Each cosigns what it saw; no checkpoint gets both.
    @Test func aSplitViewNeverGetsTwoCosignatures() throws {
        let a = try SimulatedLedger(seed: 41, events: 150, farms: 2)
        let b = try SimulatedLedger(seed: 42, events: 150, farms: 2)
        let cpA = try a.ledger.store.head().checkpoint, cpB = try b.ledger.store.head().checkpoint
        #expect(cpA.treeSize == cpB.treeSize && cpA.rootHash != cpB.rootHash)
        var witnesses = [Witness]()
        for i in 0 ..< 2 {
            let config = WitnessConfiguration(name: "witness.example/w\(i)", key: try Ed25519PrivateKey(seed: Array(repeating: UInt8(20 + i), count: 32)),
                                              log: a.ledger.store.verifierKey, stateDirectory: try TemporaryDirectory().path)
            witnesses.append(try Witness(configuration: config))
        }
        guard case .cosigned(let lineA) = witnesses[0].addCheckpoint(Self.body(old: 0, proof: [], cpA)),
              case .cosigned(let lineB) = witnesses[1].addCheckpoint(Self.body(old: 0, proof: [], cpB)) else {
            Issue.record("first contact refused"); return
        }
        // Each witness refuses the other's view.
        #expect(witnesses[0].addCheckpoint(Self.body(old: cpB.treeSize, proof: [], cpB)) == .conflict(knownSize: cpA.treeSize))
        #expect(witnesses[1].addCheckpoint(Self.body(old: cpA.treeSize, proof: [], cpA)) == .conflict(knownSize: cpB.treeSize))
        // A line moved onto the other view does not verify there.
        let cosigners = witnesses.map(\.configuration.cosigner)
        let aWithBoth = try cpA.adding(signatureLines: [lineA, lineB])
        #expect(try cosigners.filter { try Cosignature.timestamp(on: aWithBoth, by: $0) != nil }.count == 1)
    }
}
