// TEMPORARY stub until the CBV event-hash module lands (lead's file; will be deleted).
import Foundation
enum EventHashStub {
    static func preHashString(for event: JSONValue, context: JSONValue?) throws -> String {
        String(decoding: JSONWriter.canonical(event), as: UTF8.self)
    }
}
public struct TimestampStub {
    public let millisecondsSinceEpoch: Int64
    public init(_ text: String) throws {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let g = ISO8601DateFormatter()
        guard let d = f.date(from: text) ?? g.date(from: text) else { throw LedgerStubError() }
        millisecondsSinceEpoch = Int64(d.timeIntervalSince1970 * 1000)
    }
}
struct LedgerStubError: Error {}
