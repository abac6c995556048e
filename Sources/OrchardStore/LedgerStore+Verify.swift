// A quick self-check of a ledger: the genesis block, the head and the most recent blocks, with
// every hash, link, signature and leaf in them recomputed. Findings are data (block, leaf, check,
// expected, found). The full replay from genesis is the audit.
import OrchardCrypto
import OrchardLedger
import OrchardModel

extension LedgerStore {
    /// Checks block 0 and the last `blocks` blocks: header signatures, hash links, tree sizes,
    /// roots recomputed from stored tree nodes, checkpoint signatures, each record's canonical
    /// form and signature (with the key valid at its leaf), and the stored subtree hashes over
    /// the records. Every finding is reported, record by record.
    public func verifyRecent(blocks count: UInt64 = 16) throws -> VerificationReport {
        var report = VerificationReport()
        let headHeight = try head().header.height
        let from = headHeight >= count ? headHeight - count + 1 : 1
        var heights: [UInt64] = [0]
        if headHeight >= 1, count > 0 { heights += Array(from...headHeight) }
        let registry = try self.registry
        for h in heights {
            let block: SignedBlock
            do { block = try self.block(height: h) } catch let e as StoreError {
                report.findings.append(VerificationFinding(.unreadable, blockHeight: h, detail: e.description))
                continue
            }
            report.findings += try check(block, registry: registry, records: &report.recordsChecked)
            report.blocksChecked.append(h)
        }
        return report
    }

    private func check(_ block: SignedBlock, registry: Registry, records: inout Int) throws -> [VerificationFinding] {
        let header = block.header
        let origin = genesis.origin
        let height = header.height
        var findings = [VerificationFinding]()
        func finding(_ check: VerificationFinding.Check, leaf: UInt64? = nil, id: EventID? = nil, expected: String? = nil,
                     found: String? = nil, _ detail: String) {
            findings.append(VerificationFinding(check, blockHeight: height, leafIndex: leaf, eventID: id, expected: expected,
                                                found: found, detail: detail))
        }
        if try !genesis.sequencerKey.isValidSignature(block.signature, for: header.signingMessage(origin: origin)) {
            finding(.blockSignature, expected: genesis.sequencerKey.keyID.rawValue, "the sequencer's signature on the block header does not verify")
        }
        let hash = try header.hash
        if height == 0 {
            if hash != genesisHash { finding(.genesisHash, expected: genesisHash.hex, found: hash.hex, "block 0 does not hash to the ledger's genesis hash") }
        } else {
            let previous = try self.block(height: height - 1).header
            let previousHash = try previous.hash
            if header.previousHash != previousHash {
                finding(.previousHash, expected: previousHash.hex, found: header.previousHash.hex, "previousHash is not the hash of block \(height - 1)")
            }
            if header.firstLeaf != previous.treeSize {
                finding(.firstLeaf, expected: "\(previous.treeSize)", found: "\(header.firstLeaf)", "firstLeaf does not follow block \(height - 1)'s tree size")
            }
        }
        if header.treeSize != header.firstLeaf + header.recordCount {
            finding(.treeSize, expected: "\(header.firstLeaf + header.recordCount)", found: "\(header.treeSize)", "treeSize ≠ firstLeaf + recordCount")
        }
        let root = try rootHash(treeSize: header.treeSize)
        if root != header.rootHash {
            finding(.rootHash, expected: header.rootHash.hex, found: root.hex, "the stored tree's root at size \(header.treeSize) differs from the header's")
        }
        let cp = block.checkpoint
        if cp.origin != origin || cp.treeSize != header.treeSize || cp.rootHash != header.rootHash {
            finding(.checkpointContent, expected: "\(origin) \(header.treeSize) \(header.rootHash.hex)",
                    found: "\(cp.origin) \(cp.treeSize) \(cp.rootHash.hex)", "the checkpoint does not match the header")
        }
        if try !cp.isSigned(by: genesis.sequencerKey) { finding(.checkpointSignature, "the checkpoint signature does not verify") }
        // Each record on its own first (a changed record is named by its leaf), then the stored
        // subtree hashes that tie the records to the root.
        for leaf in header.firstLeaf..<header.treeSize {
            let bytes: [UInt8], record: SignedRecord
            do {
                bytes = try recordBytes(leaf: leaf)
                record = try SignedRecord(recordBytes: bytes)
            } catch {
                finding(.unreadable, leaf: leaf, "the record cannot be read: \(error)")
                continue
            }
            records += 1
            if (try? JSONWriter.canonical(JSONParser.parse(bytes))) != bytes {
                finding(.recordCanonical, leaf: leaf, "the record is not in RFC 8785 canonical form")
            }
            switch record.kind {
            case .genesis:
                if leaf != 0 { finding(.recordKind, leaf: leaf, "a genesis record after leaf 0") }
            case .registry:
                if try !record.hasValidSignature(by: genesis.authorityKey, origin: origin) {
                    finding(.recordSignature, leaf: leaf, expected: genesis.authorityKey.keyID.rawValue, "the registry change is not signed by the authority")
                }
            case .event:
                let id = try? EventID.compute(for: record.payload, context: record.payload["@context"])
                guard let signer = record.signer, case let .success((state, _)) = registry.signer(signer, atLeaf: leaf) else {
                    finding(.signerKey, leaf: leaf, id: id, found: record.signer?.rawValue, "the signer is not a key valid at this leaf")
                    continue
                }
                if try !record.hasValidSignature(by: state.key, origin: origin) {
                    finding(.recordSignature, leaf: leaf, id: id, expected: signer.rawValue, "the event signature does not verify")
                }
            }
        }
        findings += try checkLeafGroups(from: header.firstLeaf, to: header.treeSize, height: height)
        return findings
    }

    /// Recomputes each complete 32-leaf group in `from..<to` from its records and compares it
    /// with the stored subtree hash.
    private func checkLeafGroups(from: UInt64, to: UInt64, height: UInt64) throws -> [VerificationFinding] {
        let size = try head().header.treeSize
        return try read { txn in
            let reader = TileNodeReader(txn: txn, db: db)
            var findings = [VerificationFinding]()
            var group = from / TreeTiles.width
            while group * TreeTiles.width < to {
                let first = group * TreeTiles.width, last = (group + 1) * TreeTiles.width - 1
                if last < size {
                    var hashes = try (first...last).map { try reader.leafHash($0) }
                    while hashes.count > 1 { hashes = try stride(from: 0, to: hashes.count, by: 2).map { try MerkleHash.node(hashes[$0], hashes[$0 + 1]) } }
                    if let stored = try reader.storedNode(level: TreeTiles.height, index: group) {
                        if stored != hashes[0] {
                            findings.append(VerificationFinding(.subtreeHash, blockHeight: height, expected: stored.hex, found: hashes[0].hex,
                                                                detail: "leaves \(first)–\(last) do not hash to the stored subtree over them"))
                        }
                    } else {
                        findings.append(VerificationFinding(.subtreeHash, blockHeight: height, detail: "no stored subtree hash over leaves \(first)–\(last)"))
                    }
                }
                group += 1
            }
            return findings
        }
    }
}
