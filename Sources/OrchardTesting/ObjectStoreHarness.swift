// A real object store for tests: SeaweedFS's S3 gateway and nginx as the CDN in front of it,
// started and stopped by Tools/objectstore in a directory of their own.
import Foundation

/// Why the object store could not be started or stopped. Missing programs are a failure, never a
/// skip: the message says to run Tools/setup.
public enum ObjectStoreHarnessError: Error, CustomStringConvertible {
    /// `Tools/objectstore start` failed; its exit status and what it printed.
    case startFailed(status: Int32, output: String)
    /// `Tools/objectstore stop` failed.
    case stopFailed(status: Int32, output: String)
    /// `start` succeeded but did not print a variable the harness needs.
    case missingVariable(String)

    public var description: String {
        switch self {
        case let .startFailed(status, output):
            let hint = output.contains("run Tools/setup")
                ? "" : " (are nginx, curl and weed installed? run Tools/setup)"
            return "Tools/objectstore start exited with \(status)\(hint):\n\(output)"
        case let .stopFailed(status, output): return "Tools/objectstore stop exited with \(status):\n\(output)"
        case .missingVariable(let name): return "Tools/objectstore start printed no \(name)"
        }
    }
}

/// A running SeaweedFS + nginx pair (see `Tools/objectstore`): its S3 endpoint, bucket,
/// credentials and cache URL. ``stop()`` stops both and removes the directory.
///
/// ```swift
/// let store = try await ObjectStoreHarness.start()
/// // … the test …
/// try await store.stop()
/// let client = try S3Client(endpoint: store.endpoint, bucket: store.bucket, credentials: …)
/// ```
public final class ObjectStoreHarness: Sendable {
    /// The store's directory (data, logs, nginx configuration and cache, `env`).
    public let directory: URL
    /// The variables `start` printed: `ORCHARD_S3_ENDPOINT`, `ORCHARD_S3_BUCKET`,
    /// `ORCHARD_CACHE_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`.
    public let environment: [String: String]

    /// `http://127.0.0.1:P`, the S3 gateway.
    public var endpoint: String { environment["ORCHARD_S3_ENDPOINT"]! }
    /// The bucket, `orchard`.
    public var bucket: String { environment["ORCHARD_S3_BUCKET"]! }
    /// `http://127.0.0.1:Q`, nginx in front of the bucket.
    public var cacheURL: String { environment["ORCHARD_CACHE_URL"]! }
    public var accessKeyID: String { environment["AWS_ACCESS_KEY_ID"]! }
    public var secretAccessKey: String { environment["AWS_SECRET_ACCESS_KEY"]! }
    public var region: String { environment["AWS_REGION"]! }

    /// `Tools/objectstore` in this package.
    public static var script: URL { Conformance.packageRoot.appendingPathComponent("Tools/objectstore") }

    private init(directory: URL, environment: [String: String]) {
        self.directory = directory
        self.environment = environment
    }

    /// Starts a store in a new temporary directory (a few seconds: SeaweedFS must be able to
    /// write before it counts as started).
    /// - Throws: ``ObjectStoreHarnessError``, or a Foundation error if the directory or the
    ///   script cannot be made or run.
    public static func start() async throws -> ObjectStoreHarness {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("orchard-objectstore-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (status, output) = try await run(["start", directory.path])
        guard status == 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw ObjectStoreHarnessError.startFailed(status: status, output: output)
        }
        // NAME=value lines (the script's notes on standard error are prose, not such lines).
        var environment: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "="),
                  line[..<equals].allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }), equals != line.startIndex
            else { continue }
            environment[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        let harness = ObjectStoreHarness(directory: directory, environment: environment)
        for name in ["ORCHARD_S3_ENDPOINT", "ORCHARD_S3_BUCKET", "ORCHARD_CACHE_URL", "AWS_ACCESS_KEY_ID",
                     "AWS_SECRET_ACCESS_KEY", "AWS_REGION"] where environment[name] == nil {
            try? await harness.stop()
            throw ObjectStoreHarnessError.missingVariable(name)
        }
        return harness
    }

    /// Stops nginx and SeaweedFS (SeaweedFS's filer takes up to 15 s to end gracefully) and
    /// removes the directory.
    /// - Throws: ``ObjectStoreHarnessError/stopFailed(status:output:)``.
    public func stop() async throws {
        let (status, output) = try await Self.run(["stop", directory.path])
        guard status == 0 else { throw ObjectStoreHarnessError.stopFailed(status: status, output: output) }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs the script and returns its exit status and what it printed, standard error
    /// included (one pipe, read to the end: the servers it starts hold neither open). The exit
    /// is awaited through the termination handler: `waitUntilExit()` on a task of the
    /// cooperative pool was seen to wait forever here.
    private static func run(_ arguments: [String]) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        let exited = AsyncStream<Int32> { continuation in
            process.terminationHandler = { finished in
                continuation.yield(finished.terminationStatus)
                continuation.finish()
            }
        }
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        var status: Int32 = -1
        for await value in exited { status = value }
        return (status, output)
    }
}
