// The publisher's sink in an S3 bucket: create-only writes with `If-None-Match: *` (a 412 is
// answered by reading what is there, for the publisher to compare), replacements, reads.
import OrchardCrypto
import OrchardObjectStore

public struct S3Sink: ObjectSink, ObjectSource {
    public let client: S3Client
    public let location: S3Location

    public init(client: S3Client, location: S3Location) {
        self.client = client
        self.location = location
    }

    /// The sink for `s3://BUCKET/PREFIX` at `endpoint`, with credentials from the environment.
    public static func make(url: String, endpoint: String?) throws -> S3Sink {
        let location = try S3Location(parsing: url)
        guard let endpoint else { throw S3SinkUsage(description: "an s3:// target needs --endpoint URL (e.g. http://127.0.0.1:8333)") }
        return S3Sink(client: try S3Client.fromEnvironment(endpoint: endpoint, bucket: location.bucket), location: location)
    }

    public func create(_ key: String, body: [UInt8], metadata: ObjectMetadata) async throws -> CreateOutcome {
        let name = location.key(key)
        switch try await client.put(key: name, body: body, contentType: metadata.contentType, cacheControl: metadata.cacheControl, ifNoneMatch: true) {
        case .created: return .created
        case .preconditionFailed:
            guard let there = try await client.get(key: name) else {
                // Taken a moment ago and gone now: not ours to decide; say what was seen.
                throw S3SinkUsage(description: "\(name): the bucket said the name was taken, then that nothing is there")
            }
            return .existing(there.body)
        }
    }

    public func replace(_ key: String, body: [UInt8], metadata: ObjectMetadata) async throws {
        try await client.put(key: location.key(key), body: body, contentType: metadata.contentType, cacheControl: metadata.cacheControl)
    }

    public func read(_ key: String) async throws -> [UInt8]? {
        try await client.get(key: location.key(key))?.body
    }
}

/// A target that cannot be used as given.
public struct S3SinkUsage: Error, Sendable, CustomStringConvertible {
    public let description: String
}

extension S3ClientError: CategorizedError {
    /// A target given wrongly is a usage error (exit 64); the store failing or refusing, exit 4.
    public var category: FailureCategory {
        switch self {
        case .invalidEndpoint, .invalidBucket, .invalidKey, .missingCredentials: .usage
        default: .ledgerError
        }
    }
}
