// The only writer of audit records: hash-chained daily JSONL files, group-committed with fsync, one writer per
// directory (a lock file across processes, one shared writer within a process), crash recovery, and
// Ed25519-signed checkpoints.
import { createPrivateKey, type KeyObject, randomUUID, sign } from "node:crypto";
import { closeSync, fstatSync, fsync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { acquireDirLock, type DirLock } from "./lock.ts";
import { type AuditEntry, type AuditRecord, checkpointPayload, createLineBuffer, DAY_FILE, dayFile, GENESIS_HASH, type LineBuffer, sealInto } from "./record.ts";

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

export type AuditStatus = {
  ok: boolean;
  error?: string;
  dir: string;
  records: number;
  lastHash: string;
  lastCheckpoint?: { seq: number; hash: string; time: string };
  /** Group commits so far (one write + fsync per file each). */
  commits?: number;
};

export type AuditLog = {
  /** Resolves once the record is on disk (fsync'd); rejects when it could not be written. */
  append(entry: AuditEntry): Promise<AuditRecord>;
  status(): AuditStatus;
  close(): Promise<void>;
};

type Pending = { record: AuditRecord; file: string; end: number };

/**
 * A batch being filled: sealed lines back to back, where each record ends, and one promise its fsync settles (each
 * append's own promise follows it with the record).
 */
type Batch = { lines: LineBuffer; pending: Pending[]; done: PromiseWithResolvers<void> | undefined };

type Writer = {
  refs: number;
  append(entry: AuditEntry): Promise<AuditRecord>;
  status(): AuditStatus;
  /** Resolves once everything appended so far is on disk (or failed). */
  drain(): Promise<void>;
  /** After a drain: close the file and release the lock. */
  closeNow(): void;
};

const TAIL_BYTES = 4 * 1024 * 1024;
const fsyncAsync = promisify(fsync);

/** One writer per real directory in this process: OpenClaw registers the plugin several times. */
const writers = new Map<string, Writer>();

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

function writeAll(fd: number, bytes: Buffer, from: number, to: number): void {
  let at = from;
  while (at < to) at += writeSync(fd, bytes, at, to - at);
}

function createWriter(dir: string, options: AuditOptions): Writer {
  const now = options.now ?? (() => new Date());
  const instance = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let key: KeyObject | undefined;
  let lock: DirLock | undefined;
  let recovered = false;
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
  let commits = 0;
  let filling: Batch = { lines: createLineBuffer(), pending: [], done: undefined };
  let spare: LineBuffer | undefined = createLineBuffer();
  let flushing: Promise<void> | undefined;
  let scheduled = false;
  let failure: string | undefined;
  const recoveries: AuditEntry[] = [];

  /** Recover once (only while holding the lock: it may truncate a file). Throws when the log cannot be written. */
  function recover(): void {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (options.signingKeyPath) {
      const mode = statSync(options.signingKeyPath).mode & 0o077;
      if (mode !== 0) throw new Error(`${options.signingKeyPath} is readable by group or others; run chmod 600 ${options.signingKeyPath}`);
      key = createPrivateKey({ key: readFileSync(options.signingKeyPath, "utf8"), format: "pem" });
      if (key.asymmetricKeyType !== "ed25519") throw new Error(`${options.signingKeyPath} is not an Ed25519 private key`);
    }
    const files = readdirSync(dir).filter((f) => DAY_FILE.test(f)).sort();
    for (let i = files.length - 1; i >= 0; i--) {
      const path = join(dir, files[i] as string);
      const t = tail(path);
      if (t.size > t.completeSize) {
        // A crash mid-write left a partial line: keep it aside, truncate to the last complete record, go on.
        const qdir = join(dir, "quarantine");
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
  }

  /** Hold the directory's lock and recover; a lock held by a live process is retried on the next append. */
  function open(): void {
    if (openError) throw openError;
    if (lock && recovered) return;
    if (!lock) {
      const got = acquireDirLock(dir, instance);
      if (!got.ok) {
        failure = `audit log unavailable: ${got.error}`;
        throw new Error(failure);
      }
      lock = got.lock;
      if (got.tookOver) recoveries.push({ kind: "recovery", staleLock: got.tookOver });
    }
    try {
      recover();
      recovered = true;
      failure = undefined;
    } catch (err) {
      openError = new Error(`audit log unavailable: ${(err as Error).message}`);
      failure = openError.message;
      lock.release();
      throw openError;
    }
  }

  /** The open file is still the one at its path (not deleted, moved away or replaced, e.g. by a symlink to a full disk). */
  function stillAtPath(handle: number, path: string): boolean {
    const onDisk = statSync(path, { throwIfNoEntry: false });
    if (!onDisk) return false;
    const open = fstatSync(handle);
    return onDisk.ino === open.ino && onDisk.dev === open.dev;
  }

  function ensureFile(name: string): number {
    const path = join(dir, name);
    // One stat per batch: a file swapped under the writer is reopened, so what lands on disk is what is at the path.
    if (fd !== undefined && currentFile === name && stillAtPath(fd, path)) return fd;
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    fd = openSync(path, "a", 0o600);
    currentFile = name;
    durableSize = fstatSync(fd).size;
    return fd;
  }

  /** Write a batch and fsync it, one write + fsync per day file it touches. */
  async function commit(batch: Batch): Promise<void> {
    const { pending, lines } = batch;
    let i = 0;
    let from = 0;
    while (i < pending.length) {
      const file = (pending[i] as Pending).file;
      let j = i;
      while (j < pending.length && (pending[j] as Pending).file === file) j++;
      const to = (pending[j - 1] as Pending).end;
      const handle = ensureFile(file);
      try {
        writeAll(handle, lines.bytes, from, to);
        await fsyncAsync(handle);
        durableSize += to - from;
      } catch (err) {
        try {
          ftruncateSync(handle, durableSize);
        } catch {
          // the next open truncates a partial tail anyway
        }
        throw err;
      }
      const last = (pending[j - 1] as Pending).record;
      durableSeq = last.seq;
      durableHash = last.hash;
      commits++;
      i = j;
      from = to;
    }
  }

  async function flush(): Promise<void> {
    // Group commit: everything sealed since the last flush goes out together. Records sealed while this one is
    // being fsync'd fill the next batch; each promise resolves only after its own batch's fsync.
    while (filling.pending.length > 0) {
      const batch = filling;
      filling = { lines: spare ?? createLineBuffer(), pending: [], done: undefined };
      spare = undefined;
      try {
        await commit(batch);
        failure = undefined;
        batch.done?.resolve();
      } catch (err) {
        failure = `audit write failed: ${(err as Error).message}`;
        const error = new Error(failure);
        // Records sealed after the failed ones chain to them: none of them can be written either.
        batch.done?.reject(error);
        filling.done?.reject(error);
        filling.done = undefined;
        filling.pending = [];
        filling.lines.used = 0;
        seq = durableSeq;
        lastHash = durableHash;
      }
      batch.lines.used = 0;
      spare = batch.lines;
    }
  }

  function scheduleFlush(): void {
    if (scheduled || flushing) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      flushing = flush().finally(() => {
        flushing = undefined;
        // Records appended after the loop's last look (by callers woken up by it) go out now.
        if (filling.pending.length > 0) scheduleFlush();
      });
    });
  }

  // Records of a burst share their millisecond: format it once.
  let lastMs = Number.NaN;
  let lastIso = "";
  function enqueue(entry: AuditEntry): Promise<AuditRecord> {
    const date = now();
    const ms = date.getTime();
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = date.toISOString();
    }
    const lines = filling.lines;
    const record = sealInto(lines, entry, { seq: seq + 1, time: lastIso, instance, prev: lastHash });
    seq = record.seq;
    lastHash = record.hash;
    filling.pending.push({ record, file: dayFile(date, options.timeZone), end: lines.used });
    // One promise per batch, settled once by its fsync; a record's own promise only adds the record to it.
    const done = (filling.done ??= Promise.withResolvers<void>());
    scheduleFlush();
    return done.promise.then(() => record);
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
    enqueue({ kind: "checkpoint", count, lastHash: covered, signedAt, signature }).then(
      (r) => {
        lastCheckpoint = { seq: count, hash: covered, time: r.time };
      },
      () => undefined,
    );
  }

  async function drain(): Promise<void> {
    while (scheduled || flushing || filling.pending.length > 0) {
      if (flushing) await flushing;
      else await new Promise<void>((r) => setImmediate(r));
    }
  }

  return {
    refs: 0,
    append(entry) {
      // Not async: one promise per record, following the one its batch's fsync settles.
      try {
        open();
        while (recoveries.length > 0) enqueue(recoveries.shift() as AuditEntry).catch(() => undefined);
        const p = enqueue(entry);
        sinceCheckpoint++;
        maybeCheckpoint();
        return p;
      } catch (err) {
        return Promise.reject(err as Error);
      }
    },
    status() {
      const s: AuditStatus = { ok: failure === undefined, dir: options.dir, records: durableSeq, lastHash: durableHash, commits };
      if (failure !== undefined) s.error = failure;
      if (lastCheckpoint) s.lastCheckpoint = lastCheckpoint;
      return s;
    },
    drain,
    closeNow() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      currentFile = undefined;
      lock?.release();
      lock = undefined;
      recovered = false;
    },
  };
}

