// What every command shares: the ledger and --json options, reading input files, printing
// results, and turning any error into one clear message and the exit code of its category.
import ArgumentParser
import Foundation
import Logging
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore

/// Exit codes, as listed in `orchard --help` and the README: one per failure category.
enum Exit {
    static func code(_ category: FailureCategory) -> Int32 {
        switch category {
        case .rejected: 1
        case .verificationFailed: 2
        case .notFound: 3
        case .ledgerError: 4
        case .usage: 64
        }
    }
}

struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Ledger directory (default: $ORCHARD_LEDGER, then ./ledger).", valueName: "DIR"))
    var ledger: String?

    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Log diagnostics at this level or above to standard error (trace shows the append's stage timings).",
                                            valueName: "LEVEL"))
    var logLevel: Logger.Level = .warning

    var directory: String {
        ledger ?? ProcessInfo.processInfo.environment["ORCHARD_LEDGER"] ?? "ledger"
    }

    /// Opens the ledger with this command's logger.
    func open() throws -> LedgerStore {
        let store = try LedgerStore.open(directory: directory)
        store.logger = logger
        return store
    }

    var logger: Logger {
        var l = Logger(label: "orchard", factory: { StreamLogHandler.standardError(label: $0) })
        l.logLevel = logLevel
        return l
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// A failure of the command line itself (a bad argument): exit 64.
struct UsageFailure: Error, CategorizedError {
    let description: String
    var category: FailureCategory { .usage }
}

/// Runs a command body, printing any error (as text, or JSON with --json) to standard error and
/// exiting with the code of its category.
func runCommand(json: Bool, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch let e as ValidationError {
        throw e
    } catch {
        let report = FailureReport(plainFileError(error) ?? error)
        if json {
            var members = report.json.objectMembers ?? []
            members.append(JSONMember("exitCode", .number(JSONNumber(Int(Exit.code(report.category))))))
            FileHandle.standardError.write(Data((JSONWriter.pretty(.object(members)) + "\n").utf8))
        } else {
            FileHandle.standardError.write(Data(("error: " + report.message + "\n").utf8))
        }
        throw ExitCode(Exit.code(report.category))
    }
}

/// A file that could not be read, with the operating system's reason.
struct InputFileError: Error, CategorizedError {
    let path: String
    let reason: String
    var description: String { "cannot read \(path): \(reason)" }
    var category: FailureCategory { .ledgerError }
}

/// A file or directory that cannot be used as asked (a ledger or key path in the way): exit 4.
struct FileFailure: Error, CategorizedError {
    let description: String
    var category: FailureCategory { .ledgerError }
}

/// An input file refused for its content (exit 1), named by its path.
struct RejectedInput: Error, CategorizedError {
    let description: String
    var category: FailureCategory { .rejected }
}

/// An input with nothing in it: rejected (exit 1), since there is nothing to act on.
struct EmptyInput: Error, CategorizedError {
    let description: String
    var category: FailureCategory { .rejected }
}

/// The name of an input for messages: its path, or "standard input".
func inputName(_ path: String?) -> String {
    guard let path, path != "-" else { return "standard input" }
    return path
}

/// Foundation's file errors (printed by default as `Error Domain=NSCocoaErrorDomain Code=512
/// "(null)"…`) in plain words: what could not be done to which path, and the system's reason.
/// Nil for any other error.
func plainFileError(_ error: any Error) -> (any Error)? {
    if error is any CategorizedError { return nil }
    let ns = error as NSError
    guard ns.domain == NSCocoaErrorDomain else { return nil }
    let path = ns.userInfo[NSFilePathErrorKey] as? String ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path ?? "a file"
    let reason: String
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        reason = posixReason(Int32(underlying.code))
    } else {
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: reason = posixReason(ENOENT)
        case .fileWriteFileExists: reason = posixReason(EEXIST)
        case .fileReadNoPermission, .fileWriteNoPermission: reason = posixReason(EACCES)
        case .fileWriteOutOfSpace: reason = posixReason(ENOSPC)
        case .fileWriteVolumeReadOnly: reason = posixReason(EROFS)
        default: reason = (512..<1024).contains(ns.code) ? "it could not be created or written (is a file in the way, or the disk full?)" : "the operation failed (\(ns.localizedDescription))"
        }
    }
    let verb = (256..<512).contains(ns.code) ? "cannot read" : (512..<1024).contains(ns.code) ? "cannot create or write" : "cannot use"
    return FileFailure(description: "\(verb) \(path): \(reason)")
}

/// The operating system's reason for `code`, in words that say what to do where that helps.
func posixReason(_ code: Int32) -> String {
    switch code {
    case ENOTDIR: "a part of the path is a file, not a directory"
    case ENOENT: "no such file or directory"
    case EEXIST: "it already exists"
    case EACCES, EPERM: "permission denied"
    case ENOSPC: "no space left on the device"
    case EROFS: "the file system is read-only"
    case EISDIR: "it is a directory"
    default: String(cString: strerror(code))
    }
}

/// A file system entry's kind, or nil when nothing is at `path`.
enum PathKind { case directory, file }
func pathKind(_ path: String) -> PathKind? {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
    return isDirectory.boolValue ? .directory : .file
}

