// Redaction for audit records and decision notes: secrets become [redacted:<kind>:<keyed hash>] so equal secrets
// correlate without being revealed; long strings are cut with a digest of what was cut.
import { createHash, createHmac } from "node:crypto";
import { SECRET_SHAPES } from "../patterns/secrets.ts";

const MAX_STRING = 2_000;
const MAX_DEPTH = 8;
const MAX_KEYS = 200;

export type Redactor = { value(v: unknown): unknown; text(s: string): string };

export function createRedactor(secretValues: readonly string[], hmacKey: Buffer): Redactor {
  const tag = (kind: string, secret: string) => `[redacted:${kind}:${createHmac("sha256", hmacKey).update(secret).digest("hex").slice(0, 10)}]`;
  const shapes = SECRET_SHAPES.map((s) => ({ name: s.name.replace(/\s+/g, "-").toLowerCase(), re: new RegExp(s.re.source, "g") }));
  const values = [...secretValues].sort((a, b) => b.length - a.length);
  const text = (input: string): string => {
    let out = input;
    for (const v of values) if (out.includes(v)) out = out.split(v).join(tag("configured-secret", v));
    for (const s of shapes) out = out.replace(s.re, (m) => tag(s.name, m));
    if (out.length > MAX_STRING) {
      const cut = out.slice(MAX_STRING);
      out = `${out.slice(0, MAX_STRING)}…[cut ${cut.length} chars sha256:${createHash("sha256").update(cut).digest("hex").slice(0, 16)}]`;
    }
    return out;
  };
  const value = (v: unknown, depth = 0): unknown => {
    if (typeof v === "string") return text(v);
    if (v === null || typeof v !== "object") return typeof v === "bigint" ? v.toString() : v;
    if (depth >= MAX_DEPTH) return "[nested too deep]";
    if (Array.isArray(v)) return v.slice(0, MAX_KEYS).map((x) => value(x, depth + 1));
    // Keys in sorted order, so the record serialises as canonical JSON without a second pass.
    const members = Object.entries(v)
      .slice(0, MAX_KEYS)
      .map(([k, x]): [string, unknown] => [text(k), x]);
    members.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const out: Record<string, unknown> = {};
    for (const [k, x] of members) out[k] = value(x, depth + 1);
    return out;
  };
  return { value: (v) => value(v), text };
}
