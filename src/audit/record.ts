// Audit records: canonical JSON (RFC 8785 key order), each carrying the previous record's sha256 and its own.
import { canonicalJson, canonicalWithExtra, sha256Hex } from "../config/canonical.ts";

export const GENESIS_HASH = "0".repeat(64);

export type RecordKind = "call.before" | "call.after" | "approval" | "config.load" | "override.attempt" | "checkpoint" | "recovery" | "admin";

/** What callers hand in; the log adds v, seq, time, instance, prev and hash. */
export type AuditEntry = { kind: RecordKind; [field: string]: unknown };

export type AuditRecord = AuditEntry & { v: 1; seq: number; time: string; instance: string; prev: string; hash: string };

/** The hash of a record is sha256 over its canonical JSON without the `hash` field. */
export function recordHash(record: Omit<AuditRecord, "hash"> | Record<string, unknown>): string {
  const { hash: _omit, ...rest } = record as Record<string, unknown>;
  return sha256Hex(canonicalJson(rest));
}

/**
 * The hash a stored line proves, computed from the text itself: the line is canonical JSON with `"hash":"…"`
 * inserted among the top-level keys, so removing that member gives exactly the text that was hashed.
 */
export function lineHash(line: string, claimed: string): string | undefined {
  const member = `"hash":${JSON.stringify(claimed)}`;
  const at = line.indexOf(member);
  if (at < 0) return undefined;
  const before = line.slice(0, at);
  const after = line.slice(at + member.length);
  const without = after.startsWith(",") ? before + after.slice(1) : before.endsWith(",") ? before.slice(0, -1) + after : before + after;
  return sha256Hex(without);
}

/** Seal a record: its hash over the canonical JSON without `hash`, and its line, serialising each field once. */
export function sealRecord(base: Omit<AuditRecord, "hash">): { record: AuditRecord; line: string } {
  const fields: [string, string][] = [];
  for (const [k, v] of Object.entries(base)) if (v !== undefined && typeof v !== "function") fields.push([k, canonicalJson(v)]);
  const { withExtra, extra: hash } = canonicalWithExtra(fields, "hash", sha256Hex);
  return { record: { ...base, hash } as AuditRecord, line: `${withExtra}\n` };
}

/** What an Ed25519 checkpoint signs. */
export function checkpointPayload(count: number, lastHash: string, signedAt: string): string {
  return canonicalJson({ count, lastHash, signedAt });
}

/** The file a record of this instant belongs to, in the configured time zone: YYYY-MM-DD.jsonl. */
const formatters = new Map<string, Intl.DateTimeFormat>();
let lastDay: { tz: string; minute: number; file: string } | undefined;

export function dayFile(date: Date, timeZone: string): string {
  // Days change on minute boundaries in every time zone: one formatting per minute is enough.
  const minute = Math.floor(date.getTime() / 60_000);
  if (lastDay && lastDay.tz === timeZone && lastDay.minute === minute) return lastDay.file;
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    formatters.set(timeZone, fmt);
  }
  const parts = fmt.formatToParts(date);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "00";
  const file = `${get("year")}-${get("month")}-${get("day")}.jsonl`;
  lastDay = { tz: timeZone, minute, file };
  return file;
}

export const DAY_FILE = /^\d{4}-\d{2}-\d{2}\.jsonl$/;
