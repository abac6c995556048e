// Shared by every fuzz target (compiled into each one): input access and property checks.
#if canImport(Glibc)
import Glibc
#endif

/// The fuzzer's input as an array.
@inline(__always)
func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Fails the run (libFuzzer keeps the input as a crash reproducer) when a property is broken.
@inline(__always)
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
             file: StaticString = #fileID, line: UInt = #line) {
    if !condition() {
        var text = "property violated at \(file):\(line): \(message())\n"
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        abort()
    }
}

/// A short printable rendering of bytes for property messages.
func show(_ b: [UInt8]) -> String {
    let s = String(decoding: b.prefix(300), as: UTF8.self)
    return b.count > 300 ? s + "…(\(b.count) bytes)" : s
}

/// Set (by `Tools/fuzz/run --skip-known`) to step around the findings reported in
/// Docs/FUZZING.md until they are fixed, so that a run can look for new ones. Each guard names
/// its finding.
let skipKnownFindings = getenv("ORCHARD_FUZZ_SKIP_KNOWN") != nil

/// Set `ORCHARD_FUZZ_VERBOSE=1` to have a target say what became of each input (a seed's verdict),
/// e.g. `ORCHARD_FUZZ_VERBOSE=1 .build-fuzz/bin/fuzz-Bundle Tools/fuzz/corpus/bundle/*`.
let fuzzVerbose = getenv("ORCHARD_FUZZ_VERBOSE") != nil

/// Writes one line to stderr when `ORCHARD_FUZZ_VERBOSE` is set.
func note(_ message: @autoclosure () -> String) {
    guard fuzzVerbose else { return }
    var text = message() + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
