// An `s3://BUCKET/PREFIX` location: where a log is published, and the keys under it.

/// Why an `s3://` URL, bucket name or prefix was refused.
public enum S3LocationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text does not start with `s3://`.
    case notAnS3URL(String)
    /// Not a bucket name S3 accepts: 3 to 63 of `a-z 0-9 . -`, starting and ending with a
    /// letter or digit.
    case invalidBucketName(String)
    /// The prefix has an empty, `.` or `..` segment, or a query or fragment.
    case invalidPrefix(String)

    public var description: String {
        switch self {
        case .notAnS3URL(let text): return "\"\(text)\" is not an s3://BUCKET/PREFIX URL"
        case .invalidBucketName(let name):
            return "\"\(name)\" is not a valid bucket name (3 to 63 of a-z, 0-9, '.', '-', starting and ending with a letter or digit)"
        case .invalidPrefix(let prefix): return "\"\(prefix)\" is not a valid key prefix (empty, '.' or '..' segment, '?' or '#')"
        }
    }
}

/// A bucket and a key prefix, written `s3://BUCKET/PREFIX`. The prefix is empty or ends with
/// `/`, so that ``key(_:)`` joins with exactly one slash.
///
/// ```swift
/// let log = try S3Location(parsing: "s3://orchard/logs/duoduo")
/// log.key("checkpoint")     // "logs/duoduo/checkpoint"
/// log.description           // "s3://orchard/logs/duoduo/"
/// ```
public struct S3Location: Sendable, Hashable, CustomStringConvertible {
    public let bucket: String
    /// Empty, or segments each followed by `/` (`logs/duoduo/`).
    public let prefix: String

    /// Parses `s3://BUCKET`, `s3://BUCKET/` or `s3://BUCKET/PREFIX[/]`.
    /// - Throws: ``S3LocationError``.
    public init(parsing text: String) throws(S3LocationError) {
        guard text.hasPrefix("s3://") else { throw .notAnS3URL(text) }
        let rest = text.dropFirst(5)
        let slash = rest.firstIndex(of: "/")
        let bucket = String(rest[..<(slash ?? rest.endIndex)])
        let prefix = slash.map { String(rest[rest.index(after: $0)...]) } ?? ""
        try self.init(bucket: bucket, prefix: prefix)
    }

    /// A location from its parts; the prefix may omit its final `/`.
    /// - Throws: ``S3LocationError``.
    public init(bucket: String, prefix: String = "") throws(S3LocationError) {
        guard Self.isValidBucketName(bucket) else { throw .invalidBucketName(bucket) }
        self.bucket = bucket
        self.prefix = try Self.normalizedPrefix(prefix)
    }

    /// The key of `relative` under the prefix (a leading `/` of `relative` is dropped).
    public func key(_ relative: String) -> String {
        prefix + (relative.hasPrefix("/") ? String(relative.dropFirst()) : relative)
    }

    /// The location `component` deeper (`s3://b/logs/` + `duoduo` = `s3://b/logs/duoduo/`).
    /// - Throws: ``S3LocationError/invalidPrefix(_:)``.
    public func appending(_ component: String) throws(S3LocationError) -> S3Location {
        try S3Location(bucket: bucket, prefix: key(component))
    }

    public var description: String { "s3://\(bucket)/\(prefix)" }

    static func isValidBucketName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count) else { return false }
        func alphanumeric(_ b: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
        }
        guard alphanumeric(bytes.first!), alphanumeric(bytes.last!) else { return false }
        return bytes.allSatisfy { alphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
            && !name.contains("..")
    }

    static func normalizedPrefix(_ prefix: String) throws(S3LocationError) -> String {
        if prefix.isEmpty { return "" }
        guard !prefix.contains("?"), !prefix.contains("#") else { throw .invalidPrefix(prefix) }
        let body = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        let segments = body.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else { throw .invalidPrefix(prefix) }
        return body + "/"
    }
}
