// Programs nobody on the team wrote, that tests use as independent readers of what Orchard
// writes (Tools/setup installs them): ZBar reads QR Codes, librsvg renders SVG.
import Foundation

public enum ExternalPrograms {
    /// Runs `path arguments…` and returns its standard output, or nil when it exits non-zero.
    public static func output(_ path: String, _ arguments: [String]) throws -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }

    /// What ZBar (`zbarimg`) reads from an image file: the QR Code's text.
    public static func zbar(_ image: String) throws -> String? {
        try output("/usr/bin/zbarimg", ["--raw", "-q", image]).map { $0.trimmingCharacters(in: .newlines) }
    }
}
