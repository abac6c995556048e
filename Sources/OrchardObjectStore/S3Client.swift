// A small S3 client over async-http-client: the few calls publishing a static log needs (put,
// create-only put, get, head, list, delete, create bucket), path-style, signed with SigV4.
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OrchardCrypto

/// An object's metadata, as GET and HEAD answer it.
public struct S3ObjectMetadata: Sendable, Hashable {
    public var contentType: String?
    public var cacheControl: String?
    /// The entity tag, quotes included, as S3 sends it (`"9b2cf535f27731c974343645a3985328"`).
    public var etag: String?
    public var contentLength: Int?
}

/// An object's bytes and metadata.
public struct S3Object: Sendable, Hashable {
    public var body: [UInt8]
    public var metadata: S3ObjectMetadata
}

/// One object in a listing.
public struct S3ListedObject: Sendable, Hashable {
    public var key: String
    public var size: Int
    public var etag: String?
}

/// What a put did.
public enum S3PutResult: Sendable, Hashable {
    /// The object was written (its entity tag, when S3 sent one).
    case created(etag: String?)
    /// A create-only put (`If-None-Match: *`) found the key taken: S3 answered 412 and wrote
    /// nothing. The caller reads the object and compares.
    case preconditionFailed
}

/// The client for one bucket of an S3-compatible service, path-style (`ENDPOINT/BUCKET/KEY`).
///
/// Create-only writes rely on the service answering `If-None-Match: *` with 412, as AWS S3 has
/// since 2024 and SeaweedFS does (checked by the tests, 4.48: one winner among twelve
/// concurrent create-only puts of one key, the others 412). A service that ignored the header
/// would overwrite; there is no safe client-side fallback (HEAD then PUT races), so such a
/// service is not supported for publishing.
public struct S3Client: Sendable {
    /// `http://host:port` or `https://host[:port]`, without a path.
    public let endpoint: String
    public let bucket: String
    public let signer: SigV4Signer
    private let http: HTTPClient
    private let host: String
    /// The largest body ``get(key:)`` reads.
    public var maxBodyBytes: Int = 256 << 20
    /// The time one request may take.
    public var timeout: TimeAmount = .seconds(60)

    /// A client for `bucket` at `endpoint`.
    /// - Throws: ``S3ClientError/invalidEndpoint(_:)``, or ``S3ClientError/invalidBucket(_:)``.
    public init(endpoint: String, bucket: String, credentials: AWSCredentials, region: String = "us-east-1",
                httpClient: HTTPClient = .shared) throws(S3ClientError) {
        guard let url = URL(string: endpoint), let scheme = url.scheme, scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty, url.path.isEmpty || url.path == "/", url.query == nil
        else { throw .invalidEndpoint(endpoint) }
        guard S3Location.isValidBucketName(bucket) else { throw .invalidBucket(bucket) }
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.bucket = bucket
        self.host = url.port.map { "\(host):\($0)" } ?? host
        self.signer = SigV4Signer(credentials: credentials, region: region, service: "s3")
        self.http = httpClient
    }

    /// A client with the credentials and region of the environment: `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`, region `AWS_REGION`, else
    /// `AWS_DEFAULT_REGION`, else `us-east-1`.
    /// - Throws: ``S3ClientError/missingCredentials(variable:)`` and as ``init(endpoint:bucket:credentials:region:httpClient:)``.
    public static func fromEnvironment(endpoint: String, bucket: String,
                                       environment: [String: String] = ProcessInfo.processInfo.environment,
                                       httpClient: HTTPClient = .shared) throws(S3ClientError) -> S3Client {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let id = value("AWS_ACCESS_KEY_ID") else { throw .missingCredentials(variable: "AWS_ACCESS_KEY_ID") }
        guard let secret = value("AWS_SECRET_ACCESS_KEY") else { throw .missingCredentials(variable: "AWS_SECRET_ACCESS_KEY") }
        let credentials = AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"))
        let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1"
        return try S3Client(endpoint: endpoint, bucket: bucket, credentials: credentials, region: region, httpClient: httpClient)
    }

    // MARK: Objects

    /// Writes `body` at `key`. With `ifNoneMatch`, only if no object is there yet (create-only):
    /// a taken key answers ``S3PutResult/preconditionFailed``.
    /// - Throws: ``S3ClientError``.
    @discardableResult
    public func put(key: String, body: [UInt8], contentType: String? = nil, cacheControl: String? = nil,
                    ifNoneMatch: Bool = false) async throws(S3ClientError) -> S3PutResult {
        var headers: [HTTPHeaderField] = []
        if let contentType { headers.append(HTTPHeaderField("Content-Type", contentType)) }
        if let cacheControl { headers.append(HTTPHeaderField("Cache-Control", cacheControl)) }
        if ifNoneMatch { headers.append(HTTPHeaderField("If-None-Match", "*")) }
        let response = try await send(.PUT, key: key, headers: headers, body: body)
        switch response.status {
        case 200..<300: return .created(etag: response.headers.first(name: "etag"))
        case 412: return .preconditionFailed
        default: throw response.error(key: key)
        }
    }

