// Offline verification of an audit directory: hash chain, sequence, day files, checkpoint signatures.
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { readRecords } from "./log.ts";
import { type AuditRecord, checkpointPayload, DAY_FILE, GENESIS_HASH, lineHash, recordHash } from "./record.ts";

export type VerifyBreak = { file: string; line: number; seq: number | null; problem: string };
export type VerifyResult = { ok: boolean; files: number; records: number; checkpoints: number; lastHash: string; bytes: number; break?: VerifyBreak };

export type VerifyOptions = { publicKeyPem?: string | undefined; checkpointHash?: string | undefined };

export async function verifyAuditDir(dir: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  let key: KeyObject | undefined;
  if (options.publicKeyPem !== undefined) key = createPublicKey({ key: options.publicKeyPem, format: "pem" });
  const files = readdirSync(dir).filter((f) => DAY_FILE.test(f)).sort();
  const result: VerifyResult = { ok: true, files: files.length, records: 0, checkpoints: 0, lastHash: GENESIS_HASH, bytes: 0 };
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let sawCheckpoint = options.checkpointHash === undefined;
  const fail = (file: string, line: number, seq: number | null, problem: string): VerifyResult => ({ ...result, ok: false, break: { file, line, seq, problem } });

  for (const file of files) {
    const { lines, partial } = await readRecords(join(dir, file));
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      result.bytes += Buffer.byteLength(line) + 1;
      let record: AuditRecord;
      try {
        record = JSON.parse(line) as AuditRecord;
      } catch {
        return fail(file, i + 1, null, "edited: the line is not valid JSON");
      }
      const seq = typeof record.seq === "number" ? record.seq : null;
      // Fast path: hash the stored text itself; fall back to re-serialising (a line rewritten in another key order).
      const textHash = typeof record.hash === "string" ? lineHash(line, record.hash) : undefined;
      if (textHash !== record.hash && recordHash(record) !== record.hash) return fail(file, i + 1, seq, "edited: the record's content does not match its hash");
      if (seq === null) return fail(file, i + 1, null, "edited: the record has no sequence number");
      if (seq > expectedSeq) return fail(file, i + 1, seq, `missing: records ${expectedSeq}..${seq - 1} were deleted`);
      if (seq < expectedSeq) return fail(file, i + 1, seq, `reordered or duplicated: sequence ${seq} after ${expectedSeq - 1}`);
      if (record.prev !== prevHash) return fail(file, i + 1, seq, "chain broken: the record does not follow the previous one (inserted or reordered)");
      if (record.kind === "checkpoint") {
        result.checkpoints++;
        const count = record.count;
        const lastHash = record.lastHash;
        const signedAt = record.signedAt;
        if (count !== seq - 1 || lastHash !== prevHash) return fail(file, i + 1, seq, "checkpoint does not match the chain it covers");
        if (key) {
          const ok = verify(null, Buffer.from(checkpointPayload(count as number, lastHash as string, signedAt as string)), key, Buffer.from(String(record.signature), "base64"));
          if (!ok) return fail(file, i + 1, seq, "bad signature on checkpoint");
        }
      }
      if (record.hash === options.checkpointHash || (record.kind === "checkpoint" && record.lastHash === options.checkpointHash)) sawCheckpoint = true;
      prevHash = record.hash;
      expectedSeq = seq + 1;
      result.records++;
    }
    if (partial !== undefined) return fail(file, lines.length + 1, null, "truncated: the file ends inside a record");
  }
  result.lastHash = prevHash;
  if (!sawCheckpoint) {
    return { ...result, ok: false, break: { file: files.at(-1) ?? "(none)", line: 0, seq: expectedSeq - 1, problem: `truncated: the chain does not reach checkpoint ${options.checkpointHash}` } };
  }
  return result;
}
