import Foundation
import Testing
import OrchardCrypto

/// `PerThread` gives each thread its own instance, the same one every time on that thread.
struct PerThreadTests {
    final class Box: @unchecked Sendable { var uses = 0 }

    @Test("One instance per thread, kept across uses on that thread")
    func oneInstancePerThread() throws {
        let perThread = PerThread { Box() }
        let here = perThread.current
        here.uses += 1
        #expect(perThread.current === here)
        #expect(perThread.current.uses == 1)
        let other = onNewThread { ObjectIdentifier(perThread.current) }
        #expect(other != ObjectIdentifier(here))
    }
}

/// Runs `body` on a new thread and returns what it saw.
func onNewThread(_ body: @escaping @Sendable () -> ObjectIdentifier) -> ObjectIdentifier {
    final class Slot: @unchecked Sendable { var value: ObjectIdentifier? }
    let slot = Slot()
    let done = DispatchSemaphore(value: 0)
    Thread { slot.value = body(); done.signal() }.start()
    done.wait()
    return slot.value!
}
