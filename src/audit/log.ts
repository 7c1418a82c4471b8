// The only writer of audit records: hash-chained daily JSONL files, group-committed with fsync, crash recovery,
// and Ed25519-signed checkpoints.
import { createPrivateKey, type KeyObject, randomUUID, sign } from "node:crypto";
import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { type AuditEntry, type AuditRecord, checkpointPayload, DAY_FILE, dayFile, GENESIS_HASH, sealRecord } from "./record.ts";

export type AuditOptions = {
  dir: string;
  timeZone: string;
  /** A checkpoint every this many records (0: never by count). */
  checkpointEvery: number;
  /** …or when this many seconds passed since the last one (0: never by time). */
  checkpointSeconds: number;
  /** Ed25519 private key (PEM file). Without it no checkpoints are written. */
  signingKeyPath?: string | undefined;
  /** Clock, injectable for tests of day roll-over. */
  now?: () => Date;
};

export type AuditStatus = { ok: boolean; error?: string; dir: string; records: number; lastHash: string; lastCheckpoint?: { seq: number; hash: string; time: string } };

export type AuditLog = {
  /** Resolves once the record is on disk (fsync'd); rejects when it could not be written. */
  append(entry: AuditEntry): Promise<AuditRecord>;
  status(): AuditStatus;
  close(): Promise<void>;
};

type Pending = { record: AuditRecord; line: string; file: string; resolve: (r: AuditRecord) => void; reject: (e: Error) => void };

const TAIL_BYTES = 4 * 1024 * 1024;

/** The last complete line of a file and where complete lines end (a crash can leave a partial line after it). */
function tail(path: string): { lastLine: string | undefined; completeSize: number; size: number } {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    const lastNl = buf.lastIndexOf(0x0a);
    if (lastNl < 0) {
      if (start > 0) throw new Error(`${path}: no record boundary in its last ${TAIL_BYTES} bytes`);
      return { lastLine: undefined, completeSize: 0, size };
    }
    const prevNl = buf.lastIndexOf(0x0a, lastNl - 1);
    if (prevNl < 0 && start > 0) throw new Error(`${path}: its last record is longer than ${TAIL_BYTES} bytes`);
    return { lastLine: buf.subarray(prevNl + 1, lastNl).toString("utf8"), completeSize: start + lastNl + 1, size };
  } finally {
    closeSync(fd);
  }
}

