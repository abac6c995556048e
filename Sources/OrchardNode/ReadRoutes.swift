// The node's read side beyond blocks and records: events as EPCIS 2.0 JSON-LD, proofs, traces,
// bundles, loss statistics, labels, and the GS1 Digital Link resolver (Docs/NODE.md). Each is one
// OrchardQuery call, run off the server's threads (a trace or a statistic reads many records).
import Foundation
import HTTPTypes
import Hummingbird
import OrchardLabel
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStats
import OrchardStore
import OrchardTrace

extension LedgerNode {
    static func readRoutes(_ router: Router<BasicRequestContext>, store: LedgerStore, configuration: NodeConfiguration, publicHost: @escaping @Sendable () -> String) {
        let bundles = BundleCache()
        // The EPCIS 2.0 query interface: a page of events, the next one linked (rel="next").
        router.get("/events") { request, _ in
            await answerOffloaded {
                let parameters = request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) }
                let page = try store.queryEvents(try EventQuery(parameters: parameters))
                var response = jsonLD(page.document(creationDate: UTCTime.format(millis: currentMillis())))
                if let token = page.nextPageToken {
                    let others = parameters.filter { $0.name != "nextPageToken" }
                        .map { "\($0.name)=\($0.value.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["&", "+", "="])) ?? $0.value)" }
                    let query = (others + ["nextPageToken=\(token)"]).joined(separator: "&")
                    response.headers[HTTPField.Name("Link")!] = "<\(publicHost())/events?\(query)>; rel=\"next\""
                }
                return response
            }
        }
        router.get("/events/:id") { _, context in
            await answerOffloaded {
                let raw = context.parameters.get("id") ?? ""
                let text = raw.removingPercentEncoding ?? raw
                return jsonLD(try store.epcisEvent(text))
            }
        }
        router.get("/proofs/inclusion/:leaf") { _, context in
            await answerOffloaded {
                guard let leaf = context.parameters.get("leaf", as: UInt64.self) else { throw UsageFailure("leaf index: a whole number") }
                return json(try store.verifiedInclusion(ofLeaf: leaf).json)
            }
        }
        router.get("/proofs/consistency") { request, _ in
            await answerOffloaded {
                guard let from = request.uri.queryParameters.get("from", as: UInt64.self) else {
                    throw UsageFailure("from: the earlier tree size, a whole number (?from=N[&to=M])")
                }
                let to = try request.uri.queryParameters.get("to").map { text -> UInt64 in
                    guard let n = UInt64(text) else { throw UsageFailure("to: a whole number, got \"\(text)\"") }
                    return n
                }
                return json(try store.verifiedConsistency(from: from, to: to).json)
            }
        }
        router.get("/trace") { request, _ in
            await answerOffloaded {
                let code = try traceCode(request.uri.queryParameters.get("code"))
                let trace = try store.trace(code.key, direction: try direction(request))
                return json(trace.json(registry: try store.registry))
            }
        }
        router.get("/bundle") { request, _ in
            await answerOffloaded {
                let text = request.uri.queryParameters.get("code")
                let code = try traceCode(text)
                return jsonText(try bundles.bundle(store, key: code.key, code: text, direction: try direction(request)))
            }
        }
        router.get("/stats/loss") { request, _ in
            await answerOffloaded {
                let q = request.uri.queryParameters
                func list(_ name: String) -> [String] { q.getAll(name).flatMap { $0.split(separator: ",").map(String.init) } }
                let query = try store.lossQuery(LossQueryText(by: q.get("by"), from: q.get("from"), to: q.get("to"), products: list("product"),
                                                              farms: list("farm"), provinces: list("province"), carriers: list("carrier")))
                let (report, checkpoint) = try store.lossReport(query)
                var m = report.json.objectMembers ?? []
                m.append(JSONMember("checkpoint", .string(checkpoint.text)))
                return json(.object(m))
            }
        }
        // Printable labels: the lot's Digital Link on this node's public host.
        router.get("/label/01/:gtin/10/:lot") { _, context in
            await answerOffloaded {
                let lot = context.parameters.get("lot") ?? ""
                guard lot.hasSuffix(".svg") else { throw UsageFailure("a label is asked for as …/10/<lot>.svg") }
                let code = try traceCode("/01/\(context.parameters.get("gtin") ?? "")/10/\(lot.dropLast(4))")
                let label = try LotLabel(code: code, host: publicHost())
                return Response(status: .ok, headers: [.contentType: "image/svg+xml"], body: .init(byteBuffer: ByteBuffer(string: label.svg())))
            }
        }
        // The GS1 Digital Link resolver.
        for pattern in ["/01/:gtin/10/:lot", "/01/:gtin/21/:serial", "/00/:sscc"] {
            router.get(RouterPath(pattern)) { request, context in
                await resolve(request, context: context, store: store, bundles: bundles, publicHost: publicHost())
            }
        }
    }

    /// A Digital Link: the linkset (`linkType=all`), the bundle for an app (`Accept:
    /// application/json` or `linkType=gs1:traceability`), or the consumer page for a browser: the
    /// same static page for every lot, which fetches the bundle from this path and verifies it
    /// itself. The page is sent only for a lot the ledger has a bundle for (building it warms the
    /// cache the page's own request reads); an unknown lot gets the node's 404 page.
    static func resolve(_ request: Request, context: BasicRequestContext, store: LedgerStore, bundles: BundleCache, publicHost: String) async -> Response {
        let path = request.uri.path
        let linkType = request.uri.queryParameters.get("linkType")
        let wantsJSON = linkType == "gs1:traceability" || (request.headers[.accept]?.contains("application/json") ?? false)
        let language = ConsumerPage.Language(acceptLanguage: request.headers[.acceptLanguage], query: request.uri.queryParameters.get("lang"))
        let code: TraceCode
        do { code = try TraceCode.parse(path) } catch {
            let reason = "\(error)"
            if wantsJSON || linkType == "all" { return failure(UsageFailure(reason.hasPrefix("trace code") ? reason : "trace code: " + reason)) }
            return html(ConsumerPage.problem(status: 400, language: language, detail: reason), status: .badRequest)
        }
        let anchor = (try? LotLabel.origin(publicHost)).map { $0 + path } ?? path
        if linkType == "all" {
            return Response(status: .ok, headers: [.contentType: "application/linkset+json"],
                            body: .init(byteBuffer: ByteBuffer(string: JSONWriter.pretty(linkset(anchor: anchor)) + "\n")))
        }
        // The page and the bundle share a URL: caches must keep them apart.
        var response: Response
        if wantsJSON {
            response = await answerOffloaded { jsonText(try bundles.bundle(store, key: code.key, code: anchor, direction: .backward)) }
        } else {
            response = await offload {
                do {
                    _ = try bundles.bundle(store, key: code.key, code: anchor, direction: .backward)
                    return html(ConsumerPage.html(verifierKey: store.verifierKey.description, language: language))
                } catch QueryError.unknownCode {
                    return html(ConsumerPage.problem(status: 404, language: language, detail: code.description), status: .notFound)
                } catch {
                    return failure(error)
                }
            }
        }
        response.headers[.vary] = "Accept"
        return response
    }

    /// The links the resolver offers for a code (RFC 9264 linkset, GS1 link types).
    static func linkset(anchor: String) -> JSONValue {
        func link(_ href: String, _ title: String, _ type: String) -> JSONValue {
            .array([.object([JSONMember("href", .string(href)), JSONMember("title", .string(title)), JSONMember("type", .string(type))])])
        }
        return .object([JSONMember("linkset", .array([.object([
            JSONMember("anchor", .string(anchor)),
            JSONMember("https://gs1.org/voc/defaultLink", link(anchor, "The lot's journey", "text/html")),
            JSONMember("https://gs1.org/voc/pip", link(anchor, "The lot's journey, from farm to shop", "text/html")),
            JSONMember("https://gs1.org/voc/traceability", link(anchor + "?linkType=gs1:traceability", "Provenance bundle: signed events and proofs (Docs/BUNDLE.md)", "application/json")),
        ])]))])
    }

    static func traceCode(_ text: String?) throws -> TraceCode {
        guard let text, !text.isEmpty else { throw UsageFailure("code: give the trace code (?code=…)") }
        do { return try TraceCode.parse(text) } catch {
            let reason = "\(error)"
            throw UsageFailure(reason.hasPrefix("trace code") ? reason : "trace code: " + reason)
        }
    }

    static func direction(_ request: Request) throws -> TraceDirection {
        switch request.uri.queryParameters.get("direction") {
        case nil, "backward": .backward
        case "forward": .forward
        case let other?: throw UsageFailure("direction: backward or forward, got \"\(other)\"")
        }
    }

    /// Runs blocking ledger work on a global queue, off the server's threads.
    static func offload(_ body: @escaping @Sendable () -> Response) async -> Response {
        await withCheckedContinuation { c in DispatchQueue.global().async { c.resume(returning: body()) } }
    }

    static func answerOffloaded(_ body: @escaping @Sendable () throws -> Response) async -> Response {
        await offload { do { return try body() } catch { return failure(error) } }
    }

    static func jsonLD(_ value: JSONValue) -> Response {
        var r = json(value)
        r.headers[.contentType] = "application/ld+json"
        return r
    }

    static func jsonText(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}
