// Corrections without rewriting history (EPCIS 2.0 §7.4.1.3): a declaration is a new leaf that
// names an event already in the ledger (it carries that event's ID); the event stays, marked
// erroneous, and its effect on the lots' custody is reversed from the declaration's leaf on.
// Corrective events, if any, are ordinary events appended before or after.
import OrchardCrypto
import OrchardModel

extension AppendPlanner {
    /// Judges an error declaration: the declared event exists, was not declared before, the
    /// declarer is its participant (any key valid now) or the programme authority, and what the
    /// event did to its lots can still be undone (nothing of it has moved on since).
    func checkDeclaration(_ declaration: EventFacts, id: EventID, signer: KeyID, byAuthority: Bool, leaf: UInt64,
                          plan: inout AppendPlan, state: some LedgerStateReader, _ problem: (ProblemCode, String, String) -> Void) {
        func refuse(_ path: String, _ reason: String) { problem(.errorDeclaration, path, reason) }
        var declarer: Participant?
        if !byAuthority {
            switch plan.registry.signer(signer, atLeaf: leaf) {
            case let .failure(e): problem(e.code, e.path, e.reason); return
            case let .success((_, p)): declarer = p
            }
        }
        do {
            guard let location = try state.location(of: id) else {
                refuse("errorDeclaration", "no event \(id.uri) in the ledger to declare erroneous (append the event first, in an earlier batch)")
                return
            }
            if plan.declaredInBatch.contains(id) {
                refuse("errorDeclaration", "event \(id.uri) is already declared erroneous earlier in this input"); return
            }
            if let earlier = try state.declaration(of: id) {
                refuse("errorDeclaration", "event \(id.uri) was already declared erroneous at leaf \(earlier)"); return
            }
            let original = try state.record(atLeaf: location.leafIndex)
            guard original.kind == .event, let originalKey = original.signer,
                  let owner = plan.registry.keys[originalKey]?.participantID, let ownerParticipant = plan.registry.participant(owner) else {
                refuse("errorDeclaration", "leaf \(location.leafIndex) is not an event a participant signed"); return
            }
            if let declarer, declarer.id != owner {
                refuse("errorDeclaration", "only \(owner), who recorded the event, or the programme authority may declare it erroneous (not \(declarer.id))")
                return
            }
            let erroneous = EventFacts(try EPCISEvent(json: original.payload, index: 0))
            reverse(erroneous, recordedBy: ownerParticipant, plan: &plan, state: state, problem)
            plan.declaredInBatch.insert(id)
        } catch {
            problem(.ledgerRead, "", "ledger read failed: \(error)")
        }
    }

    /// Undoes an erroneous event's effect on each lot it named: what it created is taken back
    /// from its holder, what it consumed returns to its holder, a shipment comes back from
    /// transit, a receipt goes back into transit. Refused where the quantity has moved on since
    /// (declare the later events first, or correct with a new event instead).
    func reverse(_ event: EventFacts, recordedBy owner: Participant, plan: inout AppendPlan, state: some LedgerStateReader,
                 _ problem: (ProblemCode, String, String) -> Void) {
        let who = owner.id
        let carries = carrierRoles.contains(owner.role)
        let registry = plan.registry
        let destination = event.destinations.lazy.compactMap { registry.participantID(naming: $0) }.first ?? ""
        for (q, effect) in zip(event.quantities, event.effects) where effect != .observe && effect != .none {
            guard let amount = q.quantity else { continue }
            var balance: LotBalance?
            if let pending = plan.lotBalances[q.lot] { balance = pending } else {
                do { balance = try state.lotBalance(q.lot) } catch { problem(.ledgerRead, q.path, "ledger read failed: \(error)"); continue }
            }
            guard var b = balance, let x = try? amount.converted(to: b.unit).micros else { continue }
            func movedOn(_ what: String) {
                problem(.errorDeclaration, "errorDeclaration", "cannot undo the event on lot \(q.epcClass): \(what)\(Self.whereIsIt(b)); declare the later events erroneous first")
            }
            switch effect {
            case .create:
                guard (b.holdings[who] ?? 0) >= x else { movedOn("\(Quantity(micros: x, unit: b.unit)) it created is no longer all with \(who)"); continue }
                LotBalance.add(-x, to: who, in: &b.holdings)
                b.quantityIn = Quantity(micros: b.quantityIn.micros - x, unit: b.unit)
            case .consume:
                b.quantityOut = Quantity(micros: max(0, b.quantityOut.micros - x), unit: b.unit)
                if carries && (b.holdings[who] ?? 0) == 0 { LotBalance.add(x, to: "", in: &b.inTransit) } else { LotBalance.add(x, to: who, in: &b.holdings) }
            case .ship:
                guard (b.inTransit[destination] ?? 0) >= x else { movedOn("the shipment was received since") ; continue }
                LotBalance.add(-x, to: destination, in: &b.inTransit)
                LotBalance.add(x, to: who, in: &b.holdings)
            case .receive:
                guard (b.holdings[who] ?? 0) >= x else { movedOn("what \(who) received has moved on") ; continue }
                LotBalance.add(-x, to: who, in: &b.holdings)
                LotBalance.add(x, to: who, in: &b.inTransit)
            case .observe, .none:
                break
            }
            plan.lotBalances[q.lot] = b
        }
    }
}
