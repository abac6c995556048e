// AWS Signature Version 4 against AWS's published test suite and the S3 documentation's worked
// examples (Vectors/README.md says where each file comes from), and HMAC-SHA256 against RFC 4231.
import Foundation
import OrchardCrypto
import Testing
@testable import OrchardObjectStore

/// One vector directory: `context.json`, `request.txt` and the expected `header-*.txt` files.
struct SigV4Vector: CustomTestStringConvertible, Sendable {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors")

    let suite: String
    let name: String
    var testDescription: String { "\(suite)/\(name)" }
    var directory: URL { Self.root.appendingPathComponent(suite).appendingPathComponent(name) }

    static func all(in suite: String) -> [SigV4Vector] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(suite).path)) ?? []
        return names.sorted().map { SigV4Vector(suite: suite, name: $0) }
    }

    func text(_ file: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
    }

    func optionalText(_ file: String) throws -> String? {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path) ? try text(file) : nil
    }

    struct Context: Decodable {
        struct Credentials: Decodable {
            let access_key_id: String
            let secret_access_key: String
            let token: String?
        }
        let credentials: Credentials
        let normalize: Bool
        let region: String
        let service: String
        let sign_body: Bool
        let timestamp: String
        let omit_session_token: Bool?
    }

    func context() throws -> Context {
        try JSONDecoder().decode(Context.self, from: Data(contentsOf: directory.appendingPathComponent("context.json")))
    }

    /// `request.txt` as a request to sign: the request line's path as written (the suite writes
    /// paths unencoded), its query decoded, header lines with their continuation lines, the body.
    func request() throws -> SigV4Request {
        let raw = try text("request.txt")
        let (head, body) = raw.firstRange(of: "\n\n").map { (raw[..<$0.lowerBound], raw[$0.upperBound...]) }
            ?? (raw[...], "")
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst()
        let method = String(requestLine.prefix { $0 != " " })
        let target = requestLine.dropFirst(method.count + 1).dropLast(" HTTP/1.1".count)
        let path = target.prefix { $0 != "?" }
        let query = target.dropFirst(path.count + 1).split(separator: "&").map { pair in
            let name = pair.prefix { $0 != "=" }
            let value = pair.dropFirst(name.count + 1)
            return QueryParameter(String(name).removingPercentEncoding ?? String(name),
                                  String(value).removingPercentEncoding ?? String(value))
        }
        var headers: [HTTPHeaderField] = []
        for line in lines where !line.isEmpty {
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append(HTTPHeaderField(String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        return SigV4Request(method: method, path: String(path), query: query, headers: headers,
                            payload: try SigV4Payload.of(Array(body.utf8)))
    }
}

@Suite("AWS Signature Version 4")
struct SigV4Tests {
    static let testSuite = SigV4Vector.all(in: "aws-sig-v4-test-suite")
    static let s3Documentation = SigV4Vector.all(in: "s3-documentation")

    @Test("signs each request of the test suite and the S3 documentation as published",
          arguments: testSuite + s3Documentation)
    func signsAsPublished(_ vector: SigV4Vector) throws {
        let context = try vector.context()
        let credentials = AWSCredentials(accessKeyID: context.credentials.access_key_id,
                                         secretAccessKey: context.credentials.secret_access_key,
                                         sessionToken: context.credentials.token)
        let signer = SigV4Signer(credentials: credentials, region: context.region, service: context.service,
                                 normalizesPath: context.normalize, declaresPayloadHash: context.sign_body,
                                 signsSessionToken: !(context.omit_session_token ?? false))
        let time = try #require(ISO8601DateFormatter().date(from: context.timestamp))
        let signed = try signer.sign(try vector.request(), at: time)

        if let expected = try vector.optionalText("header-canonical-request.txt") {
            #expect(signed.canonicalRequest == expected)
        }
        if let expected = try vector.optionalText("header-string-to-sign.txt") {
            #expect(signed.stringToSign == expected)
        }
        #expect(signed.signature == (try vector.text("header-signature.txt")))
        if let request = try vector.optionalText("header-signed-request.txt") {
            let line = request.split(separator: "\n").first { $0.hasPrefix("Authorization:") }
            #expect(line.map { String($0.dropFirst("Authorization:".count)) } == signed.authorization)
            // The signed request carries the session token whether or not it was signed.
            if let token = credentials.sessionToken {
                #expect(signed.headers.contains(HTTPHeaderField("X-Amz-Security-Token", token)))
            }
        }
    }

    @Test("the copied test suite is whole: its 38 cases and the 4 S3 examples")
    func vectorsArePresent() {
        #expect(Self.testSuite.count == 38)
        #expect(Self.s3Documentation.count == 4)
    }

    @Test("a request without a Host header is refused")
    func hostIsRequired() {
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret"), region: "us-east-1")
        #expect(throws: SigV4Error.missingHostHeader) {
            try signer.sign(SigV4Request(method: "GET", path: "/b/k", headers: [], payload: .unsigned), at: Date())
        }
    }

    @Test("empty or slash-holding credentials are refused",
          arguments: [("", "secret"), ("AK/ID", "secret"), ("AKID", "")])
    func credentialsAreChecked(_ id: String, _ secret: String) {
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: id, secretAccessKey: secret), region: "us-east-1")
        #expect(throws: SigV4Error.invalidCredentials) {
            try signer.sign(SigV4Request(method: "GET", path: "/", headers: [HTTPHeaderField("Host", "h")],
                                         payload: .unsigned), at: Date())
        }
    }

    @Test("S3 keys are signed as they are: each segment encoded once, no dot-segment removal")
    func s3PathsAreNotNormalized() {
        #expect(SigV4Signer.canonicalURI("/orchard/a b/./../c+d/€", normalizing: false)
                == "/orchard/a%20b/./../c%2Bd/%E2%82%AC")
        #expect(SigV4Signer.canonicalURI("/orchard/tile/0/x001/234.p/5", normalizing: false) == "/orchard/tile/0/x001/234.p/5")
        #expect(SigV4Signer.canonicalQuery([QueryParameter("prefix", "a/b c"), QueryParameter("list-type", "2")])
                == "list-type=2&prefix=a%2Fb%20c")
    }

    @Test("signing times are written in UTC, across days, leap days and years",
          arguments: [(0.0, "19700101T000000Z"), (951_825_600, "20000229T120000Z"),
                      (1_440_938_160, "20150830T123600Z"), (4_102_444_799, "20991231T235959Z")])
    func amzTime(_ seconds: Double, _ stamp: String) {
        let time = AMZTime(Date(timeIntervalSince1970: seconds))
        #expect(time.stamp == stamp)
        #expect(time.day == String(stamp.prefix(8)))
    }
}

