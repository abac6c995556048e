// Reading published objects over HTTP: from the cache in front of the bucket, the bucket's own
// web address, or any static server. A 404 is "no such object"; anything else not 200 an error.
import AsyncHTTPClient
import Foundation
import NIOCore

public struct HTTPObjectSource: ObjectSource {
    public let base: String
    public let http: HTTPClient

    /// `base` is the log's prefix URL, e.g. `http://127.0.0.1:8081` or `https://cdn.example/orchard`.
    public init(base: String, http: HTTPClient = .shared) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.http = http
    }

    public func read(_ key: String) async throws -> [UInt8]? {
        try await get(base + "/" + key, accept: nil)
    }

    /// GETs `url`: the body, or nil on 404.
    public func get(_ url: String, accept: String?) async throws -> [UInt8]? {
        var request = HTTPClientRequest(url: url)
        if let accept { request.headers.add(name: "Accept", value: accept) }
        let response: HTTPClientResponse
        do { response = try await http.execute(request, timeout: .seconds(60)) } catch {
            throw FetchFailure(url: url, reason: "\(error)")
        }
        let body = try await response.body.collect(upTo: 256 << 20)
        if response.status.code == 404 { return nil }
        guard response.status.code == 200 else { throw FetchFailure(url: url, reason: "HTTP \(response.status.code)") }
        return Array(buffer: body)
    }
}

/// A fetch that did not answer.
public struct FetchFailure: Error, Sendable, CustomStringConvertible {
    public let url: String
    public let reason: String
    public var description: String { "\(url): \(reason)" }
}
