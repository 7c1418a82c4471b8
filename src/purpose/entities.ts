// Consequential entities (recipients, accounts, addresses, links, paths, amounts, dates) in tool calls and texts. Pure.

export type EntityKind = "email" | "iban" | "phone" | "host" | "person" | "channel" | "repository" | "path" | "name" | "amount" | "date";

/**
 * One entity the call acts on. `soft` entities (amounts, dates, names of places) are often computed or
 * picked from search results, so only an injection-marked source makes them a finding; `embedded` ones
 * sit inside free text the call sends (a link in a message body).
 */
export type Entity = { kind: EntityKind; value: string; param: string; soft: boolean; embedded: boolean };

const EMAIL = /[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/giu;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30}\b/gu;
const PHONE = /(?<![\w.])\+?\d[\d ()./-]{6,18}\d(?![\w.])/gu;
/** Hosts that are file names rather than domains. */
const FILE_EXT = /\.(?:txt|docx?|xlsx?|pptx?|pdf|csv|json|md|png|jpe?g|gif|zip|ts|js|py|sh|html?|log|ya?ml|toml|ini|conf|env)$/iu;

/** Keys whose value is where the call's effect goes (who receives, who is added, which account). */
const TARGET_KEYS = /^(?:to|cc|bcc|recipients?|receivers?|targets?|destination|dest|participants?|attendees?|invitees?|members?|users?|user_?name|user_?id|user_?email|emails?|email_?address|contacts?|peer|account|iban|to_account|phone|phone_?number|number|chat_?id|assignees?|reviewers?|owner|share_?with|grantee)$/iu;
const CHANNEL_KEYS = /^(?:channel|channel_?name|channel_?id|room|group|thread)$/iu;
const URL_KEYS = /^(?:url|uri|link|href|webhook|endpoint|website|domain|host|site)$/iu;
const PATH_KEYS = /^(?:path|file_?path|file|filename|file_?name|dest_?path|target_?path|directory|dir)$/iu;
const REPO_KEYS = /^(?:repo|repository|repo_?name)$/iu;
const AMOUNT_KEYS = /^(?:amount|sum|price|total|value|quantity)$/iu;
const DATE_KEYS = /^(?:date|day|start_?(?:time|day|date)|end_?(?:time|day|date)|due|when|at|time)$/iu;
const NAME_KEYS = /^(?:hotel|restaurant|company|car_?rental|venue|merchant|vendor|shop|store|title)$/iu;
/** Free text the call sends or stores: scanned for links, addresses and accounts inside it. */
const TEXT_KEYS = /^(?:body|content|message|text|subject|description|caption|comment|note|notes|summary|html|markdown|reply|post)$/iu;

const MAX_ENTITIES = 64;
const MAX_DEPTH = 5;

export function normaliseHost(h: string): string {
  return h.toLowerCase().replace(/^www\d?\./u, "").replace(/\.$/u, "");
}