/**
 * A handle on the audit log of `options.dir`. Handles on the same directory in one process share one writer (the
 * first handle's settings apply until every handle is closed); another process holding the directory's lock makes
 * appends fail, naming it.
 */
export function createAuditLog(options: AuditOptions): AuditLog {
  let writer: Writer | undefined;
  let real: string | undefined;
  let attachError: string | undefined;

  function attach(): Writer {
    if (writer) return writer;
    try {
      mkdirSync(options.dir, { recursive: true, mode: 0o700 });
      real = realpathSync(options.dir);
    } catch (err) {
      attachError = `audit log unavailable: ${(err as Error).message}`;
      throw new Error(attachError);
    }
    attachError = undefined;
    let w = writers.get(real);
    if (!w) {
      w = createWriter(real, options);
      writers.set(real, w);
    }
    w.refs++;
    writer = w;
    return w;
  }

  return {
    append(entry) {
      try {
        return attach().append(entry);
      } catch (err) {
        return Promise.reject(err as Error);
      }
    },
    status() {
      if (writer) return { ...writer.status(), dir: options.dir };
      if (attachError !== undefined) return { ok: false, error: attachError, dir: options.dir, records: 0, lastHash: GENESIS_HASH };
      return { ok: true, dir: options.dir, records: 0, lastHash: GENESIS_HASH };
    },
    async close() {
      const w = writer;
      const dir = real;
      if (!w || dir === undefined) return;
      writer = undefined;
      w.refs--;
      // Still registered while it drains, so a handle attaching meanwhile keeps it open; then closed in the same
      // turn as the check, so no append can slip in between.
      await w.drain();
      if (w.refs > 0) return;
      if (writers.get(dir) === w) writers.delete(dir);
      w.closeNow();
    },
  };
}

/** Read every record of a file (for tail/show); a trailing partial line is returned separately. */
export async function readRecords(path: string): Promise<{ lines: string[]; partial: string | undefined }> {
  const text = await readFile(path, "utf8");
  const lines = text.split("\n");
  const partial = lines.pop();
  return { lines, partial: partial === "" ? undefined : partial };
}
