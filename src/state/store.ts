// The StateStore: shared coordinator state (kill switch, later approvals) over keyv — embedded SQLite
// (node:sqlite, no native build) by default, Redis when several gateways share one state. The only keyv import.
import { EventEmitter } from "node:events";
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Keyv } from "keyv";
import KeyvRedis from "@keyv/redis";

/** Thrown (never swallowed) when the store cannot answer: callers fail closed on it. */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
}

export type StoreSettings =
  | { kind: "sqlite"; path: string; timeoutMs: number; namespace: string }
  | { kind: "redis"; url: string; timeoutMs: number; namespace: string };

export interface StateStore {
  readonly kind: "sqlite" | "redis";
  /** Where the state lives, safe to show (a path, or the Redis URL without its password). */
  readonly location: string;
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Atomic first-wins write: true when this call stored the value, false when the key already held one. */
  claim(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** A renewable lease: true when `holder` now holds `key` for ttlMs (newly, after expiry, or renewed). */
  lease(key: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Who holds a lease or claim (undefined when nobody does). */
  holder(key: string): Promise<string | undefined>;
  /** Gives up a claim, only if `value` still holds it (atomic compare-and-delete); true when it was released. */
  release(key: string, value: string): Promise<boolean>;
  /** Round trip to the backing store; rejects with StoreUnavailableError when it is down. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** keyv storage adapter over node:sqlite: WAL, busy timeout, one table, expiry enforced on read. */
class SqliteKeyvStore extends EventEmitter {
  namespace?: string | undefined;
  readonly opts: Record<string, unknown> = {};
  readonly db: DatabaseSync;
  private readonly sel;
  private readonly ins;
  private readonly del;
  private readonly claimStmt;
  private readonly leaseStmt;
  private readonly releaseStmt;
  /** The file this connection has open: a state file deleted or replaced under it must not be read as a fresh, empty state. */
  private readonly identity: { dev: number; ino: number };
  private readonly path: string;

  constructor(path: string, busyMs: number) {
    super();
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new DatabaseSync(path, { timeout: busyMs });
    this.path = path;
    const st = statSync(path);
    this.identity = { dev: st.dev, ino: st.ino };
    try {
      chmodSync(path, 0o600);
    } catch {
      // An existing file owned by someone else keeps its mode; the read below still fails closed if unreadable.
    }
    this.db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires INTEGER)");
    this.sel = this.db.prepare("SELECT value, expires FROM kv WHERE key = ?");
    this.ins = this.db.prepare("INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires = excluded.expires");
    this.del = this.db.prepare("DELETE FROM kv WHERE key = ?");
    // One statement, so first-wins holds across processes sharing the file: an expired holder is replaced.
    this.claimStmt = this.db.prepare(
      "INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires = excluded.expires WHERE kv.expires IS NOT NULL AND kv.expires <= ?",
    );
    this.releaseStmt = this.db.prepare("DELETE FROM kv WHERE key = ? AND value = ?");
    this.leaseStmt = this.db.prepare(
      "INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires = excluded.expires WHERE kv.value = excluded.value OR (kv.expires IS NOT NULL AND kv.expires <= ?)",
    );
  }

  /** Throws when the file at `path` is no longer the one this connection writes (deleted, or replaced). */
  assertSameFile(): void {
    const st = statSync(this.path, { throwIfNoEntry: false });
    if (!st) throw new Error(`the state file ${this.path} was deleted while in use`);
    if (st.dev !== this.identity.dev || st.ino !== this.identity.ino) throw new Error(`the state file ${this.path} was replaced while in use`);
  }

  async get(key: string): Promise<string | undefined> {
    this.assertSameFile();
    const row = this.sel.get(key) as { value: string; expires: number | null } | undefined;
    if (!row) return undefined;
    if (row.expires !== null && row.expires <= Date.now()) return undefined;
    return row.value;
  }

  async set(key: string, value: string, ttl?: number): Promise<boolean> {
    this.assertSameFile();
    this.ins.run(key, value, typeof ttl === "number" && ttl > 0 ? Date.now() + ttl : null);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    this.assertSameFile();
    return this.del.run(key).changes > 0;
  }

  async clear(): Promise<void> {
    this.db.exec("DELETE FROM kv");
  }

  claim(key: string, value: string, ttlMs: number): boolean {
    this.assertSameFile();
    const now = Date.now();
    return this.claimStmt.run(key, value, now + ttlMs, now).changes > 0;
  }

  lease(key: string, holder: string, ttlMs: number): boolean {
    this.assertSameFile();
    const now = Date.now();
    return this.leaseStmt.run(key, holder, now + ttlMs, now).changes > 0;
  }

  release(key: string, value: string): boolean {
    this.assertSameFile();
    return this.releaseStmt.run(key, value).changes > 0;
  }

  holder(key: string): string | undefined {
    this.assertSameFile();
    const row = this.sel.get(key) as { value: string; expires: number | null } | undefined;
    return row && (row.expires === null || row.expires > Date.now()) ? row.value : undefined;
  }

  async disconnect(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}

function withTimeout<T>(what: string, ms: number, work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreUnavailableError(`the state store did not answer ${what} within ${ms} ms`)), ms);
    let p: Promise<T>;
    try {
      p = work();
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof StoreUnavailableError ? err : new StoreUnavailableError(`the state store failed on ${what}: ${(err as Error)?.message ?? String(err)}`));
      },
    );
  });
}

