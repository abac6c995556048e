// One real object store (SeaweedFS + nginx, Tools/objectstore) for a whole suite: started before
// its first test, stopped after its last, handed to the tests as a task-local value.
import AsyncHTTPClient
import OrchardObjectStore
import OrchardTesting
import Testing

/// The store of the suite running now.
enum SharedObjectStore {
    @TaskLocal static var current: ObjectStoreHarness?

    /// The store, or an error telling that the suite lacks the `.objectStore` trait.
    static func get() throws -> ObjectStoreHarness { try #require(current, "the suite needs the .objectStore trait") }

    /// A client for the store's bucket with its credentials (or others, to test refusals).
    static func client(secret: String? = nil) throws -> S3Client {
        let store = try get()
        return try S3Client(endpoint: store.endpoint, bucket: store.bucket,
                            credentials: AWSCredentials(accessKeyID: store.accessKeyID,
                                                        secretAccessKey: secret ?? store.secretAccessKey),
                            region: store.region)
    }
}

/// Starts a store around the suite it is applied to (not recursive: once for the suite).
struct ObjectStoreTrait: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let store = try await ObjectStoreHarness.start()
        do {
            try await SharedObjectStore.$current.withValue(store) { try await function() }
        } catch {
            try? await store.stop()
            throw error
        }
        try await store.stop()
    }
}

extension Trait where Self == ObjectStoreTrait {
    /// A real SeaweedFS and nginx for the suite (Tools/objectstore; Tools/setup installs them).
    static var objectStore: Self { Self() }
}
