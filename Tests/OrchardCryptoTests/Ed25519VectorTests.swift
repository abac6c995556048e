import Foundation
import Testing
import OrchardCrypto
import OrchardTesting

/// RFC 8032 §7.1 and Wycheproof EdDSA vectors, read from ../shared/conformance/ed25519.
struct Ed25519VectorTests {
    struct RFCVector: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let secret_key: String
        let public_key: String
        let message: String
        let signature: String
        var testDescription: String { name }
    }

    static let rfcVectors: [RFCVector] = {
        struct File: Decodable { let vectors: [RFCVector] }
        guard let data = try? Conformance.data("ed25519/rfc8032_section7_1.json"),
              let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.vectors
    }()

    @Test("RFC 8032 vectors: the seed gives the public key and the exact signature", arguments: rfcVectors)
    func rfc8032(vector: RFCVector) throws {
        let key = try Ed25519PrivateKey(seed: try #require(Hex.decode(vector.secret_key)))
        #expect(Hex.encode(key.publicKey.rawRepresentation) == vector.public_key)
        let message = try #require(Hex.decode(vector.message))
        let signature = try key.signature(for: message)
        #expect(Hex.encode(signature) == vector.signature)
        #expect(try key.publicKey.isValidSignature(signature, for: message))
    }

    @Test("All five RFC 8032 vectors are present")
    func rfcCount() { #expect(Self.rfcVectors.count == 5) }

    struct WycheproofCase: Sendable, CustomTestStringConvertible {
        let file: String
        let tcId: Int
        let publicKey: String
        let msg: String
        let sig: String
        let valid: Bool
        var testDescription: String { "\(file) #\(tcId)" }
    }

    static func wycheproof(_ relative: String, keyPath: (JSONObject) -> String?) -> [WycheproofCase] {
        guard let data = try? Conformance.data(relative),
              let root = try? JSONSerialization.jsonObject(with: data) as? JSONObject,
              let groups = root["testGroups"] as? [JSONObject] else { return [] }
        var out = [WycheproofCase]()
        for g in groups {
            guard let pk = keyPath(g), let tests = g["tests"] as? [JSONObject] else { continue }
            for t in tests {
                out.append(WycheproofCase(file: (relative as NSString).lastPathComponent, tcId: t["tcId"] as? Int ?? -1,
                                          publicKey: pk, msg: t["msg"] as? String ?? "", sig: t["sig"] as? String ?? "",
                                          valid: (t["result"] as? String) == "valid"))
            }
        }
        return out
    }
    typealias JSONObject = [String: Any]

    static let wycheproofCases: [WycheproofCase] =
        wycheproof("ed25519/wycheproof/testvectors/eddsa_test.json") { ($0["key"] as? JSONObject)?["pk"] as? String }
        + wycheproof("ed25519/wycheproof/testvectors_v1/ed25519_test.json") { ($0["publicKey"] as? JSONObject)?["pk"] as? String }

    @Test("Wycheproof: valid signatures verify and every invalid one is rejected", arguments: wycheproofCases)
    func wycheproofCase(c: WycheproofCase) throws {
        let key = try Ed25519PublicKey(rawRepresentation: try #require(Hex.decode(c.publicKey)))
        let sig = Hex.decode(c.sig) ?? []
        let msg = try #require(Hex.decode(c.msg))
        #expect(try key.isValidSignature(sig, for: msg) == c.valid)
    }

    @Test("The Wycheproof sets are complete (295 cases, 123 invalid)")
    func wycheproofCount() {
        #expect(Self.wycheproofCases.count == 295)
        #expect(Self.wycheproofCases.filter { !$0.valid }.count == 123)
    }
}