export function createAuditLog(options: AuditOptions): AuditLog {
  const now = options.now ?? (() => new Date());
  const instance = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let key: KeyObject | undefined;
  let opened = false;
  let openError: Error | undefined;
  let seq = 0;
  let lastHash = GENESIS_HASH;
  let durableSeq = 0;
  let durableHash = GENESIS_HASH;
  let lastCheckpoint: AuditStatus["lastCheckpoint"];
  let lastCheckpointAt = Date.now();
  let sinceCheckpoint = 0;
  let currentFile: string | undefined;
  let fd: number | undefined;
  let durableSize = 0;
  let queue: Pending[] = [];
  let flushing = false;
  let failure: string | undefined;
  const recoveries: AuditEntry[] = [];

  function open(): void {
    if (opened) return;
    opened = true;
    try {
      mkdirSync(options.dir, { recursive: true, mode: 0o700 });
      if (options.signingKeyPath) {
        const mode = statSync(options.signingKeyPath).mode & 0o077;
        if (mode !== 0) throw new Error(`${options.signingKeyPath} is readable by group or others; run chmod 600 ${options.signingKeyPath}`);
        key = createPrivateKey({ key: readFileSync(options.signingKeyPath, "utf8"), format: "pem" });
        if (key.asymmetricKeyType !== "ed25519") throw new Error(`${options.signingKeyPath} is not an Ed25519 private key`);
      }
      const files = readdirSync(options.dir).filter((f) => DAY_FILE.test(f)).sort();
      for (let i = files.length - 1; i >= 0; i--) {
        const path = join(options.dir, files[i] as string);
        const t = tail(path);
        if (t.size > t.completeSize) {
          // A crash mid-write left a partial line: keep it aside, truncate to the last complete record, go on.
          const qdir = join(options.dir, "quarantine");
          mkdirSync(qdir, { recursive: true, mode: 0o700 });
          const partial = Buffer.alloc(t.size - t.completeSize);
          const rfd = openSync(path, "r+");
          readSync(rfd, partial, 0, partial.length, t.completeSize);
          const qpath = join(qdir, `${files[i]}.${Date.now()}.partial`);
          const qfd = openSync(qpath, "w", 0o600);
          writeSync(qfd, partial);
          fsyncSync(qfd);
          closeSync(qfd);
          ftruncateSync(rfd, t.completeSize);
          fsyncSync(rfd);
          closeSync(rfd);
          recoveries.push({ kind: "recovery", file: files[i], quarantined: qpath, bytes: partial.length });
        }
        if (t.lastLine === undefined) continue;
        const last = JSON.parse(t.lastLine) as AuditRecord;
        seq = durableSeq = last.seq;
        lastHash = durableHash = last.hash;
        break;
      }
    } catch (err) {
      openError = err as Error;
      failure = `audit log unavailable: ${(err as Error).message}`;
    }
  }

  function fileFor(record: AuditRecord): string {
    return dayFile(new Date(record.time), options.timeZone);
  }

  function ensureFile(name: string): number {
    if (fd !== undefined && currentFile === name) return fd;
    if (fd !== undefined) closeSync(fd);
    const path = join(options.dir, name);
    fd = openSync(path, "a", 0o600);
    currentFile = name;
    durableSize = fstatSync(fd).size;
    return fd;
  }

  function flushSync(batch: Pending[]): void {
    let i = 0;
    while (i < batch.length) {
      const file = (batch[i] as Pending).file;
      let j = i;
      let text = "";
      while (j < batch.length && (batch[j] as Pending).file === file) text += (batch[j++] as Pending).line;
      const handle = ensureFile(file);
      try {
        writeSync(handle, text);
        fsyncSync(handle);
        durableSize += Buffer.byteLength(text);
      } catch (err) {
        try {
          ftruncateSync(handle, durableSize);
        } catch {
          // the next open truncates a partial tail anyway
        }
        throw err;
      }
      const last = (batch[j - 1] as Pending).record;
      durableSeq = last.seq;
      durableHash = last.hash;
      i = j;
    }
  }

  function scheduleFlush(): void {
    if (flushing) return;
    flushing = true;
    setImmediate(() => {
      // Group commit: everything queued since the last flush goes out in one write + fsync per file.
      const batch = queue;
      queue = [];
      try {
        flushSync(batch);
        failure = undefined;
        for (const p of batch) p.resolve(p.record);
      } catch (err) {
        failure = `audit write failed: ${(err as Error).message}`;
        const error = new Error(failure);
        for (const p of [...batch, ...queue]) p.reject(error);
        queue = [];
        seq = durableSeq;
        lastHash = durableHash;
      } finally {
        flushing = false;
        if (queue.length > 0) scheduleFlush();
      }
    });
  }

  function enqueue(entry: AuditEntry): Promise<AuditRecord> {
    const time = now().toISOString();
    const { record, line } = sealRecord({ ...entry, v: 1 as const, seq: seq + 1, time, instance, prev: lastHash });
    seq = record.seq;
    lastHash = record.hash;
    return new Promise<AuditRecord>((resolve, reject) => {
      queue.push({ record, line, file: fileFor(record), resolve, reject });
      scheduleFlush();
    });
  }

  function maybeCheckpoint(): void {
    if (!key) return;
    const dueByCount = options.checkpointEvery > 0 && sinceCheckpoint >= options.checkpointEvery;
    const dueByTime = options.checkpointSeconds > 0 && Date.now() - lastCheckpointAt >= options.checkpointSeconds * 1000;
    if (!dueByCount && !dueByTime) return;
    sinceCheckpoint = 0;
    lastCheckpointAt = Date.now();
    const signedAt = now().toISOString();
    const signature = sign(null, Buffer.from(checkpointPayload(seq, lastHash, signedAt)), key).toString("base64");
    const count = seq;
    const covered = lastHash;
    void enqueue({ kind: "checkpoint", count, lastHash: covered, signedAt, signature }).then(
      (r) => {
        lastCheckpoint = { seq: count, hash: covered, time: r.time };
      },
      () => undefined,
    );
  }

  return {
    async append(entry) {
      open();
      if (openError) throw new Error(failure);
      while (recoveries.length > 0) void enqueue(recoveries.shift() as AuditEntry).catch(() => undefined);
      const p = enqueue(entry);
      sinceCheckpoint++;
      maybeCheckpoint();
      return p;
    },
    status() {
      const s: AuditStatus = { ok: failure === undefined, dir: options.dir, records: durableSeq, lastHash: durableHash };
      if (failure !== undefined) s.error = failure;
      if (lastCheckpoint) s.lastCheckpoint = lastCheckpoint;
      return s;
    },
    async close() {
      for (let i = 0; i < 200 && (queue.length > 0 || flushing); i++) await new Promise((r) => setTimeout(r, 5));
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      currentFile = undefined;
    },
  };
}

/** Read every record of a file (for verify/tail); a trailing partial line is returned separately. */
export async function readRecords(path: string): Promise<{ lines: string[]; partial: string | undefined }> {
  const text = await readFile(path, "utf8");
  const lines = text.split("\n");
  const partial = lines.pop();
  return { lines, partial: partial === "" ? undefined : partial };
}
