// Where the built `orchard` executable is, for tests that run it as a user would.
import Foundation

/// The `orchard` executable under test.
public enum OrchardBinary {
    /// `$ORCHARD_BIN`, or the `orchard` built beside this test bundle, or `.build/debug/orchard`.
    public static var url: URL {
        if let env = ProcessInfo.processInfo.environment["ORCHARD_BIN"] { return URL(fileURLWithPath: env) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // Swift Testing may run from inside the .xctest bundle directory.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("orchard")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return Conformance.packageRoot.appendingPathComponent(".build/debug/orchard")
    }
}