/** A Redis URL with any password replaced, for status output and errors. */
export function safeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable redis url)";
  }
}

export function openStateStore(settings: StoreSettings, onError?: (message: string) => void, options: { mustExist?: boolean } = {}): StateStore {
  const report = (err: unknown) => onError?.(`state store: ${(err as Error)?.message ?? String(err)}`);
  const t = settings.timeoutMs;
  if (settings.kind === "sqlite") {
    // A state file that existed and is gone held the emergency stop: an empty new one would read as "never stopped".
    if (options.mustExist && !existsSync(settings.path)) {
      throw new StoreUnavailableError(
        `the state file ${settings.path} is missing (it was deleted while the gateway used it, and it held the emergency stop); restore it, or engage or lift the stop with otheru-coordinator stop / resume, which starts a new one`,
      );
    }
    let adapter: SqliteKeyvStore;
    try {
      adapter = new SqliteKeyvStore(settings.path, Math.min(t, 5_000));
    } catch (err) {
      throw new StoreUnavailableError(`the state store ${settings.path} cannot be opened: ${(err as Error).message}`);
    }
    const keyv = new Keyv({ store: adapter, namespace: settings.namespace, throwOnErrors: true });
    keyv.on("error", report);
    return wrap("sqlite", settings.path, keyv, t, {
      claim: async (key, value, ttlMs) => adapter.claim(`${settings.namespace}:claim:${key}`, value, ttlMs),
      lease: async (key, holder, ttlMs) => adapter.lease(`${settings.namespace}:lease:${key}`, holder, ttlMs),
      holder: async (key) => adapter.holder(`${settings.namespace}:lease:${key}`) ?? adapter.holder(`${settings.namespace}:claim:${key}`),
      release: async (key, value) => adapter.release(`${settings.namespace}:claim:${key}`, value),
      ping: async () => {
        adapter.db.prepare("SELECT count(*) AS n FROM kv").get();
      },
      close: async () => adapter.disconnect(),
    });
  }
  const adapter = new KeyvRedis(
    {
      url: settings.url,
      // Fail fast while disconnected (commands are not queued) and reconnect in the background.
      disableOfflineQueue: true,
      socket: { connectTimeout: t, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 6), 2_000) },
    },
    { namespace: settings.namespace, throwOnErrors: true, throwOnConnectError: true, connectionTimeout: t },
  );
  adapter.on("error", report);
  const keyv = new Keyv({ store: adapter, namespace: settings.namespace, useKeyPrefix: false, throwOnErrors: true });
  keyv.on("error", report);
  return wrap("redis", safeRedisUrl(settings.url), keyv, t, {
    claim: async (key, value, ttlMs) => {
      const client = await adapter.getClient();
      const r = await client.set(`${settings.namespace}::claim:${key}`, value, { NX: true, PX: ttlMs });
      return r === "OK";
    },
    lease: async (key, holder, ttlMs) => {
      const client = await adapter.getClient();
      // Acquire when free, renew when ours: one atomic script, so two gateways never both hold it.
      const r = await client.eval(LEASE_SCRIPT, { keys: [`${settings.namespace}::lease:${key}`], arguments: [holder, String(ttlMs)] });
      return r === 1;
    },
    release: async (key, value) => {
      const client = await adapter.getClient();
      const r = await client.eval(RELEASE_SCRIPT, { keys: [`${settings.namespace}::claim:${key}`], arguments: [value] });
      return r === 1;
    },
    holder: async (key) => {
      const client = await adapter.getClient();
      const v = (await client.get(`${settings.namespace}::lease:${key}`)) ?? (await client.get(`${settings.namespace}::claim:${key}`));
      return typeof v === "string" ? v : undefined;
    },
    ping: async () => {
      const client = await adapter.getClient();
      await client.ping();
    },
    close: async () => {
      try {
        await adapter.disconnect(true);
      } catch {
        // Already gone.
      }
    },
  });
}