const TOKEN_SPLIT = /[\s"'<>()[\]{},;|`\\]+/u;
const TOKEN_HOST = /^(?:https?:\/\/)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?::\d+)?(?:[/?#].*)?$/iu;

/** Addresses, accounts and hosts by shape. Hosts are found per token (cheap on long texts), not by one backtracking pattern. */
function shaped(text: string, param: string, embedded: boolean, out: Entity[]): void {
  const hasAt = text.includes("@");
  if (hasAt) for (const m of text.matchAll(EMAIL)) out.push({ kind: "email", value: m[0].toLowerCase(), param, soft: false, embedded });
  if (/[A-Z]{2}\d{2}/u.test(text)) for (const m of text.matchAll(IBAN)) out.push({ kind: "iban", value: m[0].replace(/ /gu, ""), param, soft: false, embedded });
  for (const raw of text.split(TOKEN_SPLIT)) {
    if (!raw.includes(".") || raw.length > 2_000 || (hasAt && raw.includes("@"))) continue;
    const token = raw.replace(/^[^\p{L}\p{N}]+|[.:!?]+$/gu, "");
    const host = TOKEN_HOST.exec(token)?.[1];
    if (host === undefined || FILE_EXT.test(host) || /^\d+(?:\.\d+)+$/u.test(host)) continue;
    out.push({ kind: "host", value: normaliseHost(host), param, soft: false, embedded });
  }
}

function leafEntities(key: string, value: string, out: Entity[]): void {
  const v = value.trim();
  if (v === "" || v.length > 20_000) return;
  if (TEXT_KEYS.test(key)) {
    shaped(v.slice(0, 8_000), key, true, out);
    return;
  }
  if (TARGET_KEYS.test(key)) {
    const before = out.length;
    shaped(v, key, false, out);
    if (out.length === before) {
      const digits = v.replace(/[^\d]/gu, "");
      if (/^\+?[\d ()./-]{7,20}$/u.test(v) && digits.length >= 7) out.push({ kind: "phone", value: digits, param: key, soft: false, embedded: false });
      else if (v.length <= 80) out.push({ kind: "person", value: v.toLowerCase(), param: key, soft: false, embedded: false });
    }
    return;
  }
  if (CHANNEL_KEYS.test(key)) {
    if (v.length <= 80) out.push({ kind: "channel", value: v.toLowerCase(), param: key, soft: false, embedded: false });
    return;
  }
  if (URL_KEYS.test(key)) {
    const before = out.length;
    shaped(v, key, false, out);
    if (out.length === before && v.length <= 200) out.push({ kind: "host", value: normaliseHost(v.replace(/^https?:\/\//u, "").split("/")[0] ?? v), param: key, soft: false, embedded: false });
    return;
  }
  if (REPO_KEYS.test(key)) {
    out.push({ kind: "repository", value: v.toLowerCase(), param: key, soft: false, embedded: false });
    return;
  }
  if (PATH_KEYS.test(key)) {
    out.push({ kind: "path", value: v, param: key, soft: false, embedded: false });
    return;
  }
  if (DATE_KEYS.test(key)) {
    const d = /\d{4}-\d{2}-\d{2}/u.exec(v);
    if (d) out.push({ kind: "date", value: d[0], param: key, soft: true, embedded: false });
    return;
  }
  if (NAME_KEYS.test(key)) {
    if (v.length <= 120) out.push({ kind: "name", value: v.toLowerCase(), param: key, soft: true, embedded: false });
    return;
  }
  // Any other string: only shaped values (an address or account wherever it sits) count.
  if (v.length <= 2_000) shaped(v, key, false, out);
}

function walk(v: unknown, key: string, out: Entity[], depth: number): void {
  if (out.length >= MAX_ENTITIES || depth > MAX_DEPTH) return;
  if (typeof v === "string") leafEntities(key, v, out);
  else if (typeof v === "number" && Number.isFinite(v)) {
    if (AMOUNT_KEYS.test(key)) out.push({ kind: "amount", value: String(v), param: key, soft: true, embedded: false });
    else if (TARGET_KEYS.test(key) && String(v).length >= 7) out.push({ kind: "phone", value: String(v), param: key, soft: false, embedded: false });
  } else if (Array.isArray(v)) for (const x of v.slice(0, 32)) walk(x, key, out, depth + 1);
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v).slice(0, 64)) walk(x, k, out, depth + 1);
}

/** The entities a call's arguments name, deduplicated by kind and value (first parameter wins). */
export function extractCallEntities(params: Record<string, unknown>): Entity[] {
  const raw: Entity[] = [];
  walk(params, "", raw, 0);
  const seen = new Set<string>();
  const out: Entity[] = [];
  for (const e of raw) {
    const k = `${e.kind}\u0000${e.value}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out.slice(0, MAX_ENTITIES);
}

/** A text prepared for grounding look-ups: lower-cased, with its shaped entities collected. */
/** `hosts` includes the domains of addresses; `sites` only hosts written as links (www.…, https://…, a bare domain). */
export type TextIndex = { lower: string; compact: string; emails: ReadonlySet<string>; ibans: ReadonlySet<string>; hosts: ReadonlySet<string>; sites: ReadonlySet<string>; digits: string };

const MAX_INDEXED = 50_000;

export function indexText(text: string): TextIndex {
  const t = text.length > MAX_INDEXED ? text.slice(0, MAX_INDEXED) : text;
  const found: Entity[] = [];
  shaped(t, "", false, found);
  const emails = new Set<string>();
  const ibans = new Set<string>();
  const hosts = new Set<string>();
  for (const e of found) (e.kind === "email" ? emails : e.kind === "iban" ? ibans : hosts).add(e.value);
  const sites = new Set(hosts);
  for (const e of emails) hosts.add(normaliseHost(e.slice(e.indexOf("@") + 1)));
  const lower = t.toLowerCase();
  return { lower, compact: lower.replace(/\s+/gu, ""), emails, ibans, hosts, sites, digits: t.replace(/[^\d]/gu, "") };
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

/** `word` occurs in `lower` on word boundaries (no regular expression built per look-up). */
function hasWord(lower: string, word: string): boolean {
  if (word.length === 0) return false;
  for (let i = lower.indexOf(word); i >= 0; i = lower.indexOf(word, i + 1)) {
    const before = i === 0 ? "" : (lower[i - 1] as string);
    const after = lower[i + word.length] ?? "";
    if ((before === "" || !WORD_CHAR.test(before)) && (after === "" || !WORD_CHAR.test(after))) return true;
  }
  return false;
}

function baseName(p: string): string {
  const parts = p.replace(/\\/gu, "/").split("/").filter(Boolean);
  return (parts[parts.length - 1] ?? p).toLowerCase();
}

/** Whether the text names the entity (exact address, account, host, word or file name). */
export function mentions(ix: TextIndex, e: Entity): boolean {
  switch (e.kind) {
    case "email":
      // An address at a site the text names as a link ("her e-mail is on www.dora-website.com").
      return ix.emails.has(e.value) || ix.lower.includes(e.value) || ix.sites.has(normaliseHost(e.value.slice(e.value.indexOf("@") + 1)));
    case "iban":
      return ix.ibans.has(e.value) || ix.compact.includes(e.value.toLowerCase());
    case "host":
      if (ix.hosts.has(e.value) || hasWord(ix.lower, e.value)) return true;
      for (const h of ix.hosts) if (h.endsWith(`.${e.value}`) || e.value.endsWith(`.${h}`)) return true;
      return false;
    case "phone":
      return e.value.length >= 7 && ix.digits.includes(e.value.slice(-9));
    case "person":
    case "channel":
    case "repository":
    case "name":
      return hasWord(ix.lower, e.value) || (e.value.includes(" ") && ix.lower.includes(e.value));
    case "path":
      return hasWord(ix.lower, baseName(e.value)) || ix.lower.includes(e.value.toLowerCase());
    case "amount":
      return hasWord(ix.lower, e.value) || hasWord(ix.lower, Number(e.value).toFixed(2));
    case "date":
      return ix.lower.includes(e.value);
    default: {
      const never: never = e.kind;
      return never;
    }
  }
}

/** Entities of a kind the text names explicitly (for "the goal names a different recipient"). */
export function namedOfKind(ix: TextIndex, kind: EntityKind): boolean {
  return kind === "email" ? ix.emails.size > 0 : kind === "iban" ? ix.ibans.size > 0 : kind === "host" ? ix.hosts.size > 0 : false;
}
