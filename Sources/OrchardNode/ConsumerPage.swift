// The page a browser gets from the resolver: one static document, the same for every lot, whose
// script fetches the lot's bundle from the page's own address, draws the journey from the bundle's
// records and verifies it in the browser against the ledger's verifier key embedded here
// (Docs/NODE.md, "The consumer page"). Everything is inline: no external fonts, scripts or images,
// so a static bucket serves it as one object. The node's own 400/404 pages are here too.
import OrchardModel

/// The consumer trace page, for the node and for a publisher writing it to a static bucket.
///
/// ```swift
/// let page = ConsumerPage.html(verifierKey: store.verifierKey.description)
/// // serve `page` (ConsumerPage.contentType) for every /01/<gtin>/10/<lot> a browser asks for,
/// // and the lot's bundle for the same path with Accept: application/json
/// ```
public enum ConsumerPage {
    /// The content type of ``html(verifierKey:)``.
    public static let contentType = "text/html; charset=utf-8"

    /// The page, trusting `verifierKey` (a C2SP verifier key line, as `orchard checkpoint
    /// --verifier-key` prints it). It reads its lot from `location.pathname`
    /// (`[prefix]/01/<GTIN>/10/<lot>`, `/01/<GTIN>/21/<serial>` or `/00/<SSCC>`), so the same text
    /// serves every lot; it needs nothing else from the server than the bundle at that path.
    public static func html(verifierKey: String) -> String { html(verifierKey: verifierKey, language: .zh) }

    /// The same page with `language` as its initial `lang` and title (the script then decides
    /// from the browser's languages, `?lang=` or the switch).
    static func html(verifierKey: String, language: Language) -> String {
        let title = language.pick("产品溯源", "Where this came from")
        return """
        <!doctype html>
        <html lang="\(language.rawValue)">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="orchard-verifier-key" content="\(escape(verifierKey))">
        <title>\(title)</title>
        <style>\(style)</style>
        </head>
        <body>
        <main id="app" data-state="loading"><p class="muted">\(language.pick("正在读取批次记录…", "Reading the lot's records…"))</p>
        <noscript><p>\(language.pick("本页需要启用 JavaScript 才能在您的设备上核验溯源记录。", "This page needs JavaScript to check the lot's records on your device."))</p></noscript></main>
        <script>
        \(verifierScript)
        \(pageScript)
        </script>
        </body>
        </html>

        """
    }

    enum Language: String {
        case zh = "zh-CN"
        case en

        /// `?lang=` first, then the first of zh/en in Accept-Language, else Chinese.
        init(acceptLanguage: String?, query: String?) {
            if let query { self = query.lowercased().hasPrefix("en") ? .en : .zh; return }
            let tags = (acceptLanguage ?? "").split(separator: ",").map { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased() }
            self = tags.first { $0.hasPrefix("zh") || $0.hasPrefix("en") }.map { $0.hasPrefix("en") ? .en : .zh } ?? .zh
        }

        func pick(_ zh: String, _ en: String) -> String { self == .zh ? zh : en }
    }

    /// The node's own answer for a code it cannot read (400) or a lot no event names (404).
    static func problem(status: Int, language l: Language, detail: String) -> String {
        let title = status == 404 ? l.pick("未找到该批次", "This lot is not in the ledger") : l.pick("无法识别的代码", "This code cannot be read")
        let words = status == 404
            ? l.pick("账本中没有任何事件提到这个批次。请核对标签上的代码。", "No event of this ledger names this lot. Check the code on the label.")
            : l.pick("链接中有部分不正确：", "A part of the link is wrong: ")
        return """
        <!doctype html>
        <html lang="\(l.rawValue)">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>\(style)</style>
        </head>
        <body>
        <main id="app"><section class="card notice"><h1>\(escape(title))</h1>
        <p>\(escape(words))</p>
        <p class="code">\(escape(detail))</p></section></main>
        </body>
        </html>

        """
    }

    static func escape(_ s: String) -> String { XMLText.escape(s, keepingLineBreaks: true) }