const RELEASE_SCRIPT = `if redis.call("GET", KEYS[1]) == ARGV[1] then redis.call("DEL", KEYS[1]) return 1 end
return 0`;

const LEASE_SCRIPT = `local v = redis.call("GET", KEYS[1])
if v == false or v == ARGV[1] then redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2]) return 1 end
return 0`;

type RawOps = {
  claim(key: string, value: string, ttlMs: number): Promise<boolean>;
  lease(key: string, holder: string, ttlMs: number): Promise<boolean>;
  holder(key: string): Promise<string | undefined>;
  release(key: string, value: string): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
};

function wrap(kind: "sqlite" | "redis", location: string, keyv: Keyv, t: number, raw: RawOps): StateStore {
  let closed = false;
  const guard = <T>(what: string, work: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new StoreUnavailableError("the state store is closed"));
    return withTimeout(what, t, work);
  };
  return {
    kind,
    location,
    get: <T>(key: string) => guard(`get ${key}`, async () => (await keyv.get(key)) as T | undefined),
    set: (key, value, ttlMs) =>
      guard(`set ${key}`, async () => {
        const ok = await keyv.set(key, value, ttlMs);
        if (ok === false) throw new StoreUnavailableError(`the state store refused to store ${key}`);
      }),
    delete: (key) => guard(`delete ${key}`, () => keyv.delete(key)),
    claim: (key, value, ttlMs) => guard(`claim ${key}`, () => raw.claim(key, value, ttlMs)),
    lease: (key, holder, ttlMs) => guard(`lease ${key}`, () => raw.lease(key, holder, ttlMs)),
    holder: (key) => guard(`holder ${key}`, () => raw.holder(key)),
    release: (key, value) => guard(`release ${key}`, () => raw.release(key, value)),
    ping: () => guard("ping", () => raw.ping()),
    close: async () => {
      if (closed) return;
      closed = true;
      await raw.close();
    },
  };
}

/**
 * A store opened on first use (register() stays cheap). An open that fails is retried on the next
 * operation at most once per second, so the coordinator recovers by itself once the store is back.
 */
export function lazyStateStore(settings: StoreSettings, onError?: (message: string) => void): StateStore {
  let store: StateStore | undefined;
  let lastFailure: { at: number; error: StoreUnavailableError } | undefined;
  let closed = false;
  /** Once a state file was opened here, a missing one is an outage, never a fresh start. */
  let openedOnce = false;
  let identity: { dev: number; ino: number } | undefined;
  const location = settings.kind === "sqlite" ? settings.path : safeRedisUrl(settings.url);
  const open = (): StateStore => {
    if (closed) throw new StoreUnavailableError("the state store is closed");
    if (store) return store;
    if (lastFailure && Date.now() - lastFailure.at < 1_000) throw lastFailure.error;
    try {
      store = openStateStore(settings, onError, { mustExist: openedOnce });
      openedOnce = true;
      if (settings.kind === "sqlite") {
        const st = statSync(settings.path);
        identity = { dev: st.dev, ino: st.ino };
      }
      lastFailure = undefined;
      return store;
    } catch (err) {
      const error = err instanceof StoreUnavailableError ? err : new StoreUnavailableError((err as Error).message);
      lastFailure = { at: Date.now(), error };
      throw error;
    }
  };
  /** The SQLite file was deleted or replaced: drop this connection so the next attempt opens the file now at the path. */
  const fileChanged = (): boolean => {
    if (settings.kind !== "sqlite" || !identity) return false;
    const st = statSync(settings.path, { throwIfNoEntry: false });
    return !st || st.dev !== identity.dev || st.ino !== identity.ino;
  };
  const run = async <T>(work: (s: StateStore) => Promise<T>): Promise<T> => {
    const s = open();
    try {
      return await work(s);
    } catch (err) {
      if (s === store && fileChanged()) {
        store = undefined;
        identity = undefined;
        lastFailure = { at: Date.now(), error: err instanceof StoreUnavailableError ? err : new StoreUnavailableError((err as Error).message) };
        void s.close().catch(() => undefined);
      }
      throw err;
    }
  };
  return {
    kind: settings.kind,
    location,
    get: <T>(key: string) => run((s) => s.get<T>(key)),
    set: (key, value, ttlMs) => run((s) => s.set(key, value, ttlMs)),
    delete: (key) => run((s) => s.delete(key)),
    claim: (key, value, ttlMs) => run((s) => s.claim(key, value, ttlMs)),
    lease: (key, holder, ttlMs) => run((s) => s.lease(key, holder, ttlMs)),
    holder: (key) => run((s) => s.holder(key)),
    release: (key, value) => run((s) => s.release(key, value)),
    ping: () => run((s) => s.ping()),
    close: async () => {
      closed = true;
      await store?.close();
    },
  };
}
