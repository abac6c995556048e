// AWS Signature Version 4 for requests signed in the Authorization header: the canonical
// request, the string to sign, the derived signing key and the header S3 (and any AWS-style
// service) checks. Pinned to AWS's published test suite and the S3 documentation's examples.
import Foundation
import OrchardCrypto

/// The keys a request is signed with: an access key ID, its secret, and for temporary
/// credentials the session token.
public struct AWSCredentials: Sendable, Hashable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// One header field of a request, as given (name in any case, value untrimmed).
public struct HTTPHeaderField: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) { (self.name, self.value) = (name, value) }
}

/// One query parameter, decoded (the signer encodes it).
public struct QueryParameter: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) { (self.name, self.value) = (name, value) }
}

/// What the signature says about the body: its SHA-256, or that it is not signed (S3's
/// `UNSIGNED-PAYLOAD`, which TLS or the object's own hash then protects).
public enum SigV4Payload: Sendable, Hashable {
    case sha256(SHA256Digest)
    case unsigned

    /// The payload hash of `body`.
    public static func of(_ body: [UInt8]) throws(SigV4Error) -> SigV4Payload {
        do { return .sha256(try SHA256.hash(body)) } catch { throw .crypto(error) }
    }

    /// The value of `x-amz-content-sha256` and the last line of the canonical request.
    public var headerValue: String {
        switch self {
        case .sha256(let digest): return digest.hex
        case .unsigned: return "UNSIGNED-PAYLOAD"
        }
    }
}

/// A request to sign. The path is decoded (`/bucket/a key`): the signer encodes each segment
/// once, as S3 wants, keeping `/`.
public struct SigV4Request: Sendable, Hashable {
    public var method: String
    public var path: String
    public var query: [QueryParameter]
    /// The headers to sign; `Host` must be among them.
    public var headers: [HTTPHeaderField]
    public var payload: SigV4Payload

    public init(method: String, path: String, query: [QueryParameter] = [], headers: [HTTPHeaderField],
                payload: SigV4Payload) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.payload = payload
    }
}

/// Why a request could not be signed.
public enum SigV4Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request has no `Host` header, which every signature covers.
    case missingHostHeader
    /// The access key ID is empty or holds a `/` (which would break the credential scope), or
    /// the secret is empty.
    case invalidCredentials
    /// libcrypto failed to hash or to compute an HMAC.
    case crypto(CryptoError)

    public var description: String {
        switch self {
        case .missingHostHeader: return "the request to sign has no Host header"
        case .invalidCredentials: return "the access key ID is empty or contains '/', or the secret access key is empty"
        case .crypto(let error): return "signing failed: \(error)"
        }
    }
}

/// A signed request: the headers to add, and the intermediate texts AWS's test suite checks.
public struct SigV4Signature: Sendable, Hashable {
    public let canonicalRequest: String
    public let stringToSign: String
    /// The signature, 64 lowercase hexadecimal digits.
    public let signature: String
    /// The signed header names, lowercase, sorted, `;`-separated.
    public let signedHeaders: String
    /// The `Authorization` header's value.
    public let authorization: String
    /// What to add to the request: `X-Amz-Date`, `x-amz-content-sha256` when declared,
    /// `X-Amz-Security-Token` for a session, and `Authorization`.
    public let headers: [HTTPHeaderField]
}