    /// Phone first: one column, 17 px text, readable from 320 px wide without zooming.
    static let style = """

    :root { --ink: #1c1b19; --muted: #6b6862; --line: #e4e0d8; --paper: #fbfaf7; --ok: #17683a; --ok-bg: #e7f4ea;
      --bad: #a3161b; --bad-bg: #fbe9e8; --warn: #9a5200; --accent: #b5462a; }
    * { box-sizing: border-box; }
    html { -webkit-text-size-adjust: 100%; }
    body { margin: 0; background: var(--paper); color: var(--ink); font-size: 17px; line-height: 1.55;
      font-family: system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
    main { max-width: 40rem; margin: 0 auto; padding: 0.75rem 1rem 2.5rem; }
    .top { display: flex; justify-content: space-between; align-items: center; margin-bottom: 0.5rem; }
    .brand { font-weight: 600; color: var(--accent); letter-spacing: 0.02em; }
    .switch { font: inherit; font-size: 0.95rem; padding: 0.35rem 0.9rem; border: 1px solid var(--line); border-radius: 999px; background: #fff; color: var(--ink); }
    h1 { font-size: 1.6rem; line-height: 1.25; margin: 0.1rem 0 0.3rem; }
    h2 { font-size: 1.15rem; margin: 1.6rem 0 0.6rem; }
    p { margin: 0.3rem 0; }
    .eyebrow { color: var(--muted); font-size: 0.9rem; margin: 0; }
    .ids { font-weight: 600; margin: 0.2rem 0 0.5rem; } .ids span { display: inline-block; margin-right: 0.9rem; white-space: nowrap; }
    .ids .muted { font-weight: 400; font-size: 0.9rem; }
    .origin { font-size: 1rem; }
    .ledger { overflow-wrap: anywhere; }
    .muted { color: var(--muted); }
    .small { font-size: 0.88rem; }
    .code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 0.8rem; overflow-wrap: anywhere; color: var(--muted); }
    .card { border-radius: 14px; padding: 0.9rem 1rem; margin: 1rem 0; border: 1px solid var(--line); background: #fff; }
    .status .badge { font-size: 1.35rem; font-weight: 700; margin: 0 0 0.2rem; }
    .status.ok { background: var(--ok-bg); border-color: #b9dcc2; } .status.ok .badge { color: var(--ok); }
    .status.bad { background: var(--bad-bg); border-color: #f0bcb9; } .status.bad .badge { color: var(--bad); }
    .status .why { font-weight: 600; color: var(--bad); }
    .status.pending .badge { color: var(--muted); font-size: 1.1rem; }
    details { margin-top: 0.5rem; font-size: 0.9rem; } summary { cursor: pointer; color: var(--muted); }
    .checks { list-style: none; padding: 0; margin: 0.4rem 0 0; } .checks li { padding: 0.1rem 0; }
    .checks .ok { color: var(--ok); } .checks .bad { color: var(--bad); font-weight: 700; } .checks .muted { font-size: 0.75rem; }
    .timeline { list-style: none; margin: 0; padding: 0 0 0 1.1rem; border-left: 3px solid var(--line); }
    .step { position: relative; background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 0.7rem 0.85rem; margin: 0 0 0.8rem; }
    .step::before { content: ""; position: absolute; left: -1.62rem; top: 1rem; width: 0.8rem; height: 0.8rem; border-radius: 50%; background: var(--accent); border: 3px solid var(--paper); }
    .step.failed { border-color: var(--bad); background: var(--bad-bg); } .step.failed::before { background: var(--bad); }
    .step.excursion::before { background: var(--warn); }
    .when { font-size: 0.88rem; color: var(--muted); }
    .chip { display: inline-block; font-size: 0.8rem; font-weight: 600; padding: 0.05rem 0.55rem; border-radius: 999px; background: #f1ece3; color: var(--ink); }
    .k-harvest .chip { background: #e3f1dc; } .k-transport .chip { background: #dceef6; } .k-sale .chip { background: #f6e6d8; } .k-loss .chip { background: #f7dede; }
    .what { font-weight: 600; margin: 0.25rem 0; }
    .who { font-size: 0.9rem; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.7rem; margin: 0.35rem 0; font-size: 0.9rem; }
    dt { color: var(--muted); } dd { margin: 0; word-break: break-word; }
    .leg { margin-top: 0.4rem; }
    .chart { width: 100%; height: auto; display: block; }
    .chart .plot { fill: #fcfcfb; stroke: var(--line); } .chart .band { fill: #dff1e3; }
    .chart .line { fill: none; stroke: #2467a6; stroke-width: 2; stroke-linejoin: round; }
    .chart .hot { stroke: var(--bad); stroke-width: 3.5; } .chart .hotdot { fill: var(--bad); }
    .chart .tick { font-size: 11px; fill: var(--muted); }
    .temps { font-size: 0.88rem; }
    .warn { color: var(--bad); font-weight: 700; } .good { color: var(--ok); font-size: 0.9rem; }
    .mark { font-size: 0.8rem; margin-top: 0.35rem; } .mark.ok { color: var(--ok); } .mark.bad { color: var(--bad); font-weight: 700; }
    .key { margin-top: 1.6rem; padding-top: 0.8rem; border-top: 1px solid var(--line); }
    .fp { font-family: ui-monospace, Menlo, monospace; font-weight: 700; font-size: 1.15rem; letter-spacing: 0.04em; margin: 0.1rem 0; }
    .notice h1 { font-size: 1.35rem; }
    a { color: #2467a6; }

    """
}
