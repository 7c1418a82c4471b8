// Audit records: canonical JSON (RFC 8785 key order), each carrying the previous record's sha256 and its own.
import { hash as digest, randomBytes } from "node:crypto";
import { canonicalJson, prepareCanonical, sha256Hex } from "../config/canonical.ts";

export const GENESIS_HASH = "0".repeat(64);

export type RecordKind = "call.before" | "call.after" | "approval" | "config.load" | "override.attempt" | "checkpoint" | "recovery" | "admin" | "escalation";

/** What callers hand in; the log adds v, seq, time, instance, prev and hash. */
export type AuditEntry = { kind: RecordKind; [field: string]: unknown };

export type AuditRecord = AuditEntry & { v: 1; seq: number; time: string; instance: string; prev: string; hash: string };

/** The hash of a record is sha256 over its canonical JSON without the `hash` field. */
export function recordHash(record: Omit<AuditRecord, "hash"> | Record<string, unknown>): string {
  const { hash: _omit, ...rest } = record as Record<string, unknown>;
  return sha256Hex(canonicalJson(rest));
}

/** The fields the log sets on every record (placeholders in an entry are overwritten). */
export type ChainFields = { seq: number; time: string; instance: string; prev: string };

/**
 * Keys an entry can list, in sorted order among its own, so the record is the entry with these filled in and
 * serialises in one JSON.stringify (what the trail does for every call): `{ args, …, hash: "", instance: "", …,
 * prev: "", …, seq: 0, …, time: "", …, v: 1 }`. Such an entry becomes the record (append takes it over); entries
 * without them are copied in sorted order instead.
 */
export const CHAIN_KEYS = ["hash", "instance", "prev", "seq", "time", "v"] as const;

/**
 * Stands in for the hash while a record is serialised; overwritten by the digest before the line is used.
 * Random per process, so no argument can contain it and its only occurrence is the record's own `hash` member.
 */
const HASH_SLOT = randomBytes(32).toString("hex");
const HASH_SLOT_BYTES = Buffer.from(HASH_SLOT, "latin1");
const HASH_KEY = Buffer.from('"hash":"');
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;

/** Where sealed lines accumulate: the bytes a group commit writes as they are. */
export type LineBuffer = { bytes: Buffer; used: number };

export function createLineBuffer(size = 256 * 1024): LineBuffer {
  return { bytes: Buffer.allocUnsafe(size), used: 0 };
}

function ensureRoom(out: LineBuffer, extra: number): void {
  if (out.bytes.length - out.used >= extra) return;
  let size = out.bytes.length * 2;
  while (size - out.used < extra) size *= 2;
  const bigger = Buffer.allocUnsafe(size);
  out.bytes.copy(bigger, 0, 0, out.used);
  out.bytes = bigger;
}

function recordFrom(entry: AuditEntry, chain: ChainFields): Record<string, unknown> {
  const e = entry as Record<string, unknown>;
  let rec: Record<string, unknown>;
  if (e.hash === "" && e.seq === 0 && e.instance === "" && e.prev === "" && e.time === "" && Object.hasOwn(e, "v")) {
    // A fresh skeleton (placeholders untouched): the record is the entry itself, filled in. Once filled, it no
    // longer looks fresh, so an entry appended twice is copied the second time.
    rec = e;
  } else if ("hash" in e && "instance" in e && "prev" in e && "seq" in e && "time" in e && "v" in e) {
    rec = { ...e };
  } else {
    const keys = Object.keys(e);
    for (const k of CHAIN_KEYS) if (!(k in e)) keys.push(k);
    keys.sort();
    rec = {};
    for (const k of keys) rec[k] = e[k];
  }
  // Whatever the entry held under these names, the log's values win.
  rec.hash = HASH_SLOT;
  rec.instance = chain.instance;
  rec.prev = chain.prev;
  rec.seq = chain.seq;
  rec.time = chain.time;
  rec.v = 1;
  return rec;
}

/**
 * Seal a record into `out`: its canonical JSON (RFC 8785) with `hash` = sha256 over the same text without the
 * `hash` member, then a newline. The text is serialised once and encoded once; the hash is taken over the encoded
 * bytes (with the member moved aside) and those bytes are what the log writes. Returns the record.
 */
export function sealInto(out: LineBuffer, entry: AuditEntry, chain: ChainFields): AuditRecord {
  const rec = recordFrom(entry, chain);
  const text = prepareCanonical(rec) ? JSON.stringify(rec) : canonicalJson(rec);
  ensureRoom(out, text.length * 3 + 1);
  const buf = out.bytes;
  const start = out.used;
  const end = start + buf.write(text, start);
  // All ASCII (the usual case): string offsets are byte offsets, and searching the string is cheaper.
  const at = end - start === text.length ? start + text.indexOf(HASH_SLOT) : buf.indexOf(HASH_SLOT_BYTES, start);
  // at points at the digits of `"hash":"…"`, a top-level member that is never last ("instance" follows).
  const first = buf[at - 9] === OPEN_OBJECT;
  let keyOk = at >= start + 9 && at + 66 <= end && (first || buf[at - 9] === COMMA);
  for (let k = 0; keyOk && k < 8; k++) keyOk = buf[at - 8 + k] === HASH_KEY[k];
  if (!keyOk) throw new Error("audit record: the hash member is not where canonical JSON puts it");
  const cutStart = first ? at - 8 : at - 9;
  const cutEnd = first ? at + 66 : at + 65;
  const shift = cutEnd - cutStart;
  // Hash the text without the member: close the gap from the shorter side, hash, move it back.
  let hash: string;
  if (cutStart - start <= end - cutEnd) {
    buf.copyWithin(start + shift, start, cutStart);
    hash = createHashHex(buf.subarray(start + shift, end));
    buf.copyWithin(start, start + shift, cutEnd);
  } else {
    buf.copyWithin(cutStart, cutEnd, end);
    hash = createHashHex(buf.subarray(start, end - shift));
    buf.copyWithin(cutEnd, cutStart, end - shift);
  }
  buf.write(first ? `"hash":"${hash}",` : `,"hash":"${hash}"`, cutStart, "latin1");
  buf[end] = 0x0a;
  out.used = end + 1;
  rec.hash = hash;
  return rec as AuditRecord;
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

function createHashHex(bytes: Buffer): string {
  return digest("sha256", bytes, "hex");
}

export const DAY_FILE = /^\d{4}-\d{2}-\d{2}\.jsonl$/;