    /// The object at `key`, or nil when there is none (404).
    /// - Throws: ``S3ClientError``.
    public func get(key: String) async throws(S3ClientError) -> S3Object? {
        let response = try await send(.GET, key: key)
        switch response.status {
        case 200: return S3Object(body: response.body, metadata: response.metadata)
        case 404: return nil
        default: throw response.error(key: key)
        }
    }

    /// The metadata of the object at `key`, or nil when there is none (404).
    /// - Throws: ``S3ClientError``; a HEAD answer has no body, so its error has no S3 code.
    public func head(key: String) async throws(S3ClientError) -> S3ObjectMetadata? {
        let response = try await send(.HEAD, key: key)
        switch response.status {
        case 200: return response.metadata
        case 404: return nil
        default: throw response.error(key: key)
        }
    }

    /// Deletes the object at `key` (S3 answers a missing key the same way).
    /// - Throws: ``S3ClientError``.
    public func delete(key: String) async throws(S3ClientError) {
        let response = try await send(.DELETE, key: key)
        guard (200..<300).contains(response.status) else { throw response.error(key: key) }
    }

    /// Every object whose key starts with `prefix`, in key order, read page by page
    /// (ListObjectsV2 with continuation tokens; `pageSize` keys a page, S3's default 1,000).
    /// - Throws: ``S3ClientError``.
    public func list(prefix: String, pageSize: Int? = nil) async throws(S3ClientError) -> [S3ListedObject] {
        var objects: [S3ListedObject] = []
        var token: String?
        repeat {
            let page = try await listPage(prefix: prefix, pageSize: pageSize, continuationToken: token)
            objects += page.objects
            token = page.nextContinuationToken
        } while token != nil
        return objects
    }

    /// One page of a listing and the token for the next (nil on the last page).
    /// - Throws: ``S3ClientError``.
    public func listPage(prefix: String, pageSize: Int? = nil, continuationToken: String? = nil)
        async throws(S3ClientError) -> (objects: [S3ListedObject], nextContinuationToken: String?)
    {
        var query = [QueryParameter("list-type", "2"), QueryParameter("prefix", prefix)]
        if let pageSize { query.append(QueryParameter("max-keys", String(pageSize))) }
        if let continuationToken { query.append(QueryParameter("continuation-token", continuationToken)) }
        let response = try await send(.GET, key: nil, query: query)
        guard response.status == 200 else { throw response.error(key: nil) }
        return try ListingXML.parse(response.body)
    }

    // MARK: Bucket

    /// Creates the bucket; one that exists and is ours already is fine.
    /// - Throws: ``S3ClientError``.
    public func createBucket() async throws(S3ClientError) {
        let response = try await send(.PUT, key: nil)
        if (200..<300).contains(response.status) { return }
        let error = response.error(key: nil)
        if case .service(_, let code?, _, _) = error, code == .bucketAlreadyOwnedByYou { return }
        throw error
    }

    // MARK: Requests

    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]

        var metadata: S3ObjectMetadata {
            S3ObjectMetadata(contentType: headers.first(name: "content-type"),
                             cacheControl: headers.first(name: "cache-control"),
                             etag: headers.first(name: "etag"),
                             contentLength: headers.first(name: "content-length").flatMap { Int($0) })
        }

        func error(key: String?) -> S3ClientError {
            let fields = ErrorXML.parse(body)
            return .service(status: status, code: fields.code.map(S3ErrorCode.init(rawValue:)), message: fields.message, key: key)
        }
    }

    /// Signs and sends one request to the bucket (`key` nil) or one of its objects.
    func send(_ method: HTTPMethod, key: String?, query: [QueryParameter] = [], headers: [HTTPHeaderField] = [],
              body: [UInt8]? = nil) async throws(S3ClientError) -> Response {
        if let key, key.isEmpty { throw .invalidKey(key) }
        let path = "/\(bucket)" + (key.map { "/\($0)" } ?? "")
        let payload: SigV4Payload
        let signature: SigV4Signature
        do {
            payload = if let body { try SigV4Payload.of(body) } else { .sha256(SHA256.emptyDigest) }
            let request = SigV4Request(method: method.rawValue, path: path, query: query,
                                       headers: [HTTPHeaderField("Host", host)] + headers, payload: payload)
            signature = try signer.sign(request, at: Date())
        } catch {
            throw .signing(error)
        }
        let canonicalQuery = SigV4Signer.canonicalQuery(query)
        var request = HTTPClientRequest(url: endpoint + SigV4Signer.canonicalURI(path, normalizing: false)
                                        + (canonicalQuery.isEmpty ? "" : "?" + canonicalQuery))
        request.method = method
        request.headers.add(name: "Host", value: host)
        for field in headers + signature.headers { request.headers.add(name: field.name, value: field.value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await http.execute(request, timeout: timeout)
            var buffer = try await response.body.collect(upTo: method == .HEAD ? 0 : maxBodyBytes)
            return Response(status: Int(response.status.code), headers: response.headers,
                            body: buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch {
            throw .transport(error)
        }
    }
}
