// The page a browser gets from the resolver: the lot's journey as the node traced and checked it
// (signatures with the keys registered at their leaves, inclusion in the head's tree), readable on
// a phone, in Chinese or English. Everything is inline: no external fonts, scripts or images.
// (Verifying the bundle in the browser itself, from Docs/BUNDLE.md, is the next step: Docs/NODE.md.)
import OrchardQuery
import OrchardModel
import OrchardTrace

enum ConsumerPage {
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

    static func journey(_ trace: Trace, code: TraceCode, language l: Language, bundleURL: String) -> String {
        let steps = trace.journey.steps
        let verified = steps.allSatisfy { $0.verdict?.isVerified == true }
        let status = verified
            ? l.pick("本节点已核验每个事件：签名与登记密钥相符，并包含在第 \(trace.checkpoint.treeSize) 号签名检查点的默克尔树中。",
                     "Every event was checked by this node: signed with the key registered for it, and included in the tree of signed checkpoint \(trace.checkpoint.treeSize).")
            : l.pick("⚠ 有事件未通过核验。", "⚠ Some events did not pass the checks.")
        return page(title: l.pick("产品溯源", "Where this came from") + " · " + code.description, language: l, body: """
        <h1>\(l.pick("产品溯源", "Where this came from"))</h1>
        <p class="code">\(escape(code.description))</p>
        <p class="\(verified ? "ok" : "bad")">\(escape(status))</p>
        <pre>\(escape(trace.journey.timeline(verifiedAgainst: trace.checkpoint.treeSize)))</pre>
        <p class="small">\(l.pick("应用程序可获取", "Apps can fetch")) <a href="\(escape(bundleURL))">\(l.pick("溯源证明包", "the provenance bundle"))</a> \(l.pick("并自行核验。", "and check it themselves."))
        <a href="?lang=\(l == .zh ? "en" : "zh")">\(l == .zh ? "English" : "中文")</a></p>
        """)
    }

    static func problem(status: Int, language l: Language, detail: String) -> String {
        let title = status == 404 ? l.pick("未找到该批次", "This lot is not in the ledger") : l.pick("无法识别的代码", "This code cannot be read")
        let words = status == 404
            ? l.pick("账本中没有任何事件提到这个批次。请核对标签上的代码。", "No event of this ledger names this lot. Check the code on the label.")
            : l.pick("链接中有部分不正确：", "A part of the link is wrong: ")
        return page(title: title, language: l, body: "<h1>\(escape(title))</h1>\n<p>\(escape(words))</p>\n<p class=\"code\">\(escape(detail))</p>")
    }

    static func page(title: String, language: Language, body: String) -> String {
        """
        <!doctype html>
        <html lang="\(language.rawValue)">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 1rem; line-height: 1.5; color: #1b1b1b; }
        h1 { font-size: 1.4rem; }
        .code { font-family: monospace; word-break: break-all; }
        pre { white-space: pre-wrap; word-break: break-word; font-size: 0.85rem; background: #f6f6f2; padding: 0.75rem; }
        .ok { color: #1d6b2f; } .bad { color: #a11; } .small { font-size: 0.85rem; }
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    static func escape(_ s: String) -> String { XMLText.escape(s, keepingLineBreaks: true) }
}
