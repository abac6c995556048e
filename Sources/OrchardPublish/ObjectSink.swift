// Where a publisher writes: an S3 bucket (through OrchardObjectStore) or a directory. Immutable
// objects are created only where nothing is (`If-None-Match: *`); finding an object already there,
// the publisher compares bytes, so a repeated publish is idempotent and a different object under
// an immutable name is an alarm, never an overwrite.
import Foundation

/// How an object is served: its content type and caching.
public struct ObjectMetadata: Sendable, Hashable {
    public var contentType: String
    public var cacheControl: String

    public init(contentType: String, cacheControl: String) {
        self.contentType = contentType
        self.cacheControl = cacheControl
    }

    /// Never changes once written: cached for a year.
    public static func immutable(_ contentType: String) -> ObjectMetadata {
        ObjectMetadata(contentType: contentType, cacheControl: "public, max-age=31536000, immutable")
    }

    /// Replaced as the log grows: cached for `seconds`.
    public static func mutable(_ contentType: String, maxAge seconds: Int) -> ObjectMetadata {
        ObjectMetadata(contentType: contentType, cacheControl: "public, max-age=\(seconds)")
    }
}

/// What a create-only write found.
public enum CreateOutcome: Sendable, Equatable {
    case created
    /// Something was there already: its bytes.
    case existing([UInt8])
}

/// A store of named objects.
public protocol ObjectSink: Sendable {
    /// Writes `body` at `key` unless an object is there already, whose bytes are then returned.
    func create(_ key: String, body: [UInt8], metadata: ObjectMetadata) async throws -> CreateOutcome
    /// Writes `body` at `key`, replacing what is there.
    func replace(_ key: String, body: [UInt8], metadata: ObjectMetadata) async throws
    /// The object at `key`, or nil.
    func read(_ key: String) async throws -> [UInt8]?
}

/// Objects as files under a directory (`file://DIR`): for trying a publish without a bucket, and
/// for serving the log from any static web server.
public struct DirectorySink: ObjectSink {
    public let root: URL

    public init(directory: String) { root = URL(fileURLWithPath: directory, isDirectory: true) }

    private func url(_ key: String) -> URL { root.appendingPathComponent(key) }

    public func create(_ key: String, body: [UInt8], metadata: ObjectMetadata) async throws -> CreateOutcome {
        if let existing = try await read(key) { return .existing(existing) }
        try write(key, body)
        return .created
    }

    public func replace(_ key: String, body: [UInt8], metadata: ObjectMetadata) async throws { try write(key, body) }

    public func read(_ key: String) async throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: url(key).path) else { return nil }
        return [UInt8](try Data(contentsOf: url(key)))
    }

    private func write(_ key: String, _ body: [UInt8]) throws {
        let target = url(key)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(body).write(to: target, options: .atomic)
    }
}
