// The consumer page's bundle verifier, in JavaScript: Docs/BUNDLE.md §3 steps 1–5 written from the
// documents alone (WebCrypto SHA-256 and Ed25519; no code shared with the Swift verifier). It runs in
// the page and, in the tests, under Node.js against bundles the Swift side writes and tampers with.
extension ConsumerPage {
    /// `OrchardVerifier.verify(bundle, verifierKey)` → `{ok, failure: {check, reason, leaf?, path?},
    /// passed: [check…], checkpoint, events, completeness, anchor: {fingerprint…}}`; no DOM. Under
    /// Node.js it is also a CommonJS module.
    public static let verifierScript = #"""
// Orchard bundle verifier for browsers (and Node.js): Docs/BUNDLE.md §3 steps 1–5, written from
// the documents alone, with WebCrypto's SHA-256 and Ed25519. No DOM; the page script calls
// OrchardVerifier.verify(bundleObject, verifierKeyText) and renders what it returns.
"use strict";
const OrchardVerifier = (() => {
  const te = new TextEncoder();
  const subtle = () => globalThis.crypto.subtle;

  class Failure extends Error {
    constructor(check, reason, where = {}) {
      super(check + ": " + reason);
      this.check = check; this.reason = reason;
      this.leaf = where.leaf; this.path = where.path; this.key = where.key;
    }
  }
  const fail = (check, reason, where) => { throw new Failure(check, reason, where); };

  // ---- bytes ----
  const utf8 = (s) => te.encode(s);
  const concat = (...parts) => {
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { all.set(p, o); o += p.length; }
    return all;
  };
  const sha256 = async (...parts) => new Uint8Array(await subtle().digest("SHA-256", concat(...parts)));
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const be8 = (n) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(n)); return b; };
  function b64(s, what, check = "bundle.format", where = {}) {
    if (typeof s !== "string" || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) fail(check, what + " is not base64", where);
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  }
  const fromHex = (s) => Uint8Array.from(s.match(/../g) || [], (h) => parseInt(h, 16));

