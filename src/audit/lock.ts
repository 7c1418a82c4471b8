// One writer per audit directory across processes: audit/.lock names its holder (pid, host, start time) and is
// created atomically; a lock left by a dead process on this host is taken over, a live one refuses.
import { randomUUID } from "node:crypto";
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

export const LOCK_FILE = ".lock";
const TAKEOVER_FILE = ".lock.takeover";

export type LockHolder = { pid: number; host: string; started: string; instance: string };
export type DirLock = { readonly holder: LockHolder; release(): void };
export type LockResult = { ok: true; lock: DirLock; tookOver?: LockHolder } | { ok: false; error: string };

const STARTED = new Date(Date.now() - process.uptime() * 1000).toISOString();

function isHolder(v: unknown): v is LockHolder {
  const h = v as Partial<LockHolder> | null;
  return h !== null && typeof h === "object" && Number.isSafeInteger(h.pid) && typeof h.host === "string" && typeof h.started === "string" && typeof h.instance === "string";
}

function readHolder(path: string): LockHolder | "missing" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "unreadable";
  }
  try {
    const v: unknown = JSON.parse(text);
    return isHolder(v) ? v : "unreadable";
  } catch {
    return "unreadable";
  }
}

/** Create `path` holding `holder`, atomically and only if it does not exist: written aside, then hard-linked. */
function createExclusive(dir: string, path: string, holder: LockHolder): boolean {
  const tmp = join(dir, `.lock.${process.pid}.${randomUUID().slice(0, 8)}.tmp`);
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it just is not ours.
    return (err as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

const sameHolder = (a: LockHolder, b: LockHolder) => a.pid === b.pid && a.host === b.host && a.instance === b.instance && a.started === b.started;
const describe = (h: LockHolder) => `pid ${h.pid} on ${h.host}, running since ${h.started}`;

function lockFor(path: string, holder: LockHolder): DirLock {
  let held = true;
  return {
    holder,
    release() {
      if (!held) return;
      held = false;
      // Only our own lock: a lock taken over by someone else after ours went stale is theirs.
      const current = readHolder(path);
      if (typeof current === "object" && sameHolder(current, holder)) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    },
  };
}

/** Break the lock of a dead holder, guarded so two processes cannot both do it. */
function takeOver(dir: string, path: string, stale: LockHolder, me: LockHolder): LockResult | undefined {
  const guard = join(dir, TAKEOVER_FILE);
  if (!createExclusive(dir, guard, me)) {
    const other = readHolder(guard);
    if (typeof other === "object" && other.host === me.host && !isAlive(other.pid)) {
      // A takeover interrupted by a crash: clear it and let the next attempt start over.
      try {
        unlinkSync(guard);
      } catch {
        // someone else cleared it
      }
    }
    return undefined;
  }
  try {
    const current = readHolder(path);
    if (current === "missing" || (typeof current === "object" && sameHolder(current, stale))) {
      if (current !== "missing") unlinkSync(path);
      if (createExclusive(dir, path, me)) return { ok: true, lock: lockFor(path, me), tookOver: stale };
    }
    return undefined;
  } finally {
    try {
      unlinkSync(guard);
    } catch {
      // gone already
    }
  }
}

/** Take `dir`'s writer lock for `instance`, or say who holds it. The directory must exist. */
export function acquireDirLock(dir: string, instance: string): LockResult {
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), started: STARTED, instance };
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (createExclusive(dir, path, me)) return { ok: true, lock: lockFor(path, me) };
      const holder = readHolder(path);
      if (holder === "missing") continue; // released meanwhile
      if (holder === "unreadable") {
        return { ok: false, error: `${path} exists but does not name its holder; if no coordinator writes to ${dir}, remove it` };
      }
      const refuse = `${dir} is being written by another coordinator (${describe(holder)}; ${path}), and two writers would fork the hash chain`;
      if (holder.host !== me.host) return { ok: false, error: `${refuse}; its liveness cannot be checked from ${me.host}: if it is gone, remove the lock file` };
      if (isAlive(holder.pid)) return { ok: false, error: `${refuse}; if that process is not a coordinator (a reused pid), remove the lock file` };
      const taken = takeOver(dir, path, holder, me);
      if (taken) return taken;
    }
    return { ok: false, error: `${path} changed hands while it was being taken over; retrying on the next record` };
  } catch (err) {
    return { ok: false, error: `cannot take the lock ${path} (${(err as Error).message})` };
  }
}
