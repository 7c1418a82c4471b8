// Audit records: canonical JSON (RFC 8785 key order), each carrying the previous record's sha256 and its own.
import { canonicalJson, sha256Hex } from "../config/canonical.ts";

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

/** One line of an audit file: the canonical JSON of the whole record, hash included, and a newline. */
export function recordLine(record: AuditRecord): string {
  return `${canonicalJson(record)}\n`;
}

/** What an Ed25519 checkpoint signs. */
export function checkpointPayload(count: number, lastHash: string, signedAt: string): string {
  return canonicalJson({ count, lastHash, signedAt });
}

/** The file a record of this instant belongs to, in the configured time zone: YYYY-MM-DD.jsonl. */
export function dayFile(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(date);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "00";
  return `${get("year")}-${get("month")}-${get("day")}.jsonl`;
}

export const DAY_FILE = /^\d{4}-\d{2}-\d{2}\.jsonl$/;