  // RFC 8785: members sorted by UTF-16 code units (the default sort), ECMAScript numbers and strings.
  function jcs(v) {
    if (v === null || typeof v === "boolean" || typeof v === "string") return JSON.stringify(v);
    if (typeof v === "number") { if (!Number.isFinite(v)) throw new Error("not a finite number"); return JSON.stringify(v); }
    if (Array.isArray(v)) return "[" + v.map(jcs).join(",") + "]";
    return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + jcs(v[k])).join(",") + "}";
  }

  const keyCache = new Map();
  async function ed25519(pub, sig, message) {
    if (pub.length !== 32 || sig.length !== 64) return false;
    const id = hex(pub);
    let key = keyCache.get(id);
    if (!key) { key = await subtle().importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]); keyCache.set(id, key); }
    return subtle().verify({ name: "Ed25519" }, key, sig, message);
  }
  const keyID = async (pub) => "ed25519:" + hex((await sha256(pub)).slice(0, 16));
  const isInt = (n) => Number.isSafeInteger(n) && n >= 0;

  // ---- the trust anchor (BUNDLE.md §1) ----
  async function parseVerifierKey(text) {
    const t = String(text || "").trim();
    const a = t.lastIndexOf("+"), b = t.lastIndexOf("+", a - 1);
    if (a < 0 || b <= 0) fail("trust.anchor", "the page's verifier key is not <origin>+<hash>+<key>");
    const name = t.slice(0, b), hash = t.slice(b + 1, a);
    const raw = b64(t.slice(a + 1), "the verifier key", "trust.anchor");
    if (raw.length !== 33 || raw[0] !== 1) fail("trust.anchor", "the page's verifier key is not an Ed25519 key");
    const key = raw.slice(1);
    if (hash !== hex((await sha256(utf8(name + "\n"), [1], key)).slice(0, 4))) fail("trust.anchor", "the page's verifier key has a wrong key hash");
    return { name, key, text: t, fingerprint: hex((await sha256(utf8(t))).slice(0, 10)).match(/..../g).join(" ") };
  }

  // ---- GS1 identifiers → trace keys (FORMAT.md §7, EVENT-HASH.md §4.4, the forms Orchard writes) ----
  function checkDigit(digits) {
    let sum = 0;
    for (let i = 0; i < digits.length; i++) sum += Number(digits[digits.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
    return String((10 - (sum % 10)) % 10);
  }
  const escapeSerial = (s) => s.replace(/[!()*+,:]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  const qualifier = /^["'\-.0-9;<=>?A-Z_a-z]{1,20}$/;
  function traceKey(uri) {
    if (typeof uri !== "string" || !uri.includes(".")) return uri;
    let m = /^urn:epc:(class:lgtin|id:sgtin|idpat:sgtin):(\d{6,12})\.(\d+)\.(.+)$/.exec(uri);
    if (m && m[2].length + m[3].length === 13) {
      const body = m[3][0] + m[2] + m[3].slice(1), gtin = body + checkDigit(body);
      if (m[1] === "idpat:sgtin") return m[4] === "*" ? "https://id.gs1.org/01/" + gtin : uri;
      return "https://id.gs1.org/01/" + gtin + (m[1] === "class:lgtin" ? "/10/" : "/21/") + escapeSerial(m[4]);
    }
    m = /^urn:epc:id:sscc:(\d{6,12})\.(\d+)$/.exec(uri);
    if (m && m[1].length + m[2].length === 17) {
      const body = m[2][0] + m[1] + m[2].slice(1);
      return "https://id.gs1.org/00/" + body + checkDigit(body);
    }
    m = /^https?:\/\/[^/?#]+((?:\/[^/?#]+)*)\/?(?:[?#].*)?$/.exec(uri);
    if (!m) return uri;
    const names = { gtin: "01", lot: "10", ser: "21", sscc: "00" };
    const seg = m[1].split("/").slice(1).map((s) => names[s] || s);
    const start = uri.startsWith("https://id.gs1.org/") ? 0 : seg.findIndex((s, i) => (s === "00" || s === "01") && i + 1 < seg.length);
    if (start < 0 || !/^\d{4}/.test(seg[start + 1] || "") || seg[start + 1].length < 5) return uri;
    const [ai, value] = [seg[start], seg[start + 1]], rest = seg.slice(start + 2);
    if (ai === "00") return /^\d{18}$/.test(value) && rest.length === 0 ? "https://id.gs1.org/00/" + value : uri;
    if (ai !== "01" || !/^(\d{8}|\d{12,14})$/.test(value)) return uri;
    const gtin = value.padStart(14, "0"), q = {};
    for (let i = 0; i + 1 < rest.length; i += 2) q[rest[i]] = rest[i + 1];
    if (rest.length % 2 || Object.keys(q).some((k) => !["10", "21", "22"].includes(k))) return uri;
    const pick = q["21"] !== undefined ? ["21", q["21"]] : q["10"] !== undefined ? ["10", q["10"]] : null;
    if (pick && !qualifier.test(pick[1])) return uri;
    return "https://id.gs1.org/01/" + gtin + (pick ? "/" + pick[0] + "/" + pick[1] : "");
  }

  // ---- what an event names and the lineage edges it makes (FORMAT.md §7) ----
  const ROLE = { subject: 1, child: 2, input: 4, output: 8, parent: 16 };
  const roleNames = (bits) => Object.keys(ROLE).filter((r) => bits & ROLE[r]);
  const LISTS = [["quantityList", "subject", true], ["childQuantityList", "child", true], ["inputQuantityList", "input", true],
    ["outputQuantityList", "output", true], ["epcList", "subject", false], ["childEPCs", "child", false],
    ["inputEPCList", "input", false], ["outputEPCList", "output", false]];
  function identifiers(e) {
    const out = [];
    for (const [list, role, quantities] of LISTS) {
      for (const item of Array.isArray(e[list]) ? e[list] : []) {
        const id = quantities ? item && item.epcClass : item;
        if (typeof id === "string") out.push({ key: traceKey(id), role, id });
      }
    }
    return out;
  }
  function named(e) {
    const bits = new Map();
    const add = (k, r) => bits.set(k, (bits.get(k) || 0) | ROLE[r]);
    if (typeof e.parentID === "string") add(traceKey(e.parentID), "parent");
    for (const i of identifiers(e)) add(i.key, i.role);
    return bits;
  }
  function edges(e) {
    const out = [], ids = identifiers(e);
    if (e.errorDeclaration) return out;
    if (e.type === "TransformationEvent") {
      for (const o of ids.filter((i) => i.role === "output")) for (const i of ids.filter((i) => i.role === "input")) out.push({ from: o.key, to: i.key, kind: "transformation" });
    }
    if (typeof e.parentID === "string" && (e.type === "AggregationEvent" || e.type === "AssociationEvent") && e.action && e.action !== "OBSERVE") {
      const kind = e.type === "AggregationEvent" ? (e.action === "ADD" ? "aggregation" : "disaggregation") : (e.action === "ADD" ? "association" : "dissociation");
      const parent = traceKey(e.parentID), children = ids.filter((i) => i.role === "child");
      for (const c of children) out.push({ from: parent, to: c.key, kind });
      if (!children.length && (kind === "disaggregation" || kind === "dissociation")) out.push({ from: parent, to: null, kind });
    }
    return out;
  }

  // ---- RFC 9162 §2.1.3.2 ----
  async function inclusionRoot(leaf, size, leafHash, path) {
    if (leaf >= size) return null;
    let fn = leaf, sn = size - 1, r = leafHash;
    for (const p of path) {
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256([1], p, r);
        if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else r = await sha256([1], r, p);
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  // ---- the checkpoint (FORMAT.md §4) ----
  async function checkpoint(text, origin, sequencerKey) {
    const cut = typeof text === "string" ? text.indexOf("\n\n") : -1;
    if (cut < 0) fail("checkpoint.format", "the checkpoint is not a signed note (no blank line)", { path: "checkpoint" });
    const body = text.slice(0, cut + 1), lines = body.split("\n");
    if (lines.length !== 4 || !/^(0|[1-9]\d*)$/.test(lines[1])) fail("checkpoint.format", "the checkpoint body is not origin, size and root", { path: "checkpoint" });
    const root = b64(lines[2], "the checkpoint's root", "checkpoint.format", { path: "checkpoint" });
    if (root.length !== 32) fail("checkpoint.format", "the checkpoint's root is not 32 bytes", { path: "checkpoint" });
    if (lines[0] !== origin) fail("checkpoint.origin", `the checkpoint is of another ledger: "${lines[0]}", not "${origin}"`, { path: "checkpoint" });
    const keyHash = (await sha256(utf8(origin + "\n"), [1], sequencerKey)).slice(0, 4);
    const sigLines = text.slice(cut + 2).split("\n");
    let signed = false;
    for (const line of sigLines) {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
      if (!m || m[1] !== origin) continue;
      const raw = b64(m[2], "a checkpoint signature", "checkpoint.format", { path: "checkpoint" });
      if (raw.length === 68 && equal(raw.slice(0, 4), keyHash) && await ed25519(sequencerKey, raw.slice(4), utf8(body))) signed = true;
    }
    if (!signed) fail("checkpoint.signature", "the checkpoint has no valid signature by the ledger's sequencer key", { path: "checkpoint" });
    return { origin, size: Number(lines[1]), root, rootBase64: lines[2], text };
  }

  // ---- block headers (FORMAT.md §4) ----
  const HEADER_KEYS = { 1: "firstLeaf,height,previousHash,recordCount,rootHash,sequencer,time,treeSize,version",
    2: "firstLeaf,height,lotMapRoot,previousHash,recordCount,rootHash,sequencer,time,treeSize,version" };
  async function header(block, check, g, path) {
    if (!block || typeof block.header !== "string") fail("bundle.format", "a block must be {header, signature}", { path });
    let h;
    try { h = JSON.parse(block.header); } catch { fail(check, "the header is not JSON", { path }); }
    if (!h || typeof h !== "object" || Array.isArray(h) || HEADER_KEYS[h.version] !== Object.keys(h).sort().join(",")) fail(check, "not a block header of version 1 or 2", { path });
    if (jcs(h) !== block.header) fail(check, "the header is not in canonical (RFC 8785) form", { path });
    for (const k of ["firstLeaf", "height", "recordCount", "treeSize"]) if (!isInt(h[k])) fail(check, k + " is not a whole number", { path });
    for (const k of ["previousHash", "rootHash"].concat(h.version === 2 ? ["lotMapRoot"] : [])) if (!/^[0-9a-f]{64}$/.test(h[k])) fail(check, k + " is not 64 hex digits", { path });
    const message = concat(utf8("orchard-v1:block\n" + g.origin + "\n"), utf8(block.header));
    if (!await ed25519(g.sequencerKey, b64(block.signature, "the block signature", check, { path }), message)) fail(check, "the block's signature does not verify with the genesis sequencer key", { path });
    return h;
  }

  // ---- genesis (FORMAT.md §5) ----
  function genesisDocument(G) {
    const bad = (why) => fail("genesis.record", "not a valid genesis document: " + why, { leaf: 0, path: "records[0].record" });
    if (!G || G.orchardGenesis !== 1) bad("orchardGenesis must be 1");
    if (typeof G.origin !== "string" || !G.origin || /[\s]/.test(G.origin)) bad("origin");
    for (const k of ["name", "createdAt"]) if (typeof G[k] !== "string" || !G[k]) bad(k);
    const key = (v, what) => { const k = b64(v, what, "genesis.record", { leaf: 0 }); if (k.length !== 32) bad(what + " is not 32 bytes"); return k; };
    const roles = G.roles && typeof G.roles === "object" ? G.roles : bad("roles");
    for (const r of Object.values(roles)) if (!r || !Array.isArray(r.bizSteps)) bad("each role needs bizSteps");
    if (!Array.isArray(G.participants)) bad("participants");
    const ids = new Set();
    for (const p of G.participants) {
      if (!p || typeof p.id !== "string" || ids.has(p.id) || typeof p.name !== "string" || !(p.role in roles) || !Array.isArray(p.publicKeys) || !p.publicKeys.length) bad("participant " + (p && p.id));
      if (p.gln !== undefined && !(/^\d{13}$/.test(p.gln) && checkDigit(p.gln.slice(0, 12)) === p.gln[12])) bad("participant " + p.id + ": GLN");
      p.publicKeys.forEach((k) => key(k, "a key of " + p.id));
      ids.add(p.id);
    }
    return { doc: G, origin: G.origin, sequencerKey: key(G.sequencer && G.sequencer.publicKey, "sequencer.publicKey"),
      authorityKey: key(G.authority && G.authority.publicKey, "authority.publicKey") };
  }

  // ---- the registry, replayed (FORMAT.md §5) ----
  class Registry {
    constructor() { this.keys = new Map(); this.participants = new Map(); this.ever = new Set(); }
    async add(p, from, roles) {
      if (!p || typeof p.id !== "string" || typeof p.name !== "string" || !Array.isArray(p.publicKeys) || !p.publicKeys.length) throw new Error("not a participant");
      if (this.participants.has(p.id)) throw new Error(`participant ${p.id} is already registered`);
      if (roles && !(p.role in roles)) throw new Error(`unknown role ${p.role}`);
      this.participants.set(p.id, p);
      for (const k of p.publicKeys) await this.addKey(p.id, b64(k, "a public key", "registry.change"), from);
    }
    async addKey(id, raw, from) {
      if (raw.length !== 32) throw new Error("a public key is not 32 bytes");
      const kid = await keyID(raw);
      if (this.ever.has(kid)) throw new Error(`key ${kid} was registered before`);
      this.ever.add(kid);
      this.keys.set(kid, { participant: id, key: raw, from, until: null });
    }
    async apply(change, n, roles) {
      const from = n + 1;
      if (change.op === "add") return this.add(change.participant, from, roles);
      const id = change.participant;
      if (typeof id !== "string" || !this.participants.has(id)) throw new Error(`unknown participant ${id}`);
      if (change.op === "rotate") {
        for (const k of this.keys.values()) if (k.participant === id && k.until === null) k.until = from;
        return this.addKey(id, b64(change.publicKey, "the new key", "registry.change"), from);
      }
      if (change.op === "revoke") {
        const k = this.keys.get(change.keyID);
        if (!k || k.participant !== id || k.until !== null) throw new Error(`${change.keyID} is not a current key of ${id}`);
        k.until = from;
        return;
      }
      throw new Error(`unknown op ${change.op}`);
    }
    signer(kid, n) {
      const k = this.keys.get(kid);
      if (!k) return { why: `key ${kid} is not registered` };
      const who = this.participants.get(k.participant);
      if (n < k.from) return { who, why: `key ${kid} of ${who.name} is valid only from leaf ${k.from}` };
      if (k.until !== null && n >= k.until) return { who, why: `key ${kid} of ${who.name} was revoked or rotated before leaf ${n}` };
      return { who, key: k.key };
    }
  }

  const EVENT_TYPES = ["ObjectEvent", "AggregationEvent", "TransformationEvent", "TransactionEvent", "AssociationEvent"];
  const KINDS = { genesis: "genesis", event: "event", registry: "change" };

  // ---- a record: its kind, canonical form, payload ----
  function readRecord(text, n, i) {
    const where = { leaf: n, path: `records[${i}].record` };
    let r;
    try { r = JSON.parse(text); } catch { fail("record.unreadable", "the record is not JSON", where); }
    const payload = r && KINDS[r.type];
    const members = r && typeof r === "object" ? Object.keys(r).sort().join(",") : "";
    const expected = r && { genesis: "genesis,type", event: "event,sig,signer,type", registry: "change,sig,signer,type" }[r.type];
    if (!payload || members !== expected) fail("record.unreadable", "not a genesis, event or registry record", where);
    if (jcs(r) !== text) fail("record.unreadable", "the record is not in canonical (RFC 8785) form", where);
    if ((r.type === "genesis") !== (n === 0)) fail(n === 0 ? "genesis.record" : "record.unreadable", n === 0 ? "leaf 0 must be the genesis record" : "a genesis record at leaf " + n, where);
    return { r, kind: r.type, payload: r[payload], bytes: utf8(text) };
  }

  // ---- the whole bundle ----
  async function verify(bundle, verifierKeyText, options = {}) {
    const passed = [];
    const state = { passed, events: [], verifiedLeaves: new Set() };
    const pass = (check) => { if (!passed.includes(check)) passed.push(check); };
    try {
      const anchor = await parseVerifierKey(verifierKeyText);
      state.anchor = anchor;
      // Shape.
      const shape = (ok, what) => { if (!ok) fail("bundle.format", what, { path: what.split(" ")[0] }); };
      shape(bundle && typeof bundle === "object", "the bundle is not a JSON object");
      shape(bundle.format === "orchard-bundle/2" || bundle.format === "orchard-bundle/1", "format is not orchard-bundle/2");
      for (const k of ["origin", "subject", "checkpoint"]) shape(typeof bundle[k] === "string", k + " must be a string");
      shape(Array.isArray(bundle.records) && bundle.records.length > 0, "records must be a non-empty array");
      shape(Array.isArray(bundle.hashes) && Array.isArray(bundle.lots), "hashes and lots must be arrays");
      shape(bundle.genesisBlock && typeof bundle.genesisBlock.header === "string", "genesisBlock must be {header, signature}");
      bundle.records.forEach((e, i) => shape(e && isInt(e.leaf) && typeof e.record === "string" && Array.isArray(e.proof), `records[${i}] must be {leaf, record, proof}`));
      const hashes = bundle.hashes.map((h, i) => { const b = b64(h, `hashes[${i}]`); shape(b.length === 32, `hashes[${i}] is not 32 bytes`); return b; });
      pass("bundle.format");

      // Step 1: anchor → genesis.
      state.ledgerID = hex(await sha256(utf8(bundle.genesisBlock.header)));
      if (bundle.records[0].leaf !== 0) fail("genesis.record", "the bundle does not start with the genesis record (leaf 0)", { leaf: 0, path: "records[0]" });
      const first = readRecord(bundle.records[0].record, 0, 0);
      const g = genesisDocument(first.payload);
      state.genesis = g.doc;
      pass("genesis.record");
      if (g.origin !== anchor.name) fail("trust.anchor", `the bundle is of ledger "${g.origin}", but the page trusts "${anchor.name}"`, { leaf: 0 });
      if (!equal(g.sequencerKey, anchor.key)) fail("trust.anchor", "the bundle's genesis names another sequencer key than the page's verifier key", { leaf: 0 });
      pass("trust.anchor");
      const h0 = await header(bundle.genesisBlock, "genesis.block", g, "genesisBlock");
      if (h0.height !== 0 || h0.firstLeaf !== 0 || h0.recordCount !== 1 || h0.treeSize !== 1 || h0.previousHash !== "0".repeat(64)) fail("genesis.block", "not a genesis block header", { path: "genesisBlock" });
      if (h0.rootHash !== hex(await sha256([0], first.bytes))) fail("genesis.block", "block 0's root is not the genesis record's leaf hash", { path: "genesisBlock" });
      if (h0.sequencer !== await keyID(g.sequencerKey)) fail("genesis.block", "block 0 names another sequencer", { path: "genesisBlock" });
      pass("genesis.block");
      if (bundle.origin !== g.origin) fail("bundle.origin", `the bundle says origin "${bundle.origin}", its genesis "${g.origin}"`, { path: "origin" });
      pass("bundle.origin");

      // Step 2: the checkpoint.
      const cp = await checkpoint(bundle.checkpoint, g.origin, g.sequencerKey);
      state.checkpoint = cp;
      pass("checkpoint.format"); pass("checkpoint.origin"); pass("checkpoint.signature");

      // Step 3: every record in leaf order.
      const registry = new Registry();
      state.registry = registry;
      for (const p of g.doc.participants) await registry.add(p, 1, null);
      const authorityID = await keyID(g.authorityKey);
      let previous = -1;
      for (let i = 0; i < bundle.records.length; i++) {
        const entry = bundle.records[i], n = entry.leaf, where = { leaf: n, path: `records[${i}]` };
        if (n <= previous || n >= cp.size) fail("record.leaf", `leaf ${n} is out of order or outside the checkpoint's tree of ${cp.size}`, where);
        previous = n;
        const rec = i === 0 ? first : readRecord(entry.record, n, i);
        let participant = null;
        if (rec.kind === "registry") {
          const message = utf8("orchard-v1:registry\n" + g.origin + "\n" + jcs(rec.payload));
          if (rec.r.signer !== authorityID || !await ed25519(g.authorityKey, b64(rec.r.sig, "sig", "registry.signature", where), message)) {
            fail("registry.signature", "the registry change is not signed by the programme authority", where);
          }
          pass("registry.signature");
        } else if (rec.kind === "event") {
          const e = rec.payload;
          if (!e || !EVENT_TYPES.includes(e.type) || typeof e.eventTime !== "string") fail("record.unreadable", "the event is not an EPCIS event", where);
          let key;
          if (e.errorDeclaration && rec.r.signer === authorityID) { key = g.authorityKey; participant = { name: g.doc.authority.name || "programme authority", role: "authority" }; }
          else {
            const s = registry.signer(rec.r.signer, n);
            if (!s.key) fail("record.signer-key", s.why, { ...where, participant: s.who });
            key = s.key; participant = s.who;
          }
          pass("record.signer-key");
          const message = utf8("orchard-v1:event\n" + g.origin + "\n" + jcs(e));
          if (!await ed25519(key, b64(rec.r.sig, "sig", "record.signature", where), message)) {
            fail("record.signature", `the event is not what ${participant.name} signed: it was changed after signing`, where);
          }
          pass("record.signature");
        }
        // The inclusion proof.
        const path = entry.proof.map((k) => { if (!Number.isInteger(k) || k < 0 || k >= hashes.length) fail("proof.inclusion", "a proof index is out of range", where); return hashes[k]; });
        const leafHash = await sha256([0], rec.bytes);
        const root = await inclusionRoot(n, cp.size, leafHash, path);
        if (!root || !equal(root, cp.root)) fail("proof.inclusion", `the record at leaf ${n} is not in the checkpoint's tree (its proof does not lead to the signed root)`, where);
        pass("proof.inclusion");
        if (rec.kind === "registry") {
          try { await registry.apply(rec.payload, n, g.doc.roles); } catch (err) { fail("registry.change", err.message, where); }
          pass("registry.change");
        }
        if (rec.kind === "event") {
          state.events.push({ leaf: n, event: rec.payload, participant, leafHash, named: named(rec.payload), edges: edges(rec.payload) });
          state.verifiedLeaves.add(n);
        }
      }

      // Step 4: the lineage claimed, recomputed.
      const computed = new Map();
      const lot = (k) => { if (!computed.has(k)) computed.set(k, { namings: new Map(), links: new Set() }); return computed.get(k); };
      for (const ev of state.events) {
        for (const [k, bits] of ev.named) lot(k).namings.set(ev.leaf, bits);
        for (const l of ev.edges) lot(l.from).links.add(`${ev.leaf}|${l.kind}|${l.to === null ? "" : l.to}`);
      }
      const claimedNamings = new Set(), claimedLinks = new Set();
      bundle.lots.forEach((c, i) => {
        const path = `lots[${i}]`;
        if (!c || typeof c.key !== "string" || !Array.isArray(c.namedBy) || !Array.isArray(c.links)) fail("bundle.format", "lots entries are {key, namedBy, links}", { path });
        const mine = computed.get(c.key);
        for (const nb of c.namedBy) {
          const bits = (nb.roles || []).reduce((b, r) => b | (ROLE[r] || 0), 0);
          claimedNamings.add(c.key + "|" + nb.leaf + "|" + bits);
          if (!mine || mine.namings.get(nb.leaf) !== bits) {
            const carried = state.verifiedLeaves.has(nb.leaf);
            fail("lots.unsupported", `lots claims that leaf ${nb.leaf} names ${c.key}, but ${carried ? "that event does not" : "the bundle carries no event at that leaf (it was left out or removed)"}`, { leaf: nb.leaf, path, key: c.key });
          }
        }
        for (const l of c.links) {
          const id = `${l.leaf}|${l.kind}|${l.to === undefined ? "" : l.to}`;
          claimedLinks.add(c.key + "|" + id);
          if (!mine || !mine.links.has(id)) fail("lots.unsupported", `lots claims a ${l.kind} link from ${c.key} at leaf ${l.leaf} that no event of the bundle makes`, { leaf: l.leaf, path, key: c.key });
        }
      });
      for (const [k, v] of computed) {
        for (const [leaf, bits] of v.namings) if (!claimedNamings.has(k + "|" + leaf + "|" + bits)) fail("lots.unclaimed", `the event at leaf ${leaf} names ${k}, but lots does not say so`, { leaf, key: k });
        for (const id of v.links) if (!claimedLinks.has(k + "|" + id)) fail("lots.unclaimed", `the event at leaf ${id.split("|")[0]} makes a link from ${k} that lots does not list`, { leaf: Number(id.split("|")[0]), key: k });
      }
      pass("lots.unclaimed"); pass("lots.unsupported");
      if (bundle.direction !== "forward") {
        const firstNamed = new Map([...computed].map(([k, v]) => [k, Math.min(...v.namings.keys())]));
        const reached = new Set([bundle.subject]), queue = [bundle.subject];
        while (queue.length) {
          const k = queue.pop();
          for (const id of (computed.get(k) || { links: [] }).links) {
            const [leafText, kind, to] = id.split("|"), leaf = Number(leafText);
            if ((kind !== "transformation" && kind !== "aggregation") || !to) continue;
            if (!(firstNamed.get(to) < leaf)) fail("lineage.unlinked", `the ${kind} at leaf ${leaf} takes ${to}, but no earlier event of the bundle names it: where it came from is missing`, { leaf, key: to });
            if (!reached.has(to)) { reached.add(to); queue.push(to); }
          }
        }
      }
      pass("lineage.unlinked");
      if (!computed.has(bundle.subject)) fail("subject.unnamed", `no event of the bundle names its subject ${bundle.subject}`, { path: "subject" });
      pass("subject.unnamed");

      // Step 5: completeness.
      if (bundle.format !== "orchard-bundle/2" || !bundle.lotMap) fail("lotmap.incomplete", "the bundle carries no completeness proof (orchard-bundle/1)", { path: "lotMap" });
      state.completeness = await completeness(bundle, g, cp, state.events);
      pass("lotmap.block"); pass("lotmap.proof"); pass("lotmap.incomplete"); pass("lotmap.extra");
      state.ok = true;
    } catch (err) {
      state.ok = false;
      state.failure = err instanceof Failure ? err : new Failure("bundle.format", String(err && err.message || err));
    }
    return state;
  }

  // ---- step 5 (BUNDLE.md, LOTMAP.md §3 and §6.3, TRACE.md §2) ----
  async function completeness(bundle, g, cp, events) {
    const h = await header(bundle.lotMap.block, "lotmap.block", g, "lotMap.block");
    if (h.version < 2) fail("lotmap.block", "a version 1 header commits to no lot map", { path: "lotMap.block" });
    if (h.treeSize !== cp.size || h.rootHash !== hex(cp.root)) fail("lotmap.block", "the block is not of the checkpoint's tree", { path: "lotMap.block" });
    const root = fromHex(h.lotMapRoot);
    const carried = new Map(events.map((e) => [e.leaf, e]));
    const openings = new Map(), totals = new Map();
    const list = Array.isArray(bundle.lotMap.openings) ? bundle.lotMap.openings : fail("bundle.format", "lotMap.openings is not an array", { path: "lotMap" });
    for (let i = 0; i < list.length; i++) {
      const o = list[i], path = `lotMap.openings[${i}]`;
      const bad = (why) => fail("lotmap.proof", `${o && o.key}: ${why}`, { path, key: o && o.key });
      if (!o || typeof o.key !== "string" || !Array.isArray(o.events) || !o.proof) bad("not an opening");
      if (openings.has(o.key)) bad("opened twice");
      let chain = new Uint8Array(32), last = -1;
      for (const ev of o.events) {
        const leaf = Array.isArray(ev) ? ev[0] : NaN;
        if (!isInt(leaf) || leaf <= last || leaf >= cp.size) bad(`event leaves must increase and lie in the tree; ${leaf} does not`);
        last = leaf;
        let given = ev.length > 1 ? b64(ev[1], "a leaf hash", "lotmap.proof", { path }) : null;
        const mine = carried.get(leaf);
        if (mine) { if (given && !equal(given, mine.leafHash)) bad(`the leaf hash given for leaf ${leaf} is not its record's`); given = mine.leafHash; }
        if (!given) {
          const held = o.events.filter((x) => carried.has(x[0])).length;
          fail("lotmap.incomplete", `${o.key}: the ledger commits to ${o.events.length} events naming it, the bundle holds ${held}; the event at leaf ${leaf} is missing`, { leaf, path, key: o.key, committed: o.events.length, held });
        }
        chain = await sha256([5], chain, be8(leaf), given);
      }
      const value = o.events.length ? { count: o.events.length, lastLeaf: last, chain } : null;
      try { await lotMapProof(o.proof, o.key, value, root); } catch (err) { bad(`the lot map does not commit to these ${o.events.length} events: ${err.message}`); }
      openings.set(o.key, o.events.map((x) => x[0]));
      totals.set(o.key, o.events.length);
    }
    const walk = journeyWalk(bundle.subject, bundle.direction === "forward", cp.size, openings, carried);
    const extra = events.find((e) => !walk.leaves.has(e.leaf));
    if (extra) fail("lotmap.extra", `the event at leaf ${extra.leaf} is not part of the ${bundle.direction} journey of ${bundle.subject}`, { leaf: extra.leaf, path: "records" });
    return [...walk.spans].map(([key, [lo, hi]]) => {
      const inSpan = (openings.get(key) || []).filter((l) => l >= lo && l <= hi);
      return { key, committed: inSpan.length, carried: inSpan.filter((l) => carried.has(l)).length, total: totals.get(key) || 0 };
    }).sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  const bit = (k, i) => (k[i >> 3] >> (7 - (i & 7))) & 1;
  async function lotMapProof(proof, traceKeyText, value, root) {
    const key = await sha256(utf8(traceKeyText));
    if (!Array.isArray(proof.siblings) || !proof.terminal) throw new Error("malformed proof");
    const sib = proof.siblings.map((s) => b64(s, "a sibling", "lotmap.proof"));
    if (sib.length > 256 || sib.some((s) => s.length !== 32)) throw new Error("malformed proof");
    let h;
    if (proof.terminal.kind === "empty") {
      if (value) throw new Error("the map says the key is absent");
      h = new Uint8Array(32);
    } else if (proof.terminal.kind === "leaf") {
      const k = b64(proof.terminal.key, "key", "lotmap.proof"), vh = b64(proof.terminal.valueHash, "valueHash", "lotmap.proof");
      if (k.length !== 32 || vh.length !== 32) throw new Error("malformed proof");
      if (value) {
        if (!equal(k, key)) throw new Error("the proof ends at another key");
        if (!equal(vh, await sha256([4], be8(value.count), be8(value.lastLeaf), value.chain))) throw new Error("the map holds another value: events missing, added or reordered");
      } else {
        if (equal(k, key)) throw new Error("the map says the key is present");
        for (let i = 0; i < sib.length; i++) if (bit(k, i) !== bit(key, i)) throw new Error("the leaf is not on the key's path");
      }
      h = await sha256([2], k, vh);
    } else throw new Error("malformed proof");
    for (let d = sib.length - 1; d >= 0; d--) h = bit(key, d) ? await sha256([3], sib[d], h) : await sha256([3], h, sib[d]);
    if (!equal(h, root)) throw new Error("the proof does not lead to the signed root");
  }

  // The journey walk (TRACE.md §2), over the bundle: leaves from the openings, records carried.
  function journeyWalk(subject, forward, size, openings, carried) {
    const required = new Set(), spans = new Map();
    const leaves = (key) => {
      if (!openings.has(key)) fail("lotmap.incomplete", `${key} is part of the journey, but the bundle carries no lot map opening for it`, { key, path: "lotMap.openings" });
      return openings.get(key);
    };
    const record = (leaf, key) => {
      const r = carried.get(leaf);
      if (!r) {
        const all = openings.get(key) || [];
        fail("lotmap.incomplete", `${key}: the ledger commits to ${all.length} events naming it, the bundle holds ${all.filter((l) => carried.has(l)).length}; the event at leaf ${leaf}, part of the journey, is missing`, { leaf, key, path: "records" });
      }
      return r;
    };
    const ending = (kind) => (kind === "aggregation" ? "disaggregation" : "dissociation");
    function concerning(key, from, until, depth) {
      if (from > until) return [];
      const s = spans.get(key);
      spans.set(key, s ? [Math.min(s[0], from), Math.max(s[1], until)] : [from, until]);
      const own = [];
      for (const leaf of leaves(key)) if (leaf >= from && leaf <= until) { required.add(leaf); own.push(record(leaf, key)); }
      if (depth >= 4) return own;
      for (const r of own) {
        for (const edge of r.edges) {
          if (edge.to !== key || (edge.kind !== "aggregation" && edge.kind !== "association")) continue;
          const container = edge.from, end = ending(edge.kind);
          let stop = until;
          for (const leaf of leaves(container)) {
            if (leaf <= r.leaf || leaf > until) continue;
            if (record(leaf, container).edges.some((x) => x.kind === end && x.from === container && (x.to === key || x.to === null))) { stop = leaf; break; }
          }
          concerning(container, Math.max(from, r.leaf), stop, depth + 1);
        }
      }
      return own;
    }
    if (!forward) {
      const bound = new Map(), queue = [[subject, size - 1]];
      while (queue.length) {
        const [key, until] = queue.pop();
        if (bound.has(key) && bound.get(key) >= until) continue;
        bound.set(key, until);
        const own = concerning(key, 0, until, 0);
        for (const r of own) {
          for (const edge of r.edges) {
            if (edge.from !== key || edge.to === null) continue;
            if (edge.kind === "transformation") queue.push([edge.to, r.leaf]);
            else if (edge.kind === "aggregation" || edge.kind === "association") {
              const end = own.find((x) => x.leaf > r.leaf && x.edges.some((y) => y.kind === ending(edge.kind) && y.from === key && (y.to === edge.to || y.to === null)));
              queue.push([edge.to, Math.min(until, end ? end.leaf : until)]);
            }
          }
        }
      }
    } else {
      const start = new Map(), queue = [[subject, 0]];
      while (queue.length) {
        const [key, from] = queue.pop();
        if (start.has(key) && start.get(key) <= from) continue;
        start.set(key, from);
        for (const r of concerning(key, from, size - 1, 0)) {
          if (r.event.type !== "TransformationEvent") continue;
          for (const edge of r.edges) if (edge.kind === "transformation" && edge.to === key) queue.push([edge.from, r.leaf]);
        }
      }
    }
    return { leaves: required, spans };
  }

  // ---- the log the bundle came from (the page's own step: Docs/PUBLISH.md "Clients verify") ----
  // The log's current checkpoint at `prefix` (a node or a bucket: both serve /checkpoint and the
  // C2SP tiles), signed by the trusted key; the tree those tiles describe must give that checkpoint's
  // root, and at the bundle's size and every remembered size (smaller or equal) the roots they were
  // seen with — so the log extends them. A remembered size larger than the log's is a rollback.
  // `get(url)` returns the bytes of a GET, or null on 404.
  async function checkLog(prefix, verifierKeyText, bundleCheckpoint, remembered, get) {
    const anchor = await parseVerifierKey(verifierKeyText);
    const origin = anchor.name;
    const cpBytes = await get(prefix + "/checkpoint");
    if (!cpBytes) fail("log.consistency", "the log publishes no checkpoint at " + (prefix || "/") + "/checkpoint", { path: "log" });
    const cp = await checkpoint(new TextDecoder().decode(cpBytes), origin, anchor.key);
    const tiles = new Map();
    const encode = (n) => { const g = []; do { g.unshift(String(n % 1000).padStart(3, "0")); n = Math.floor(n / 1000); } while (n > 0); return g.map((x, i) => (i < g.length - 1 ? "x" + x : x)).join("/"); };
    async function tile(level, index) {
      const have = Math.floor(cp.size / 256 ** level);
      const width = Math.min(256, have - index * 256);
      const path = `/tile/${level}/${encode(index)}` + (width < 256 ? `.p/${width}` : "");
      if (!tiles.has(path)) {
        const bytes = await get(prefix + path);
        if (!bytes || bytes.length !== width * 32) fail("log.consistency", `the log's tile ${path} is missing or not ${width} hashes`, { path: "log" + path });
        tiles.set(path, bytes);
      }
      return tiles.get(path);
    }
    const node = (l, r) => sha256([1], l, r);
    async function perfect(level, index) {
      const L = Math.floor(level / 8), span = level % 8, first = index * 2 ** span, count = 2 ** span;
      const bytes = await tile(L, Math.floor(first / 256));
      let row = [];
      for (let i = 0; i < count; i++) { const o = ((first % 256) + i) * 32; row.push(bytes.slice(o, o + 32)); }
      while (row.length > 1) { const next = []; for (let i = 0; i < row.length; i += 2) next.push(await node(row[i], row[i + 1])); row = next; }
      return row[0];
    }
    async function root(n) {   // RFC 9162 MTH of the first n leaves, from perfect subtrees
      let acc = null;
      for (let level = 0; 2 ** level <= n; level++) {
        if (Math.floor(n / 2 ** level) % 2 === 0) continue;
        const start = Math.floor(n / 2 ** (level + 1)) * 2 ** (level + 1);
        const piece = await perfect(level, start / 2 ** level);
        acc = acc ? await node(piece, acc) : piece;
      }
      return acc;
    }
    if (!equal(await root(cp.size), cp.root)) fail("log.consistency", "the log's tiles do not give its own checkpoint's root", { path: "log" });
    // A bundle newer than the log's checkpoint is what a reader sees while a publish is under way
    // (bundles are written before the checkpoint): nothing to compare yet.
    const seen = (bundleCheckpoint.size <= cp.size ? [{ size: bundleCheckpoint.size, root: bundleCheckpoint.root, what: "the bundle's checkpoint" }] : [])
      .concat(remembered.map((r) => ({ size: r.size, root: b64(r.rootBase64, "a remembered root", "log.consistency"), what: "a checkpoint this device saw" })));
    for (const r of seen) {
      if (r.size > cp.size) fail("log.consistency", `the log went back from ${r.size} records (${r.what}) to ${cp.size}: rolled back`, { path: "log" });
      if (r.size > 0 && !equal(await root(r.size), r.root)) fail("log.consistency", `the log's tree does not extend ${r.what} of ${r.size} records: a forked history`, { path: "log" });
    }
    return { size: cp.size, rootBase64: cp.rootBase64, origin };
  }

  return { verify, checkLog, traceKey, jcs, named, edges, roleNames, Failure };
})();
if (typeof module !== "undefined") module.exports = OrchardVerifier;
"""#
}
