// Offline verification of an audit directory: canonical lines, hash chain, sequence, day files, checkpoint signatures.
import { isUtf8 } from "node:buffer";
import { createPublicKey, hash, type KeyObject, verify } from "node:crypto";
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { canonicalJson } from "../config/canonical.ts";
import { emptyLineFields, releaseScanBuffer, scanLine } from "./line.ts";
import { type AuditRecord, checkpointPayload, DAY_FILE, GENESIS_HASH, recordHash } from "./record.ts";

export type VerifyBreak = { file: string; line: number; seq: number | null; problem: string };
export type VerifyResult = { ok: boolean; files: number; records: number; checkpoints: number; lastHash: string; bytes: number; break?: VerifyBreak };

export type VerifyOptions = { publicKeyPem?: string | undefined; checkpointHash?: string | undefined };

const NEWLINE = 0x0a;

/** What verify needs of one line, or the problem that stops it. */
type Checked = { ok: true; hash: string; seq: number; prev: string; checkpoint: AuditRecord | undefined } | { ok: false; seq: number | null; problem: string };

/**
 * The exact check, for lines the byte scanner was not sure of: the line must parse to an object whose canonical
 * JSON is the line itself, so no two readers can see different content in bytes that hash the same.
 */
function checkExactly(text: string, validUtf8: boolean): Checked {
  let record: AuditRecord;
  try {
    const parsed: unknown = validUtf8 ? JSON.parse(text) : undefined;
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return { ok: false, seq: null, problem: "edited: the line is not valid JSON" };
    record = parsed as AuditRecord;
  } catch {
    return { ok: false, seq: null, problem: "edited: the line is not valid JSON" };
  }
  const seq = typeof record.seq === "number" ? record.seq : null;
  let canonical: boolean;
  try {
    canonical = canonicalJson(record) === text;
  } catch {
    canonical = false; // nesting too deep to re-serialise
  }
  if (!canonical) return { ok: false, seq, problem: "edited: the line is not canonical JSON" };
  if (typeof record.hash !== "string" || recordHash(record) !== record.hash) return { ok: false, seq, problem: "edited: the record's content does not match its hash" };
  if (seq === null) return { ok: false, seq: null, problem: "edited: the record has no sequence number" };
  return { ok: true, hash: record.hash, seq, prev: typeof record.prev === "string" ? record.prev : "", checkpoint: record.kind === "checkpoint" ? record : undefined };
}

const fields = emptyLineFields();
const accepted: Checked & { ok: true; end: number } = { ok: true, end: 0, hash: GENESIS_HASH, seq: 0, prev: GENESIS_HASH, checkpoint: undefined };

/**
 * The line at `start` against the hash the previous record ended with. The hashed text is the line without its
 * hash member, so the bytes before the member are moved up against the rest in the file's own buffer and hashed in
 * place (the line is put back when it has to be reported). An accepted line's result object is reused by the next.
 */
function checkLine(buf: Buffer, start: number, fileIsUtf8: boolean, prevHash: string): Checked & { end: number } {
  // The scan leaves `hash` and `prev` unread: equal to the digest and to the previous hash, the line is canonical.
  // (latin1 maps bytes to characters one to one, so these compare the bytes themselves.)
  if (fileIsUtf8 && scanLine(buf, start, buf.length, fields) && buf.toString("latin1", fields.prevAt, fields.prevAt + 64) === prevHash) {
    const { cutStart, cutEnd, hashAt, end } = fields;
    const checkpoint = fields.checkpoint ? (JSON.parse(buf.toString("utf8", start, end)) as AuditRecord) : undefined;
    const member = buf.toString("latin1", cutStart, cutEnd);
    const shift = cutEnd - cutStart;
    buf.copyWithin(start + shift, start, cutStart);
    const h = hash("sha256", buf.subarray(start + shift, end), "hex");
    if (member.slice(hashAt - cutStart, hashAt - cutStart + 64) === h) {
      accepted.end = end;
      accepted.hash = h;
      accepted.seq = fields.seq;
      accepted.prev = prevHash;
      accepted.checkpoint = checkpoint;
      return accepted;
    }
    buf.copyWithin(start, start + shift, cutEnd);
    buf.write(member, cutStart, "latin1");
  }
  // Unsure, or about to report a break: the exact check names the problem.
  const nl = buf.indexOf(NEWLINE, start);
  if (nl < 0) return { ok: false, seq: null, problem: "truncated: the file ends inside a record", end: buf.length };
  const validUtf8 = fileIsUtf8 || isUtf8(buf.subarray(start, nl));
  return { ...checkExactly(buf.toString("utf8", start, nl), validUtf8), end: nl };
}

export async function verifyAuditDir(dir: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  try {
    return await verifyFiles(dir, options);
  } finally {
    releaseScanBuffer();
  }
}

async function verifyFiles(dir: string, options: VerifyOptions): Promise<VerifyResult> {
  let key: KeyObject | undefined;
  if (options.publicKeyPem !== undefined) key = createPublicKey({ key: options.publicKeyPem, format: "pem" });
  const files = readdirSync(dir).filter((f) => DAY_FILE.test(f)).sort();
  const result: VerifyResult = { ok: true, files: files.length, records: 0, checkpoints: 0, lastHash: GENESIS_HASH, bytes: 0 };
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let sawCheckpoint = options.checkpointHash === undefined;
  const fail = (file: string, line: number, seq: number | null, problem: string): VerifyResult => ({ ...result, ok: false, break: { file, line, seq, problem } });

  for (const file of files) {
    const buf = await readFile(join(dir, file));
    const fileIsUtf8 = isUtf8(buf);
    let pos = 0;
    let lineNo = 0;
    while (pos < buf.length) {
      lineNo++;
      const c = checkLine(buf, pos, fileIsUtf8, prevHash);
      if (!c.ok) return fail(file, lineNo, c.seq, c.problem);
      result.bytes += c.end - pos + 1;
      pos = c.end + 1;
      const seq = c.seq;
      if (seq > expectedSeq) return fail(file, lineNo, seq, `missing: records ${expectedSeq}..${seq - 1} were deleted`);
      if (seq < expectedSeq) return fail(file, lineNo, seq, `reordered or duplicated: sequence ${seq} after ${expectedSeq - 1}`);
      if (c.prev !== prevHash) return fail(file, lineNo, seq, "chain broken: the record does not follow the previous one (inserted or reordered)");
      const cp = c.checkpoint;
      if (cp !== undefined) {
        result.checkpoints++;
        const { count, lastHash, signedAt } = cp;
        if (count !== seq - 1 || lastHash !== prevHash) return fail(file, lineNo, seq, "checkpoint does not match the chain it covers");
        if (key) {
          const ok = verify(null, Buffer.from(checkpointPayload(count as number, lastHash as string, signedAt as string)), key, Buffer.from(String(cp.signature), "base64"));
          if (!ok) return fail(file, lineNo, seq, "bad signature on checkpoint");
        }
        if (lastHash === options.checkpointHash) sawCheckpoint = true;
      }
      if (c.hash === options.checkpointHash) sawCheckpoint = true;
      prevHash = c.hash;
      expectedSeq = seq + 1;
      result.records++;
    }
  }
  result.lastHash = prevHash;
  if (!sawCheckpoint) {
    return { ...result, ok: false, break: { file: files.at(-1) ?? "(none)", line: 0, seq: expectedSeq - 1, problem: `truncated: the chain does not reach checkpoint ${options.checkpointHash}` } };
  }
  return result;
}
