// The consumer page's own script: the Digital Link from the address, the bundle fetched from the
// same address, the journey drawn from the bundle's records (timeline, cold-chain charts as inline
// SVG), then verified with `verifierScript` against the page's verifier key (Docs/NODE.md).
extension ConsumerPage {
    /// The page script (needs `verifierScript` before it and `<main id="app">` in the document).
    public static let pageScript = #"""
// The consumer page: reads the Digital Link from the address, fetches the lot's bundle from the
// same address (Accept: application/json), draws the journey from the bundle's own records, then
// verifies the bundle with OrchardVerifier against the verifier key in the page and says what it
// found. The same script runs on the node and from a static bucket.
"use strict";
(() => {
  const app = document.getElementById("app");
  const KEY = (document.querySelector('meta[name="orchard-verifier-key"]') || {}).content || "";
  const store = { get: (k) => { try { return localStorage.getItem(k); } catch { return null; } },
    set: (k, v) => { try { localStorage.setItem(k, v); } catch { /* private mode */ } } };

  // ---- language ----
  function chooseLanguage() {
    const q = new URLSearchParams(location.search).get("lang");
    if (q) return /^en/i.test(q) ? "en" : "zh";
    const saved = store.get("orchard-lang");
    if (saved === "en" || saved === "zh") return saved;
    for (const l of navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""]) {
      if (/^zh/i.test(l)) return "zh";
      if (/^en/i.test(l)) return "en";
    }
    return "zh";
  }
  let lang = chooseLanguage();
  const W = {
    zh: { title: "产品溯源", loading: "正在读取批次记录…", verifying: "正在核验签名与证明…", verified: "已验证",
      verifiedText: (n, size) => `本页已在您的浏览器中核验全部 ${n} 个事件：每个签名都来自当时登记的密钥，每条记录都在账本第 ${size} 号签名检查点的默克尔树中。`,
      failed: "未通过核验", failedText: "以下检查未通过，请勿相信本页显示的内容：", notFound: "账本中没有这个批次",
      notFoundText: "账本中没有任何事件提到这个批次。请核对标签上的代码。", network: "无法连接账本",
      networkText: (why) => `未能读取批次记录（${why}）。请检查网络后重试。`, badAnswer: "账本的回答不是溯源证明包。",
      badLink: "这个链接不是批次的溯源链接（应为 /01/<GTIN>/10/<批号>）。",
      key: "账本密钥指纹", keyHelp: "可与包装或官网上印的指纹核对。", ledger: "账本", lot: "批号", gtin: "商品条码",
      journey: "从农场到货架", checks: "核验项目", leaf: "第 %s 条记录", atEvent: "出问题的事件：", farm: "农场", harvested: "采收日期", variety: "品种",
      complete: (n) => `完整：账本承诺的这段旅程的事件（共 ${n} 个）全部在此，没有遗漏，也没有多余。`, downloaded: "下载溯源证明包（JSON）",
      signedBy: "签名方", at: "地点", fromTo: "路线", depart: "出发", arrive: "到达", temps: "温度",
      tempLine: (min, mean, max, n) => `最低 ${min} °C · 平均 ${mean} °C · 最高 ${max} °C（${n} 次读数）`,
      safe: (a, b) => `安全范围 ${a}–${b} °C`, within: "全程在安全范围内", outside: (m) => `⚠ 温度超出安全范围约 ${m} 分钟`,
      sigOK: "签名 ✓ · 已入账 ✓", unchecked: "未核验（核验在出错处停止）", sigBad: "✗ 此事件未通过核验", plot: "地块", grades: "等级", cause: "原因",
      kinds: { harvest: "采收", transformation: "分级", packing: "装托", unpacking: "拆托", shipping: "发货", transport: "冷链运输",
        receiving: "收货", storing: "仓储", sale: "零售", loss: "损耗", correction: "更正", other: "事件" },
      fork: "此账本曾向本设备展示过另一段历史：同样大小的默克尔树却有不同的根。账本可能被分叉或篡改。",
      switchTo: "English", of: "的" },
    en: { title: "Where this came from", loading: "Reading the lot's records…", verifying: "Checking signatures and proofs…", verified: "Verified",
      verifiedText: (n, size) => `Your browser checked all ${n} events on this page: each signature is by a key registered at the time, and each record is in the tree of the ledger's signed checkpoint ${size}.`,
      failed: "Not verified", failedText: "This check failed; do not trust what this page shows:", notFound: "This lot is not in the ledger",
      notFoundText: "No event of this ledger names this lot. Check the code on the label.", network: "The ledger could not be reached",
      networkText: (why) => `The lot's records could not be read (${why}). Check the connection and try again.`, badAnswer: "The ledger's answer is not a provenance bundle.",
      badLink: "This link is not a lot's trace link (it should be /01/<GTIN>/10/<lot>).",
      key: "Ledger key fingerprint", keyHelp: "Compare it with the one printed on the pack or the programme's website.", ledger: "Ledger", lot: "Lot", gtin: "GTIN",
      journey: "From the farm to the shelf", checks: "Checks", leaf: "record %s", atEvent: "The event concerned: ", farm: "Farm", harvested: "Harvested", variety: "Variety",
      complete: (n) => `Complete: every event of this journey the ledger holds (${n}) is here, none left out and none added.`, downloaded: "Download the provenance bundle (JSON)",
      signedBy: "Signed by", at: "At", fromTo: "Route", depart: "Departed", arrive: "Arrived", temps: "Temperature",
      tempLine: (min, mean, max, n) => `min ${min} °C · mean ${mean} °C · max ${max} °C (${n} readings)`,
      safe: (a, b) => `safe ${a}–${b} °C`, within: "within the safe range throughout", outside: (m) => `⚠ outside the safe range for about ${m} min`,
      sigOK: "signature ✓ · in the ledger ✓", unchecked: "not checked (checking stopped at the failure)", sigBad: "✗ this event failed the checks", plot: "Plot", grades: "Grades", cause: "Cause",
      kinds: { harvest: "Harvest", transformation: "Grading", packing: "Packing", unpacking: "Unpacking", shipping: "Shipping", transport: "Cold chain",
        receiving: "Receipt", storing: "Storage", sale: "Sale", loss: "Loss", correction: "Correction", other: "Event" },
      fork: "This ledger showed this device another history before: a tree of the same size with a different root. The ledger may have been forked or rewritten.",
      switchTo: "中文", of: "" },
  };
  // What each check means, for people (BUNDLE.md §3 names; checkpoint.fork is the page's own).
  const CHECKS = {
    "bundle.format": ["证明包格式正确", "The bundle is well-formed", "这不是有效的溯源证明包。", "The file is not a valid provenance bundle."],
    "genesis.record": ["创世记录有效", "The genesis record is valid", "账本的创世记录无效。", "The ledger's genesis record is not valid."],
    "trust.anchor": ["来自本页信任的账本", "From the ledger this page trusts", "证明包来自另一个账本，不是本页信任的账本。", "The bundle is from another ledger than the one this page trusts."],
    "genesis.block": ["创世区块由账本签名", "Genesis block signed by the ledger", "账本的创世区块或其签名不正确。", "The ledger's genesis block or its signature is wrong."],
    "bundle.origin": ["账本名称一致", "Ledger name matches", "证明包声明的账本名称与创世记录不符。", "The bundle names another ledger than its genesis."],
    "checkpoint.format": ["检查点格式正确", "Checkpoint well-formed", "账本检查点格式不正确。", "The ledger checkpoint is malformed."],
    "checkpoint.origin": ["检查点属于本账本", "Checkpoint is this ledger's", "检查点属于另一个账本。", "The checkpoint belongs to another ledger."],
    "checkpoint.signature": ["检查点由账本签名", "Checkpoint signed by the ledger", "检查点没有账本的有效签名。", "The checkpoint has no valid signature by the ledger."],
    "checkpoint.fork": ["与此前看到的历史一致", "Consistent with what this device saw before", "此账本曾向本设备展示过另一段历史。", "The ledger showed this device another history before."],
    "log.consistency": ["账本只增不改", "The ledger only grew", "账本当前的历史与此前看到的不一致（被回滚或分叉）。", "The ledger's history now does not extend what was seen before (rolled back or forked)."],
    "record.leaf": ["记录顺序正确", "Records in order", "记录顺序不对或超出账本范围。", "The records are out of order or outside the ledger."],
    "record.unreadable": ["记录可读", "Records readable", "有一条记录无法读取或不是规范格式。", "A record cannot be read or is not in canonical form."],
    "registry.signature": ["登记变更由管理方签名", "Registry changes signed by the authority", "一条参与方登记变更不是项目管理方签的。", "A registry change was not signed by the programme authority."],
    "registry.change": ["登记变更有效", "Registry changes valid", "一条参与方登记变更无效。", "A registry change is not valid."],
    "record.signer-key": ["签名密钥当时有效", "Signing keys valid at the time", "签名所用的密钥在该事件记录时未登记或已被吊销。", "An event was signed with a key that was not registered, or was revoked, at that point."],
    "record.signature": ["每个事件的签名正确", "Every event's signature is correct", "有事件在签名后被改动过。", "An event was changed after it was signed."],
    "proof.inclusion": ["每条记录都在账本中", "Every record is in the ledger", "有记录不在账本的签名默克尔树中（包含证明不成立）。", "A record is not in the ledger's signed Merkle tree (its inclusion proof fails)."],
    "lots.unclaimed": ["批次清单与事件一致", "Lot list matches the events", "证明包的批次清单漏掉了事件所说的内容。", "The bundle's lot list leaves out something the events say."],
    "lots.unsupported": ["批次清单均有事件支撑", "Lot list backed by events", "证明包的批次清单写了事件里没有的内容（有事件被删掉了？）。", "The bundle's lot list claims something no event says (was an event removed?)."],
    "lineage.unlinked": ["原料来历完整", "Every input's origin is here", "缺少原料批次的来历。", "Where an input lot came from is missing."],
    "subject.unnamed": ["事件提到本批次", "Events name this lot", "证明包里没有提到本批次的事件。", "No event in the bundle names this lot."],
    "lotmap.block": ["完整性证明由账本签名", "Completeness proof signed by the ledger", "完整性证明的区块不是检查点的区块或签名无效。", "The completeness proof's block is not the checkpoint's, or not signed."],
    "lotmap.proof": ["完整性证明成立", "Completeness proof holds", "账本并未承诺这些事件（完整性证明不成立）。", "The ledger does not commit to these events (the completeness proof fails)."],
    "lotmap.incomplete": ["没有遗漏事件", "No event left out", "证明包缺少账本中属于这段旅程的事件。", "The bundle leaves out an event of this journey that the ledger holds."],
    "lotmap.extra": ["没有多余事件", "No event added", "证明包含有不属于这段旅程的事件。", "The bundle holds an event that is not part of this journey."],
  };
  const ORDER = Object.keys(CHECKS);
  const ROLES = { farm: "农场", cooperative: "合作社", packhouse: "包装厂", carrier: "冷链承运商", warehouse: "仓库", retailer: "零售商", auditor: "审计方", authority: "项目管理方" };
  const PROVINCES = { Shaanxi: "陕西", Yunnan: "云南", Guangxi: "广西", Sichuan: "四川", Jiangxi: "江西", Hainan: "海南", Xinjiang: "新疆",
    Shandong: "山东", Guangdong: "广东", Shanghai: "上海", Beijing: "北京" };
  const PRODUCTS = { "Luochuan Fuji apple": "洛川富士苹果", "Zhouzhi Hayward kiwifruit": "周至海沃德猕猴桃", "Binchuan red grape": "宾川红提",
    "Mengzi pomegranate": "蒙自石榴", "Tianyang Tainong mango": "田阳台农芒果", "Wuming Wogan mandarin": "武鸣沃柑", "Anyue lemon": "安岳柠檬",
    "Gannan navel orange": "赣南脐橙", "Turpan seedless grape": "吐鲁番无核葡萄", "Pujiang ugly orange (Dekopon)": "蒲江丑柑" };
  const CAUSES = { damage: ["损坏", "damaged"], grading_reject: ["分级淘汰", "rejected at grading"], spoilage: ["腐坏", "spoiled"],
    cold_chain_excursion: ["冷链温度异常", "cold-chain excursion"] };
  const UNITS = { KGM: ["kg", "kg"], GRM: ["g", "g"], TNE: ["吨", "t"], MGM: ["mg", "mg"], LBR: ["磅", "lb"], H87: ["件", "items"], EA: ["件", "items"],
    C62: ["件", "items"], CS: ["箱", "cases"], CT: ["纸箱", "cartons"], BX: ["盒", "boxes"] };
  const w = () => W[lang];
  const pick = (zh, en) => (lang === "zh" ? zh : en);
  const tr = (table, s) => (lang === "zh" && s && table[s]) || s || "";

  // ---- small DOM helpers ----
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v);
    for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
    return el;
  }
  const NS = "http://www.w3.org/2000/svg";
  function s(tag, attrs, text) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    return el;
  }

  // ---- the address: /<prefix>/01/<gtin>/10/<lot> ----
  function parseAddress() {
    const path = location.pathname;
    const m = /^(.*?)\/(01\/(\d{8,14})(?:\/(10|21)\/([^/]+))+|00\/(\d{18}))\/?$/.exec(path);
    if (!m) return null;
    const parts = path.slice(m[1].length).split("/").filter(Boolean).map((x) => { try { return decodeURIComponent(x); } catch { return x; } });
    const q = {};
    for (let i = 0; i + 1 < parts.length; i += 2) q[parts[i]] = parts[i + 1];
    return { path, prefix: m[1], gtin: q["01"], lot: q["10"], serial: q["21"], sscc: q["00"] };
  }

  // ---- reading the bundle for display (the verifier checks the same records) ----
  const bare = (v, marker, urn) => {
    if (typeof v !== "string") return "";
    if (v.startsWith(urn)) return v.slice(urn.length);
    const i = v.lastIndexOf(marker);
    if (i >= 0) return v.slice(i + marker.length);
    return v.startsWith("cbv:") ? v.slice(4) : v;
  };
  const stepWord = (v) => bare(v, "BizStep-", "urn:epcglobal:cbv:bizstep:");
  const member = (obj, local) => {
    if (!obj || typeof obj !== "object") return undefined;
    const k = Object.keys(obj).find((k) => k === local || k.endsWith(":" + local) || k.endsWith("/" + local));
    return k === undefined ? undefined : obj[k];
  };
  function glnOf(id) {
    if (typeof id !== "string") return null;
    let m = /^urn:epc:id:(?:sgln|pgln):(\d{6,12})\.(\d*)(?:\.|$)/.exec(id);
    if (m && m[1].length + m[2].length === 12) { const b = m[1] + m[2]; return b + checkDigit(b); }
    m = /\/(?:414|417)\/(\d{13})/.exec(id);
    return m ? m[1] : null;
  }
  function checkDigit(d) { let t = 0; for (let i = 0; i < d.length; i++) t += Number(d[d.length - 1 - i]) * (i % 2 ? 1 : 3); return String((10 - (t % 10)) % 10); }

  async function readBundle(bundle) {
    const out = { genesis: null, participants: new Map(), byGLN: new Map(), byKey: new Map(), products: new Map(), events: [] };
    const keyID = async (b64) => {
      const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const d = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
      return "ed25519:" + Array.from(d.slice(0, 16), (x) => x.toString(16).padStart(2, "0")).join("");
    };
    const addParticipant = async (p) => {
      if (!p || typeof p.id !== "string") return;
      out.participants.set(p.id, p);
      if (p.gln) out.byGLN.set(p.gln, p);
      for (const k of p.publicKeys || []) { try { out.byKey.set(await keyID(k), p); } catch { /* shown as unknown */ } }
    };
    for (const entry of Array.isArray(bundle.records) ? bundle.records : []) {
      let r;
      try { r = JSON.parse(entry.record); } catch { continue; }
      if (r.type === "genesis") {
        out.genesis = r.genesis;
        for (const p of (r.genesis && r.genesis.participants) || []) await addParticipant(p);
        for (const p of (r.genesis && r.genesis.products) || []) out.products.set(p.gtin, p);
        try { out.byKey.set(await keyID(r.genesis.authority.publicKey), { name: r.genesis.authority.name, role: "authority" }); } catch { /* none */ }
      } else if (r.type === "registry" && r.change && r.change.op === "add") await addParticipant(r.change.participant);
      else if (r.type === "event" && r.event && typeof r.event === "object") out.events.push({ leaf: entry.leaf, event: r.event, signer: r.signer });
    }
    return out;
  }

  // ---- times, quantities ----
  function localTime(text, offset) {
    const ms = Date.parse(text);
    if (!Number.isFinite(ms)) return { text: String(text || ""), ms: NaN };
    const m = /^([+-])(\d\d):(\d\d)$/.exec(offset || "") || /([+-])(\d\d):(\d\d)$/.exec(text) || ["", "+", "00", "00"];
    const minutes = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
    const d = new Date(ms + minutes * 60000), p = (n) => String(n).padStart(2, "0");
    return { ms, date: `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`, time: `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`,
      text: `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`, minutes };
  }
  const group = (n) => { const [i, f] = String(n).split("."); return i.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (f ? "." + f : ""); };
  const amount = (q) => (q && q.quantity !== undefined ? group(q.quantity) + " " + (UNITS[q.uom] ? UNITS[q.uom][lang === "zh" ? 0 : 1] : q.uom || "") : "");
  const keyLabel = (id) => {
    const k = OrchardVerifier.traceKey(id);
    let m = /\/10\/([^/]+)$/.exec(k);
    if (m) return pick("批次 ", "lot ") + decodeURIComponent(m[1]);
    if ((m = /\/00\/(\d+)$/.exec(k))) return pick("托盘 ", "pallet ") + m[1];
    if ((m = /\/21\/([^/]+)$/.exec(k))) return pick("箱 ", "case ") + decodeURIComponent(m[1]);
    return k;
  };
  const gtinOf = (id) => { const m = /\/01\/(\d{14})/.exec(OrchardVerifier.traceKey(id || "")); return m ? m[1] : null; };
  const who = (p) => (p ? [p.name, tr(ROLES, p.role), tr(PROVINCES, p.province)].filter(Boolean).join(" · ") : pick("未知签名方", "unknown signer"));

  // ---- one event → one step ----
  function describe(ev, all, data) {
    const e = ev.event, step = stepWord(e.bizStep), t = localTime(e.eventTime, e.eventTimeZoneOffset);
    const actor = data.byKey.get(ev.signer);
    const place = data.byGLN.get(glnOf((e.bizLocation && e.bizLocation.id) || (e.readPoint && e.readPoint.id)));
    const qs = (list) => (Array.isArray(e[list]) ? e[list] : []);
    const subjects = qs("quantityList");
    const total = subjects.length && subjects.every((q) => q.uom === subjects[0].uom)
      ? amount({ quantity: Math.round(subjects.reduce((a, q) => a + Number(q.quantity || 0), 0) * 1e6) / 1e6, uom: subjects[0].uom }) : subjects.map(amount).join(" + ");
    const lots = (list) => qs(list).map((q) => `${amount(q)} ${keyLabel(q.epcClass)}`).join(" + ");
    const lines = [];
    let kind = "other", title = "", leg = null, farm = null;
    if (e.errorDeclaration) {
      kind = "correction";
      title = pick("声明此前记录有误", "Declared erroneous") + (e.errorDeclaration.reason ? ": " + bare(e.errorDeclaration.reason, "ER-", "urn:epcglobal:cbv:er:") : "");
    } else if (e.type === "TransformationEvent") {
      kind = "transformation";
      title = (step === "grading" ? pick("分级", "Graded") : pick("加工", "Transformed")) + pick("：", ": ") + lots("inputQuantityList") + " → " + lots("outputQuantityList");
      const grades = member(e.ilmd, "grades");
      if (Array.isArray(grades)) lines.push([w().grades, grades.join(", ")]);
    } else if ((e.type === "AggregationEvent" || e.type === "AssociationEvent") && e.parentID) {
      const what = [lots("childQuantityList"), ...qs("childEPCs").map(keyLabel)].filter(Boolean).join(", ");
      kind = e.action === "DELETE" ? "unpacking" : "packing";
      title = kind === "packing" ? pick(`${what} 装上${keyLabel(e.parentID)}`, `Packed ${what} onto ${keyLabel(e.parentID)}`)
        : pick(`从${keyLabel(e.parentID)}卸下 ${what || "全部货物"}`, `Unpacked ${what || "everything"} from ${keyLabel(e.parentID)}`);
      const cases = member(e, "caseCount");
      if (cases) lines.push([pick("箱数", "Cases"), group(cases)]);
    } else if (step === "commissioning") {
      kind = "harvest";
      const ilmd = e.ilmd || {}, farmID = member(ilmd, "farm");
      farm = data.participants.get(farmID) || null;
      const product = data.products.get(gtinOf(subjects[0] && subjects[0].epcClass));
      title = pick(`采收 ${total}${product ? " " + tr(PRODUCTS, product.name) : ""}`, `Harvested ${total}${product ? " of " + product.name : ""}`);
      if (farm || farmID) lines.push([w().farm, farm ? who(farm) : farmID]);
      if (member(ilmd, "harvestStartDate")) lines.push([w().harvested, member(ilmd, "harvestStartDate")]);
      if (member(ilmd, "variety")) lines.push([w().variety, member(ilmd, "variety")]);
      if (member(ilmd, "plot")) lines.push([w().plot, member(ilmd, "plot")]);
    } else if (step === "shipping") {
      kind = "shipping";
      const to = qs("destinationList").map((d) => data.byGLN.get(glnOf(d.destination))).filter(Boolean);
      title = pick(`发出 ${total}`, `Shipped ${total}`) + (to.length ? pick(" 至 ", " to ") + to.map((p) => p.name).join(", ") : "");
    } else if (step === "transporting" || step === "sensor_reporting") {
      kind = "transport";
      leg = coldChainLeg(ev, all, data);
      title = pick(`运输 ${total}`, `Carried ${total}`);
      if (leg.from || leg.to) lines.push([w().fromTo, [leg.from && leg.from.name, leg.to && leg.to.name].filter(Boolean).join(" → ")]);
      if (leg.departure) lines.push([w().depart, localTime(leg.departure).text]);
      if (leg.arrival) lines.push([w().arrive, localTime(leg.arrival).text]);
    } else if (["receiving", "arriving", "accepting"].includes(step)) { kind = "receiving"; title = pick(`收到 ${total}`, `Received ${total}`); }
    else if (step === "storing" || step === "holding") { kind = "storing"; title = pick(`入库 ${total}`, `Stored ${total}`); }
    else if (step === "retail_selling") { kind = "sale"; title = pick(`零售售出 ${total}`, `Sold ${total} at retail`); }
    else if (step === "destroying" || step === "disposing" || (e.action === "DELETE" && ["destroyed", "damaged", "expired", "disposed"].includes(bare(e.disposition, "Disp-", "urn:epcglobal:cbv:disp:")))) {
      kind = "loss";
      const cause = member(e, "lossCause");
      title = pick(`报损 ${total}`, `Written off ${total}`) + (cause ? pick("：", ": ") + (CAUSES[cause] ? CAUSES[cause][lang === "zh" ? 0 : 1] : cause) : "");
    } else title = (step || e.type).replace(/_/g, " ") + (total ? " " + total : "");
    if (place && place !== actor && kind !== "transport") lines.push([w().at, who(place)]);
    return { leaf: ev.leaf, kind, title, time: t, actor, lines, leg, farm };
  }

  function temperatures(e) {
    const points = [];
    let end = null;
    for (const el of Array.isArray(e.sensorElementList) ? e.sensorElementList : []) {
      if (end === null && el.sensorMetadata && el.sensorMetadata.endTime) end = Date.parse(el.sensorMetadata.endTime);
      for (const r of Array.isArray(el.sensorReport) ? el.sensorReport : []) {
        if (typeof r.type !== "string" || !r.type.endsWith("Temperature") || typeof r.value !== "number") continue;
        const c = r.uom === "FAH" ? (r.value - 32) * 5 / 9 : r.uom === "KEL" ? r.value - 273.15 : r.value;
        points.push({ ms: Date.parse(r.time), c, time: r.time });
      }
    }
    points.sort((a, b) => a.ms - b.ms);
    return { points, end };
  }

  function coldChainLeg(ev, all, data) {
    const e = ev.event, mine = new Set([...OrchardVerifier.named(e).keys()]);
    const shares = (x) => [...OrchardVerifier.named(x.event).keys()].some((k) => mine.has(k));
    const shipment = all.filter((x) => x.leaf < ev.leaf && stepWord(x.event.bizStep) === "shipping" && shares(x)).pop();
    const from = shipment && data.byKey.get(shipment.signer);
    const dest = shipment && (shipment.event.destinationList || [])[0];
    const to = dest && data.byGLN.get(glnOf(dest.destination));
    const receipt = all.find((x) => x.leaf > ev.leaf && ["receiving", "arriving"].includes(stepWord(x.event.bizStep)) && shares(x)
      && (!to || data.byGLN.get(glnOf((x.event.bizLocation && x.event.bizLocation.id) || (x.event.readPoint && x.event.readPoint.id))) === to));
    const meta = ((e.sensorElementList || [])[0] || {}).sensorMetadata || {};
    const log = temperatures(e);
    const q = (e.quantityList || [])[0];
    const product = data.products.get(gtinOf(q && q.epcClass));
    const range = product && product.safeTemperature ? [Number(product.safeTemperature.min), Number(product.safeTemperature.max)] : null;
    let outside = 0;
    if (range) log.points.forEach((p, i) => {
      const until = i + 1 < log.points.length ? log.points[i + 1].ms : Math.max(p.ms, log.end || p.ms);
      if (p.c < range[0] || p.c > range[1]) outside += until - p.ms;
    });
    return { from, to, departure: meta.startTime || (shipment && shipment.event.eventTime), arrival: (receipt && receipt.event.eventTime) || meta.endTime,
      log, range, minutesOutside: Math.round(outside / 60000), offset: e.eventTimeZoneOffset };
  }

  // ---- the temperature chart: inline SVG, the safe band, excursions in red ----
  function chart(leg) {
    const pts = leg.log.points.filter((p) => Number.isFinite(p.ms));
    if (pts.length < 1) return null;
    const W0 = 340, H0 = 130, L = 34, R = 8, T = 10, B = 22;
    const cs = pts.map((p) => p.c), lo0 = Math.min(...cs, leg.range ? leg.range[0] : Infinity), hi0 = Math.max(...cs, leg.range ? leg.range[1] : -Infinity);
    const lo = Math.floor(lo0 - 1), hi = Math.ceil(hi0 + 1);
    const t0 = pts[0].ms, t1 = Math.max(pts[pts.length - 1].ms, leg.log.end || 0, t0 + 1);
    const x = (ms) => L + (ms - t0) / (t1 - t0) * (W0 - L - R), y = (c) => T + (hi - c) / (hi - lo) * (H0 - T - B);
    const out = (c) => leg.range && (c < leg.range[0] || c > leg.range[1]);
    const svg = s("svg", { viewBox: `0 0 ${W0} ${H0}`, class: "chart", role: "img",
      "aria-label": w().temps + ": " + w().tempLine(Math.min(...cs).toFixed(1), (cs.reduce((a, b) => a + b, 0) / cs.length).toFixed(1), Math.max(...cs).toFixed(1), cs.length) });
    svg.append(s("rect", { x: L, y: T, width: W0 - L - R, height: H0 - T - B, class: "plot" }));
    if (leg.range) {
      svg.append(s("rect", { x: L, y: y(leg.range[1]), width: W0 - L - R, height: Math.max(1, y(leg.range[0]) - y(leg.range[1])), class: "band" }));
      for (const v of leg.range) svg.append(s("text", { x: L - 4, y: y(v) + 4, class: "tick", "text-anchor": "end" }, `${v}°`));
    }
    let d = "";
    pts.forEach((p, i) => { d += (i ? "L" : "M") + x(p.ms).toFixed(1) + " " + y(p.c).toFixed(1); });
    if (leg.log.end && leg.log.end > pts[pts.length - 1].ms) d += "L" + x(leg.log.end).toFixed(1) + " " + y(pts[pts.length - 1].c).toFixed(1);
    svg.append(s("path", { d, class: "line" }));
    pts.forEach((p, i) => {
      if (!out(p.c)) return;
      const until = i + 1 < pts.length ? pts[i + 1].ms : Math.max(p.ms, leg.log.end || p.ms);
      svg.append(s("line", { x1: x(p.ms).toFixed(1), y1: y(p.c).toFixed(1), x2: x(until).toFixed(1), y2: y(p.c).toFixed(1), class: "hot" }));
      svg.append(s("circle", { cx: x(p.ms).toFixed(1), cy: y(p.c).toFixed(1), r: 2.6, class: "hotdot" }));
    });
    const start = localTime(pts[0].time, leg.offset), end = localTime(new Date(t1).toISOString(), leg.offset);
    svg.append(s("text", { x: L, y: H0 - 6, class: "tick" }, start.time));
    svg.append(s("text", { x: W0 - R, y: H0 - 6, class: "tick", "text-anchor": "end" }, (end.date !== start.date ? end.date.slice(5) + " " : "") + end.time));
    return svg;
  }

  // ---- rendering ----
  function shell(title) {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.title = title;
    app.textContent = "";
    const other = lang === "zh" ? "en" : "zh";
    const sw = h("button", { class: "switch", type: "button", lang: other === "zh" ? "zh-CN" : "en", id: "lang-switch" }, w().switchTo);
    sw.addEventListener("click", () => { lang = other; store.set("orchard-lang", other); render(); });
    app.append(h("header", { class: "top" }, h("span", { class: "brand" }, pick("果园溯源账本", "Orchard ledger")), sw));
  }

  let current = { stage: "loading" };
  function render() {
    const c = current;
    shell(c.title || w().title);
    if (c.stage === "loading") { app.append(h("p", { class: "muted" }, w().loading)); return; }
    if (c.stage === "message") {
      app.append(h("section", { class: "card notice" }, h("h1", {}, c.heading()), h("p", {}, c.text()), c.code ? h("p", { class: "code" }, c.code) : null));
      app.append(keyBox());
      return;
    }
    const { bundle, data, steps, address } = c;
    const subjectQ = data.events.map((e) => (e.event.quantityList || []).find((q) => OrchardVerifier.traceKey(q.epcClass) === bundle.subject)).find(Boolean);
    const product = data.products.get(address.gtin) || data.products.get(gtinOf(subjectQ && subjectQ.epcClass));
    const harvest = steps.find((x) => x.kind === "harvest");
    document.title = (product ? tr(PRODUCTS, product.name) : w().title) + " · " + (address.lot || address.serial || address.sscc || "");
    app.append(h("section", { class: "hero" },
      h("p", { class: "eyebrow" }, w().title),
      h("h1", {}, product ? tr(PRODUCTS, product.name) : w().title),
      h("p", { class: "ids" }, h("span", {}, address.lot ? `${w().lot} ${address.lot}` : address.serial ? `${pick("箱号", "Case")} ${address.serial}` : `SSCC ${address.sscc}`),
        address.gtin ? h("span", { class: "muted" }, `${w().gtin} ${address.gtin}`) : null),
      harvest ? h("dl", { class: "origin" }, harvest.lines.filter(([k]) => k === w().farm || k === w().harvested || k === w().variety)
        .map(([k, v]) => [h("dt", {}, k), h("dd", {}, k === w().farm && harvest.farm ? [harvest.farm.name, tr(PROVINCES, harvest.farm.province)].filter(Boolean).join(" · ") : v)])) : null));
    app.append(statusBox(c));
    app.append(h("h2", {}, w().journey));
    const list = h("ol", { class: "timeline" });
    const failedLeaf = c.result && !c.result.ok ? c.result.failure.leaf : undefined;
    for (const st of (bundle.direction === "forward" ? steps : [...steps].reverse())) {
      const bad = failedLeaf === st.leaf, ok = c.result && c.result.verifiedLeaves.has(st.leaf) && !bad;
      const exc = st.leg && st.leg.minutesOutside > 0;
      list.append(h("li", { class: `step k-${st.kind}${bad ? " failed" : ""}${exc ? " excursion" : ""}`, "data-leaf": st.leaf },
        h("div", { class: "when" }, h("span", { class: "chip" }, w().kinds[st.kind]), " ", h("time", {}, st.time.text)),
        h("p", { class: "what" }, st.title),
        h("p", { class: "who" }, w().signedBy + pick("：", ": "), who(st.actor)),
        st.lines.length ? h("dl", {}, st.lines.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])) : null,
        st.leg ? legBox(st.leg) : null,
        h("p", { class: bad ? "mark bad" : ok ? "mark ok" : "mark muted" }, bad ? w().sigBad : ok ? w().sigOK : c.result ? w().unchecked : "…", " · ", w().leaf.replace("%s", st.leaf))));
    }
    app.append(list);
    app.append(keyBox(c.result && c.result.checkpoint));
    app.append(h("p", { class: "small" }, h("a", { href: address.path + "?linkType=gs1:traceability", download: "bundle.json" }, w().downloaded)));
  }

  function legBox(leg) {
    const cs = leg.log.points.map((p) => p.c);
    if (!cs.length) return null;
    const mean = cs.reduce((a, b) => a + b, 0) / cs.length;
    return h("div", { class: "leg" }, chart(leg),
      h("p", { class: "temps" }, w().tempLine(Math.min(...cs).toFixed(1), mean.toFixed(1), Math.max(...cs).toFixed(1), cs.length),
        leg.range ? " · " + w().safe(leg.range[0], leg.range[1]) : ""),
      leg.range ? h("p", { class: leg.minutesOutside > 0 ? "warn" : "good" }, leg.minutesOutside > 0 ? w().outside(leg.minutesOutside) : "✓ " + w().within) : null);
  }

  function statusBox(c) {
    if (!c.result) return h("section", { class: "card status pending", id: "status" }, h("p", { class: "badge" }, "⏳ " + w().verifying));
    const r = c.result;
    if (r.ok) {
      const total = r.completeness ? r.events.length : 0;
      return h("section", { class: "card status ok", id: "status" },
        h("p", { class: "badge" }, "✓ " + w().verified),
        h("p", {}, w().verifiedText(r.events.length, r.checkpoint.size)),
        total ? h("p", { class: "small" }, w().complete(total)) : null,
        checkList(r));
    }
    const f = r.failure, meaning = CHECKS[f.check] || [f.check, f.check, f.check, f.check];
    const step = f.leaf !== undefined && c.steps.find((x) => x.leaf === f.leaf);
    return h("section", { class: "card status bad", id: "status", "data-check": f.check },
      h("p", { class: "badge" }, "✗ " + w().failed),
      h("p", {}, w().failedText),
      h("p", { class: "why" }, lang === "zh" ? meaning[2] : meaning[3]),
      step ? h("p", {}, w().atEvent, h("b", {}, `${w().kinds[step.kind]} ${step.time.text}`), " (", w().leaf.replace("%s", f.leaf), ")") : null,
      h("p", { class: "code" }, `${f.check}: ${f.reason}`),
      checkList(r));
  }

  function checkList(r) {
    const failed = r.failure && r.failure.check;
    const items = ORDER.filter((k) => r.passed.includes(k) || k === failed).map((k) =>
      h("li", { class: k === failed ? "bad" : "ok" }, (k === failed ? "✗ " : "✓ ") + CHECKS[k][lang === "zh" ? 0 : 1], h("span", { class: "muted" }, " " + k)));
    return h("details", { open: failed ? "" : null }, h("summary", {}, w().checks), h("ul", { class: "checks" }, items));
  }

  function keyBox(cp) {
    const box = h("section", { class: "key" }, h("p", {}, h("b", {}, w().key)), h("p", { class: "fp", id: "fingerprint" }, current.fingerprint || "…"),
      h("p", { class: "small muted" }, w().keyHelp),
      h("p", { class: "small muted ledger" }, w().ledger + " " + (KEY.split("+")[0] || "?") + (cp ? ` · ${pick("检查点", "checkpoint")} ${cp.size}` : "")));
    return box;
  }

  function message(heading, text, state, code) {
    current = { stage: "message", heading, text, code, fingerprint: current.fingerprint };
    app.dataset.state = state;
    render();
  }

  // The last checkpoints seen for this ledger (by tree size): the same size with another root is a fork.
  function rememberCheckpoint(cp) {
    const name = "orchard-checkpoints:" + cp.origin;
    let seen = {};
    try { seen = JSON.parse(store.get(name) || "{}") || {}; } catch { seen = {}; }
    const before = seen[cp.size];
    if (before && before !== cp.rootBase64) return false;
    seen[cp.size] = cp.rootBase64;
    const sizes = Object.keys(seen).map(Number).sort((a, b) => b - a).slice(0, 64);
    store.set(name, JSON.stringify(Object.fromEntries(sizes.map((k) => [k, seen[k]]))));
    return true;
  }

  // The log checkpoints this device saw for the ledger (from /checkpoint), largest first: the log
  // must extend every one of them.
  function rememberedCheckpoints(origin) {
    let seen = {};
    try { seen = JSON.parse(store.get("orchard-log:" + origin) || "{}") || {}; } catch { seen = {}; }
    return Object.keys(seen).map(Number).sort((a, b) => b - a).slice(0, 8).map((size) => ({ size, rootBase64: seen[size] }));
  }
  function rememberLog(log) {
    const seen = Object.fromEntries(rememberedCheckpoints(log.origin).map((c) => [c.size, c.rootBase64]));
    seen[log.size] = log.rootBase64;
    store.set("orchard-log:" + log.origin, JSON.stringify(seen));
  }

  async function fingerprint() {
    try {
      const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(KEY.trim())));
      return Array.from(d.slice(0, 10), (x) => x.toString(16).padStart(2, "0")).join("").match(/..../g).join(" ");
    } catch { return "?"; }
  }

  async function main() {
    app.dataset.state = "loading";
    render();
    if (!globalThis.crypto || !crypto.subtle) return message(() => w().network, () => pick("此浏览器无法进行核验（需要 HTTPS 安全连接）。", "This browser cannot check the proofs here (it needs a secure, HTTPS connection)."), "error");
    current.fingerprint = await fingerprint();
    const address = parseAddress();
    if (!address) return message(() => w().notFound, () => w().badLink, "bad-link", location.pathname);
    let reply;
    try {
      reply = await fetch(address.path, { headers: { Accept: "application/json" }, cache: "no-cache" });
    } catch (err) {
      return message(() => w().network, () => w().networkText(String(err && err.message || err)), "network-error");
    }
    if (reply.status === 404) return message(() => w().notFound, () => w().notFoundText, "unknown-lot", [address.gtin, address.lot || address.serial || address.sscc].filter(Boolean).join(" · "));
    if (!reply.ok) return message(() => w().network, () => w().networkText("HTTP " + reply.status), "network-error");
    let bundle;
    try { bundle = await reply.json(); } catch { return message(() => w().network, () => w().badAnswer, "error"); }
    if (!bundle || !Array.isArray(bundle.records)) return message(() => w().network, () => w().badAnswer, "error");
    const data = await readBundle(bundle);
    const events = data.events.slice().sort((a, b) => a.leaf - b.leaf);
    const steps = events.map((ev) => describe(ev, events, data));
    current = { stage: "page", bundle, data, steps, address, fingerprint: current.fingerprint };
    app.dataset.state = "verifying";
    render();
    const result = await OrchardVerifier.verify(bundle, KEY);
    if (result.ok && !rememberCheckpoint(result.checkpoint)) {
      result.ok = false;
      result.failure = new OrchardVerifier.Failure("checkpoint.fork", `tree size ${result.checkpoint.size} was seen before with another root`, { path: "checkpoint" });
    }
    if (result.ok) {
      // The log now: its checkpoint extends the bundle's and every one this device remembers.
      const get = async (url) => {
        const r = await fetch(url, { cache: "no-cache" });
        if (r.status === 404) return null;
        if (!r.ok) throw new Error("HTTP " + r.status + " for " + url);
        return new Uint8Array(await r.arrayBuffer());
      };
      try {
        const log = await OrchardVerifier.checkLog(address.prefix, KEY, result.checkpoint, rememberedCheckpoints(result.checkpoint.origin), get);
        rememberLog(log);
        result.passed.push("log.consistency");
        result.log = log;
      } catch (err) {
        result.ok = false;
        result.failure = err instanceof OrchardVerifier.Failure ? err : new OrchardVerifier.Failure("log.consistency", String(err && err.message || err), { path: "log" });
      }
    }
    current.result = result;
    app.dataset.state = result.ok ? "verified" : "failed";
    if (!result.ok) app.dataset.failedCheck = result.failure.check;
    render();
  }
  main().catch((err) => message(() => w().network, () => String(err && err.message || err), "error"));
})();
"""#
}