/// Signs requests with AWS Signature Version 4 (`AWS4-HMAC-SHA256`) in the Authorization header.
///
/// ```swift
/// let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3")
/// let signed = try signer.sign(SigV4Request(method: "GET", path: "/orchard/checkpoint",
///     headers: [HTTPHeaderField("Host", "127.0.0.1:8333")], payload: .unsigned), at: Date())
/// ```
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String
    /// Whether the path's dot segments and repeated slashes are removed before signing, as
    /// every AWS service but S3 does (S3 signs the key as it is: `a//b` and `a/./b` are keys).
    public var normalizesPath: Bool
    /// Whether `x-amz-content-sha256` is sent and signed (S3 requires it).
    public var declaresPayloadHash: Bool
    /// Whether the session token is signed (the usual way) or added after signing (STS's
    /// "header after" style, which AWS's test suite also covers).
    public var signsSessionToken: Bool

    public init(credentials: AWSCredentials, region: String, service: String = "s3",
                normalizesPath: Bool? = nil, declaresPayloadHash: Bool? = nil, signsSessionToken: Bool = true) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.normalizesPath = normalizesPath ?? (service != "s3")
        self.declaresPayloadHash = declaresPayloadHash ?? (service == "s3")
        self.signsSessionToken = signsSessionToken
    }

    /// Signs `request` as made at `date`.
    /// - Throws: ``SigV4Error``.
    public func sign(_ request: SigV4Request, at date: Date) throws(SigV4Error) -> SigV4Signature {
        guard !credentials.accessKeyID.isEmpty, !credentials.accessKeyID.contains("/"),
              !credentials.secretAccessKey.isEmpty else { throw .invalidCredentials }
        let time = AMZTime(date)
        var added = [HTTPHeaderField("X-Amz-Date", time.stamp)]
        if declaresPayloadHash { added.append(HTTPHeaderField("x-amz-content-sha256", request.payload.headerValue)) }
        var unsigned: [HTTPHeaderField] = []
        if let token = credentials.sessionToken {
            let field = HTTPHeaderField("X-Amz-Security-Token", token)
            if signsSessionToken { added.append(field) } else { unsigned.append(field) }
        }
        // The signer's own headers replace any of the same name the caller gave.
        let addedNames = Set(added.map { $0.name.lowercased() })
        let toSign = request.headers.filter { !addedNames.contains($0.name.lowercased()) } + added
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(toSign)
        guard signedHeaders.split(separator: ";").contains("host") else { throw .missingHostHeader }

        let canonicalRequest = [
            request.method,
            Self.canonicalURI(request.path, normalizing: normalizesPath),
            Self.canonicalQuery(request.query),
            canonicalHeaders,
            signedHeaders,
            request.payload.headerValue,
        ].joined(separator: "\n")
        let scope = "\(time.day)/\(region)/\(service)/aws4_request"
        let stringToSign: String
        let signature: String
        do {
            stringToSign = "AWS4-HMAC-SHA256\n\(time.stamp)\n\(scope)\n\(try SHA256.hash(canonicalRequest).hex)"
            var key = Array("AWS4\(credentials.secretAccessKey)".utf8)
            for part in [time.day, region, service, "aws4_request"] {
                key = try HMACSHA256.authenticationCode(key: key, message: part).bytes
            }
            signature = try HMACSHA256.authenticationCode(key: key, message: stringToSign).hex
        } catch {
            throw .crypto(error)
        }
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return SigV4Signature(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
                              signedHeaders: signedHeaders, authorization: authorization,
                              headers: added + unsigned + [HTTPHeaderField("Authorization", authorization)])
    }

    /// The canonical headers block (each `name:value` line ending in a newline) and the signed
    /// header list: names lowercased, values trimmed with inner runs of whitespace made one
    /// space, repeated names joined with commas in their order, sorted by name.
    static func canonicalHeaders(_ fields: [HTTPHeaderField]) -> (block: String, signed: String) {
        var values: [String: [String]] = [:]
        for field in fields {
            values[field.name.lowercased(), default: []].append(collapsingWhitespace(field.value))
        }
        let names = values.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let block = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        return (block, names.joined(separator: ";"))
    }

    static func collapsingWhitespace(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            .joined(separator: " ")
    }

    /// The path with each segment percent-encoded once (`/` kept), normalized first if asked.
    static func canonicalURI(_ path: String, normalizing: Bool) -> String {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if segments.first == "" { segments.removeFirst() }
        if normalizing {
            // RFC 3986 dot-segment removal, empty segments dropped; a trailing slash stays.
            var kept: [String] = []
            for segment in segments {
                switch segment {
                case "", ".": continue
                case "..": if !kept.isEmpty { kept.removeLast() }
                default: kept.append(segment)
                }
            }
            let trailing = path.hasSuffix("/") && !kept.isEmpty
            segments = kept + (trailing ? [""] : [])
        }
        return "/" + segments.map { percentEncode($0) }.joined(separator: "/")
    }

    /// `name=value` pairs encoded, sorted by name then value (byte order), joined with `&`.
    static func canonicalQuery(_ query: [QueryParameter]) -> String {
        query.map { (percentEncode($0.name), percentEncode($0.value)) }
            .sorted { a, b in a.0 == b.0 ? a.1 < b.1 : Array(a.0.utf8).lexicographicallyPrecedes(Array(b.0.utf8)) }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// Percent-encodes every UTF-8 byte but the unreserved `A-Z a-z 0-9 - . _ ~` (upper-case
    /// hexadecimal), as SigV4 requires of path segments and query names and values.
    public static func percentEncode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0xF)]))
            }
        }
        return out
    }
}

/// A signing time in SigV4's two forms: `20150830T123600Z` and the scope's `20150830` (UTC).
struct AMZTime {
    let stamp: String
    let day: String

    init(_ date: Date) {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let d = dayOfYear - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yearOfEra + era * 400 + (m <= 2 ? 1 : 0)
        func pad(_ n: Int64, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        day = pad(y, 4) + pad(m, 2) + pad(d, 2)
        stamp = day + "T" + pad(secondOfDay / 3600, 2) + pad(secondOfDay / 60 % 60, 2) + pad(secondOfDay % 60, 2) + "Z"
    }
}
