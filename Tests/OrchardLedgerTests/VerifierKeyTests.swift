import Testing
import OrchardCrypto
import OrchardLedger

@Suite("VerifierKey (C2SP signed-note)")
struct VerifierKeyTests {
    /// The verifier key of the example in golang.org/x/mod/sumdb/note (note_test.go), which
    /// c2sp.org/signed-note follows: written by others, so our key hash and encoding are pinned.
    static let peterNeumann = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"

    @Test("the published example key reads and writes back unchanged")
    func publishedExample() throws {
        let key = try VerifierKey(Self.peterNeumann)
        #expect(key.name == "PeterNeumann")
        #expect(Hex.encode(try key.keyHash) == "c74f20a3")
        #expect(key.description == Self.peterNeumann)
    }

    @Test("a wrong key hash, a wrong type byte and a missing field are each named")
    func refusals() {
        func reason(_ text: String) -> String {
            do { _ = try VerifierKey(text); return "accepted" } catch { return error.reason }
        }
        #expect(reason("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").contains("does not match"))
        #expect(reason("PeterNeumann+c74f20a3+AhpjcRgUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").contains("not Ed25519"))
        #expect(reason("PeterNeumann+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").contains("three fields"))
        #expect(reason("PeterNeumann+zz4f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").contains("8 hexadecimal"))
    }
}
