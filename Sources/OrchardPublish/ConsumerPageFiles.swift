// The consumer page as the bucket serves it: the node's own page (the same static document, with
// the ledger's verifier key), at `page/lot.html`, where the cache sends browsers for any lot.
import OrchardLedger
import OrchardNode

public enum ConsumerPageFiles {
    /// The page, briefly cached (it changes only with a new version of orchard).
    public static func objects(verifierKey: VerifierKey) -> [(key: String, body: [UInt8], metadata: ObjectMetadata)] {
        [(PublishedLayout.page, Array(ConsumerPage.html(verifierKey: verifierKey.description).utf8),
          ObjectMetadata(contentType: ConsumerPage.contentType, cacheControl: "public, max-age=300"))]
    }
}
