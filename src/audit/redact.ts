// Redaction for audit records and decision notes: secrets become [redacted:<kind>:<keyed hash>] so equal secrets
// correlate without being revealed; long strings are cut with a digest of what was cut. Configured values and our
// own credential shapes are replaced synchronously; secretlint's recommended rules also run, for records, on the
// strings a cheap prefilter picks (a secretlint pass costs milliseconds; most arguments need none).
import { createHash, createHmac } from "node:crypto";
import { lintSource } from "../ops/secretlint.ts";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import { SECRET_SHAPES } from "../patterns/secrets.ts";

const MAX_STRING = 2_000;
const MAX_DEPTH = 8;
const MAX_KEYS = 200;
/** What secretlint sees of a string: the part that is kept, and enough after it for a credential cut in two. */
const LINT_WINDOW = MAX_STRING + 2_048;
/** Bounds on one secretlint pass; strings beyond them are replaced whole (fail closed). */
const LINT_MAX_STRINGS = 64;
const LINT_MAX_CHARS = 128 * 1024;
/** Header, optional PEM headers, base64 body, optional END line: linear (no lazy scan for an END that may not come). */
const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----\s*(?:(?:Proc-Type|DEK-Info|Comment|Version):[^\n]*\n\s*)*[A-Za-z0-9+/=\s\\]*(?:-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----)?/g;
const LINT_CONFIG = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommended }] };

/**
 * Strings worth a secretlint pass: a key block, a URL with credentials, a long token-like run, or a secret-named
 * assignment. Applied after our own shapes, so a token they already replaced does not count again.
 */
export const LINT_PREFILTER = /-----BEGIN|:\/\/[^\s/@:]+:[^\s/@]+@|[A-Za-z0-9_-]{20,}|(?:key|token|secret|passw(?:or)?d|pwd|credential|auth)[\w-]*["']?\s*[:=]/i;

export type Redactor = {
  /** Configured values and credential shapes replaced, strings cut, keys sorted (synchronous). */
  value(v: unknown): unknown;
  text(s: string): string;
  /** value(), and secretlint findings replaced in the strings LINT_PREFILTER picks: what audit records hold. */
  scan(v: unknown): Promise<unknown>;
};

/** A string found in the copy being redacted, and where it goes back. */
type Slot = { holder: Record<string, unknown> | unknown[]; key: string | number; text: string };

const ruleKind = (ruleId: string) => ruleId.replace(/^.*secretlint-rule-/, "");

export function createRedactor(secretValues: readonly string[], hmacKey: Buffer): Redactor {
  const tag = (kind: string, secret: string) => `[redacted:${kind}:${createHmac("sha256", hmacKey).update(secret).digest("hex").slice(0, 10)}]`;
  const shapes = SECRET_SHAPES.map((s) => ({ name: s.name.replace(/\s+/g, "-").toLowerCase(), re: new RegExp(s.re.source, "g") }));
  const values = [...secretValues].sort((a, b) => b.length - a.length);
  const known = (input: string): string => {
    let out = input;
    for (const v of values) if (out.includes(v)) out = out.split(v).join(tag("configured-secret", v));
    // A key block whole (the shape below only names its header), with or without its END line.
    if (out.includes("-----BEGIN")) out = out.replace(PRIVATE_KEY_BLOCK, (m) => tag("private-key", m));
    for (const s of shapes) out = out.replace(s.re, (m) => tag(s.name, m));
    return out;
  };
  const cut = (out: string): string => {
    if (out.length <= MAX_STRING) return out;
    const rest = out.slice(MAX_STRING);
    return `${out.slice(0, MAX_STRING)}…[cut ${rest.length} chars sha256:${createHash("sha256").update(rest).digest("hex").slice(0, 16)}]`;
  };
  const text = (input: string): string => cut(known(input));

  /** The redacted copy; with `slots`, strings the prefilter picks stay whole there for secretlint. */
  const copy = (v: unknown, depth: number, slots: Slot[] | undefined, holder: Slot["holder"], key: string | number): unknown => {
    if (typeof v === "string") {
      if (!slots) return text(v);
      const s = known(v);
      if (LINT_PREFILTER.test(s.length > LINT_WINDOW ? s.slice(0, LINT_WINDOW) : s)) slots.push({ holder, key, text: s });
      return cut(s);
    }
    if (v === null || typeof v !== "object") return typeof v === "bigint" ? v.toString() : v;
    if (depth >= MAX_DEPTH) return "[nested too deep]";
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      const n = Math.min(v.length, MAX_KEYS);
      for (let i = 0; i < n; i++) out.push(copy(v[i], depth + 1, slots, out, i));
      return out;
    }
    // Keys in sorted order, so the record serialises as canonical JSON without a second pass.
    const members = Object.entries(v)
      .slice(0, MAX_KEYS)
      .map(([k, x]): [string, unknown] => [text(k), x]);
    members.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const out: Record<string, unknown> = {};
    for (const [k, x] of members) out[k] = copy(x, depth + 1, slots, out, k);
    return out;
  };

  /** One secretlint pass over every picked string; each finding becomes a marker (a failed pass replaces them whole). */
  async function lintSlots(slots: Slot[]): Promise<void> {
    const scanned = slots.slice(0, LINT_MAX_STRINGS);
    for (const s of slots.slice(LINT_MAX_STRINGS)) s.holder[s.key as never] = tag("unscanned", s.text) as never;
    let content = "";
    const starts: number[] = [];
    for (const s of scanned) {
      starts.push(content.length);
      content += `${s.text.length > LINT_WINDOW ? s.text.slice(0, LINT_WINDOW) : s.text}\n\n`;
    }
    let findings: { ruleId: string; range: readonly [number, number] }[];
    try {
      if (content.length > LINT_MAX_CHARS) throw new Error("too much text for one pass");
      const result = await lintSource({ source: { filePath: "/audit-record.txt", content, contentType: "text" }, options: { config: LINT_CONFIG, maskSecrets: false, noPhysicFilePath: true } });
      findings = result.messages.map((m) => ({ ruleId: m.ruleId, range: m.range }));
    } catch {
      for (const s of scanned) s.holder[s.key as never] = tag("unscanned", s.text) as never;
      return;
    }
    scanned.forEach((s, i) => {
      const start = starts[i] as number;
      const end = start + Math.min(s.text.length, LINT_WINDOW);
      // The findings inside this string (a match running over a separator is clipped to each side), merged.
      const hits = findings
        .map((f) => ({ kind: ruleKind(f.ruleId), from: Math.max(f.range[0], start) - start, to: Math.min(f.range[1], end) - start }))
        .filter((h) => h.from < h.to)
        .sort((a, b) => a.from - b.from);
      if (hits.length === 0) return;
      let out = "";
      let at = 0;
      for (let k = 0; k < hits.length; ) {
        const h = hits[k] as (typeof hits)[number];
        let to = h.to;
        while (k + 1 < hits.length && (hits[k + 1] as (typeof hits)[number]).from < to) to = Math.max(to, (hits[++k] as (typeof hits)[number]).to);
        k++;
        if (h.from < at) continue;
        out += s.text.slice(at, h.from) + tag(h.kind, s.text.slice(h.from, to));
        at = to;
      }
      s.holder[s.key as never] = cut(out + s.text.slice(at)) as never;
    });
  }

  return {
    value: (v) => copy(v, 0, undefined, [], 0),
    text,
    async scan(v) {
      const slots: Slot[] = [];
      const box: unknown[] = [undefined];
      box[0] = copy(v, 0, slots, box, 0);
      if (slots.length > 0) await lintSlots(slots);
      return box[0];
    },
  };
}