@Suite("HMAC-SHA256")
struct HMACTests {
    static let cases: [(key: String, data: String, mac: String)] = {
        let url = SigV4Vector.root.appendingPathComponent("rfc4231-hmac-sha256.txt")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let fields = line.split(separator: " ").map(String.init)
            return (fields[0], fields[1], fields[2])
        }
    }()

    @Test("matches RFC 4231's test cases", arguments: cases)
    func rfc4231(_ key: String, _ data: String, _ mac: String) throws {
        let code = try HMACSHA256.authenticationCode(key: try #require(Hex.decode(key)), message: try #require(Hex.decode(data)))
        #expect(code.hex == mac)
    }

    @Test("the RFC's six cases were read")
    func casesRead() { #expect(Self.cases.count == 6) }

    @Test("an empty key and an empty message are valid inputs")
    func empty() throws {
        // HMAC-SHA256("", ""): no RFC lists it; this is the value every implementation agrees on.
        #expect(try HMACSHA256.authenticationCode(key: [], message: []).hex
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }
}

@Suite("s3:// locations")
struct S3LocationTests {
    @Test("a bucket with or without a prefix", arguments: [
        ("s3://orchard", "orchard", ""), ("s3://orchard/", "orchard", ""),
        ("s3://orchard/logs", "orchard", "logs/"), ("s3://orchard/logs/duoduo/", "orchard", "logs/duoduo/"),
    ])
    func parses(_ text: String, _ bucket: String, _ prefix: String) throws {
        let location = try S3Location(parsing: text)
        #expect(location.bucket == bucket)
        #expect(location.prefix == prefix)
        #expect(location.description == "s3://\(bucket)/\(prefix)")
    }

    @Test("keys join the prefix with one slash")
    func joinsKeys() throws {
        let location = try S3Location(parsing: "s3://orchard/logs/duoduo")
        #expect(location.key("checkpoint") == "logs/duoduo/checkpoint")
        #expect(location.key("/tile/0/000") == "logs/duoduo/tile/0/000")
        #expect(try location.appending("v2").key("checkpoint") == "logs/duoduo/v2/checkpoint")
        #expect(try S3Location(parsing: "s3://orchard").key("checkpoint") == "checkpoint")
    }

    @Test("other schemes, bad bucket names and bad prefixes are refused")
    func refuses() {
        #expect(throws: S3LocationError.notAnS3URL("https://orchard/x")) { try S3Location(parsing: "https://orchard/x") }
        for name in ["ab", "Orchard", "-orchard", "orchard-", "orch..ard", "orch_ard", String(repeating: "a", count: 64)] {
            #expect(throws: S3LocationError.invalidBucketName(name)) { try S3Location(parsing: "s3://\(name)/x") }
        }
        for prefix in ["a//b", "a/./b", "../a", "a?b", "a#b"] {
            #expect(throws: S3LocationError.invalidPrefix(prefix)) { try S3Location(parsing: "s3://orchard/\(prefix)") }
        }
    }
}

@Suite("S3 XML")
struct S3XMLTests {
    @Test("a listing page: keys unescaped, sizes, the continuation token")
    func listing() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>orchard</Name><Prefix>a</Prefix>\
            <IsTruncated>true</IsTruncated><Contents><Key>a&amp;b&lt;c&#233;</Key><Size>12</Size><ETag>&quot;x&quot;</ETag>\
            </Contents><Contents><Key>a2</Key><Size>0</Size></Contents><NextContinuationToken>tok+/=</NextContinuationToken></ListBucketResult>
            """
        let page = try ListingXML.parse(Array(xml.utf8))
        #expect(page.objects == [S3ListedObject(key: "a&b<cé", size: 12, etag: "\"x\""), S3ListedObject(key: "a2", size: 0, etag: nil)])
        #expect(page.nextContinuationToken == "tok+/=")
    }

    @Test("an error document's code and message")
    func error() {
        let xml = "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The key &apos;k&apos; does not exist</Message></Error>"
        let fields = ErrorXML.parse(Array(xml.utf8))
        #expect(fields.code == "NoSuchKey")
        #expect(fields.message == "The key 'k' does not exist")
    }

    @Test("a truncated page without a token is malformed")
    func truncatedWithoutToken() {
        let xml = "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"
        #expect(throws: S3ClientError.self) { try ListingXML.parse(Array(xml.utf8)) }
    }
}