/// Why a command-line number was refused (shown after swift-argument-parser's "The value '-1' is
/// invalid for '--from <from>':").
struct WholeNumberError: Error, CustomStringConvertible {
    let description: String
}

/// Parses a whole number of at least `minimum` from a command-line value; anything else,
/// negative numbers included, is refused with words that say what is expected.
func parseWholeNumber(_ text: String, atLeast minimum: UInt64 = 0) throws -> UInt64 {
    if let value = UInt64(text), value >= minimum { return value }
    let expected = "must be a whole number ≥ \(minimum)"
    if text.hasPrefix("-"), Int64(text) != nil || Double(text) != nil {
        throw WholeNumberError(description: "\(expected), not a negative number")
    }
    if let value = UInt64(text), value < minimum { throw WholeNumberError(description: expected) }
    throw WholeNumberError(description: "\(expected), got \"\(text)\"")
}

/// A transform for `@Option(parsing: .unconditional, transform:)`: a whole number ≥ `minimum`.
/// (`.unconditional` lets a value such as `-1` reach the transform instead of being taken for an
/// option, which swift-argument-parser reports as "Missing value".)
func wholeNumber(atLeast minimum: UInt64 = 0) -> @Sendable (String) throws -> UInt64 {
    { try parseWholeNumber($0, atLeast: minimum) }
}

/// ``wholeNumber(atLeast:)`` for `Int` options (at most `Int.max`).
func wholeInt(atLeast minimum: Int = 0) -> @Sendable (String) throws -> Int {
    { text in
        let value = try parseWholeNumber(text, atLeast: UInt64(minimum))
        guard value <= UInt64(Int.max) else { throw WholeNumberError(description: "must be at most \(Int.max)") }
        return Int(value)
    }
}

/// Reads a file, or standard input for "-" or nil. Regular files are read with one read() into
/// the array (inputs run to tens of megabytes); pipes and devices are read to their end.
func readInput(_ path: String?) throws -> [UInt8] {
    guard let path, path != "-" else {
        let bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        if bytes.isEmpty { throw EmptyInput(description: "standard input is empty: there is nothing to read (give a FILE, or pipe the input in)") }
        return bytes
    }
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw InputFileError(path: path, reason: posixReason(errno)) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw InputFileError(path: path, reason: posixReason(errno)) }
    if info.st_mode & S_IFMT == S_IFDIR { throw InputFileError(path: path, reason: "it is a directory") }
    var bytes = [UInt8]()
    if info.st_mode & S_IFMT == S_IFREG {
        // A regular file is read straight into an array of its size (inputs run to tens of MB:
        // no chunk buffer and no second copy).
        let size = Int(info.st_size)
        var failure: Int32 = 0
        bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            while count < size {
                let n = read(fd, buffer.baseAddress! + count, size - count)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { failure = errno; break }
                if n == 0 { break }
                count += n
            }
        }
        if failure != 0 { throw InputFileError(path: path, reason: posixReason(failure)) }
        if bytes.count == size, size > 0 { return bytes }
        // Shorter than fstat said (the file changed), or /proc-like: read the rest as a stream.
    }
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { throw InputFileError(path: path, reason: posixReason(errno)) }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    if bytes.isEmpty { throw EmptyInput(description: "\(path) is empty: there is nothing to read") }
    return bytes
}

/// Prints a line to standard output.
func out(_ text: String) { print(text) }

/// Prints JSON to standard output.
func outJSON(_ value: JSONValue) { print(JSONWriter.pretty(value)) }

/// Loads a PEM private key.
func loadKey(_ path: String) throws -> Ed25519PrivateKey {
    if pathKind(path) == .directory { throw InputFileError(path: path, reason: "it is a directory, not a key file") }
    do { return try Ed25519PrivateKey(contentsOfPEMFile: path) } catch {
        throw keyFileError(error, path: path, expected: "an Ed25519 private key in PEM (-----BEGIN PRIVATE KEY-----, as `orchard keygen` or `openssl genpkey -algorithm ed25519` writes)")
    }
}

/// Loads a PEM public key (SPKI, as `orchard keygen` writes beside the private key).
func loadPublicKey(_ path: String) throws -> Ed25519PublicKey {
    let text = String(decoding: try readInput(path), as: UTF8.self)
    do { return try Ed25519PublicKey(pem: text) } catch {
        throw keyFileError(error, path: path, expected: "an Ed25519 public key in PEM (-----BEGIN PUBLIC KEY-----, the FILE.pub `orchard keygen` writes)")
    }
}

/// A key file's error in words: the path once, the system's reason, or what the file should hold.
private func keyFileError(_ error: CryptoError, path: String, expected: String) -> any Error {
    switch error {
    case let .fileError(_, reason): InputFileError(path: path, reason: reason.lowercased().hasPrefix("no such") ? posixReason(ENOENT) : reason)
    case let .invalidPEM(detail): FileFailure(description: "\(path) is not \(expected): \(detail)")
    case .notEd25519: FileFailure(description: "\(path) holds a key of another algorithm; Orchard keys are Ed25519")
    default: FileFailure(description: "\(path): \(error)")
    }
}

extension Receipt {
    /// One line for people.
    var line: String {
        let what = eventID?.uri ?? "registry change"
        return "\(duplicate ? "already in ledger" : "appended"): \(what) leaf \(leafIndex) block \(blockHeight)"
    }
}
