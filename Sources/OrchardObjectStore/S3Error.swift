// The S3 client's errors, and the little XML S3 answers with (errors and listings), read by a
// minimal scan: S3's documents are flat, and their text is entity-escaped.

/// An S3 error code, as the `<Code>` of an error document says it (`NoSuchKey`,
/// `SignatureDoesNotMatch`, …).
public struct S3ErrorCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let accessDenied = S3ErrorCode(rawValue: "AccessDenied")
    public static let bucketAlreadyOwnedByYou = S3ErrorCode(rawValue: "BucketAlreadyOwnedByYou")
    public static let invalidAccessKeyId = S3ErrorCode(rawValue: "InvalidAccessKeyId")
    public static let noSuchBucket = S3ErrorCode(rawValue: "NoSuchBucket")
    public static let noSuchKey = S3ErrorCode(rawValue: "NoSuchKey")
    public static let preconditionFailed = S3ErrorCode(rawValue: "PreconditionFailed")
    public static let signatureDoesNotMatch = S3ErrorCode(rawValue: "SignatureDoesNotMatch")
}

/// Why an S3 call failed.
public enum S3ClientError: Error, CustomStringConvertible {
    /// The service answered with an error: the HTTP status and, from the error document when
    /// there is one (never for HEAD), S3's code and message; the key asked for, if any.
    case service(status: Int, code: S3ErrorCode?, message: String?, key: String?)
    /// No answer: the connection failed or timed out (async-http-client's error).
    case transport(any Error)
    /// The request could not be signed.
    case signing(SigV4Error)
    /// The endpoint is not an `http://` or `https://` URL without a path.
    case invalidEndpoint(String)
    /// Not a bucket name S3 accepts.
    case invalidBucket(String)
    /// An empty key.
    case invalidKey(String)
    /// The environment lacks a credential variable.
    case missingCredentials(variable: String)
    /// A listing answered 200 without the ListObjectsV2 document (the element missing).
    case malformedListing(missingElement: String)

    public var description: String {
        switch self {
        case let .service(status, code, message, key):
            let what = key.map { " for key \"\($0)\"" } ?? ""
            let detail = [code?.rawValue, message].compactMap { $0 }.joined(separator: ": ")
            return "S3 answered HTTP \(status)\(what)" + (detail.isEmpty ? "" : " (\(detail))")
        case .transport(let error): return "S3 request failed: \(error)"
        case .signing(let error): return "\(error)"
        case .invalidEndpoint(let endpoint): return "\"\(endpoint)\" is not an S3 endpoint (http[s]://host[:port])"
        case .invalidBucket(let bucket): return "\"\(bucket)\" is not a valid bucket name"
        case .invalidKey(let key): return "\"\(key)\" is not a valid object key"
        case .missingCredentials(let variable): return "\(variable) is not set"
        case .malformedListing(let element): return "the bucket listing has no <\(element)>"
        }
    }

    /// The S3 error code, when the service sent one.
    public var code: S3ErrorCode? {
        if case .service(_, let code, _, _) = self { return code }
        return nil
    }

    /// The HTTP status, when the service answered.
    public var status: Int? {
        if case .service(let status, _, _, _) = self { return status }
        return nil
    }
}

/// The element texts of a flat XML document.
enum XMLScan {
    /// The raw contents of every `<name>…</name>` in `text`, in order (elements with attributes
    /// are not matched; S3 puts none on the ones read here).
    static func elements(_ name: String, in text: Substring) -> [Substring] {
        let open = "<\(name)>", close = "</\(name)>"
        var found: [Substring] = []
        var rest = text[...]
        while let start = rest.firstRange(of: open), let end = rest[start.upperBound...].firstRange(of: close) {
            found.append(rest[start.upperBound..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return found
    }

    /// The decoded text of the first `<name>` in `text`.
    static func text(_ name: String, in text: Substring) -> String? {
        elements(name, in: text).first.map(unescape)
    }

    /// Replaces XML's five entities and numeric character references.
    static func unescape(_ raw: Substring) -> String {
        guard raw.contains("&") else { return String(raw) }
        var out = ""
        var rest = raw
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let number: UInt32? = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16)
                    : entity.hasPrefix("#") ? UInt32(entity.dropFirst(), radix: 10) : nil
                if let number, let scalar = Unicode.Scalar(number) { out.unicodeScalars.append(scalar) } else { out += rest[amp...semi] }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}

/// S3's error document: `<Error><Code>…</Code><Message>…</Message>…</Error>`.
enum ErrorXML {
    static func parse(_ body: [UInt8]) -> (code: String?, message: String?) {
        let text = Substring(String(decoding: body, as: UTF8.self))
        guard let error = XMLScan.elements("Error", in: text).first else { return (nil, nil) }
        return (XMLScan.text("Code", in: error), XMLScan.text("Message", in: error))
    }
}

/// A ListObjectsV2 answer: `<Contents>` with `<Key>`, `<Size>`, `<ETag>`; `<IsTruncated>` and
/// `<NextContinuationToken>`.
enum ListingXML {
    static func parse(_ body: [UInt8]) throws(S3ClientError) -> (objects: [S3ListedObject], nextContinuationToken: String?) {
        let text = Substring(String(decoding: body, as: UTF8.self))
        guard text.contains("<ListBucketResult") else { throw .malformedListing(missingElement: "ListBucketResult") }
        var objects: [S3ListedObject] = []
        for contents in XMLScan.elements("Contents", in: text) {
            guard let key = XMLScan.text("Key", in: contents) else { throw .malformedListing(missingElement: "Key") }
            objects.append(S3ListedObject(key: key, size: XMLScan.text("Size", in: contents).flatMap { Int($0) } ?? 0,
                                          etag: XMLScan.text("ETag", in: contents)))
        }
        // (Element text cannot hold a raw "<", so a key never looks like these.)
        let truncated = XMLScan.text("IsTruncated", in: text) == "true"
        let token = XMLScan.text("NextContinuationToken", in: text)
        if truncated && token == nil { throw .malformedListing(missingElement: "NextContinuationToken") }
        return (objects, truncated ? token : nil)
    }
}
