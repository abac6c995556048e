// libFuzzer target: the published log's and the witnesses' decoders, fed the input as bytes and
// as text.
//
// TlogTiles.entries(ofBundle:) and hashes(ofTile:), AddCheckpointRequest(body:), CosignerKey(_:),
// VerifierKey(_:), and Cosignature.timestamp(on:by:) on any checkpoint the input holds.
// Properties:
//  1. an entry bundle that reads writes back to the same bytes;
//  2. a tile that reads has 1–256 hashes whose bytes are the tile's;
//  3. an add-checkpoint request that reads writes a body that reads back to the same request;
//  4. a cosigner or verifier key that reads writes text that reads back to the same key;
//  5. a cosignature found on a checkpoint is still found after the same line is added again.
@testable import OrchardLedger
import OrchardCrypto

let cosigner = CosignerKey(name: "witness.fuzz/w", key: try! Ed25519PrivateKey(seed: Array(repeating: 7, count: 32)).publicKey)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTlog(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let text = String(decoding: bytes, as: UTF8.self)
    if let entries = try? TlogTiles.entries(ofBundle: bytes) {
        require((try? TlogTiles.entryBundle(entries)) == bytes, "entry bundle does not round-trip")
    }
    if let hashes = try? TlogTiles.hashes(ofTile: bytes) {
        require((1...256).contains(hashes.count) && hashes.flatMap(\.bytes) == bytes, "tile hashes are not the tile's bytes")
    }
    if let request = try? AddCheckpointRequest(body: text) {
        let again = try? AddCheckpointRequest(body: request.body)
        require(again == request, "add-checkpoint request does not round-trip")
        if let found = try? Cosignature.timestamp(on: request.checkpoint, by: cosigner) {
            let lines = request.checkpoint.text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("\u{2014} ") }
            if let doubled = try? request.checkpoint.adding(signatureLines: lines) {
                require((try? Cosignature.timestamp(on: doubled, by: cosigner)) == found, "a cosignature was lost by adding lines again")
            }
        }
    }
    for line in text.split(separator: "\n").prefix(8) {
        if let key = try? CosignerKey(String(line)) { require((try? CosignerKey(key.description)) == key, "cosigner key does not round-trip") }
        if let key = try? VerifierKey(String(line)) { require((try? VerifierKey(key.description)) == key, "verifier key does not round-trip") }
    }
    return 0
}
