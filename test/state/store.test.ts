// StateStore over real keyv: node:sqlite in a temp dir, and a real redis-server on loopback.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { readKillSwitch, setKillSwitch } from "../../src/state/killswitch.ts";
import { lazyStateStore, openStateStore, type StateStore, StoreUnavailableError } from "../../src/state/store.ts";
import { startRedis, type RedisServer } from "../redis-server.ts";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "otheru-store-"));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function contract(name: string, open: () => Promise<[StateStore, StateStore]>) {
  describe(`${name}: the store contract`, () => {
    let a: StateStore;
    let b: StateStore;
    before(async () => {
      [a, b] = await open();
    });
    after(async () => {
      await a.close();
      await b.close();
    });
    test("a value written by one instance is read by the other", async () => {
      await a.set("k1", { engaged: true, n: 3 });
      assert.deepEqual(await b.get("k1"), { engaged: true, n: 3 });
      assert.equal(await b.delete("k1"), true);
      assert.equal(await a.get("k1"), undefined);
    });
    test("values with a ttl expire", async () => {
      await a.set("short", "x", 80);
      assert.equal(await b.get("short"), "x");
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(await b.get("short"), undefined);
    });
    test("claim is first-wins across instances, and an expired claim can be taken again", async () => {
      const results = await Promise.all([a.claim("c1", "from-a", 100), b.claim("c1", "from-b", 100), a.claim("c1", "again", 100)]);
      assert.deepEqual(results.filter(Boolean).length, 1);
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(await b.claim("c1", "later", 10_000), true);
      assert.equal(await a.claim("c1", "later-a", 10_000), false);
    });
    test("a claim is released only by the value holding it, and can then be claimed again", async () => {
      assert.equal(await a.claim("r1", "from-a", 10_000), true);
      assert.equal(await b.release("r1", "from-b"), false);
      assert.equal(await b.claim("r1", "from-b", 10_000), false);
      assert.equal(await a.release("r1", "from-a"), true);
      assert.equal(await a.release("r1", "from-a"), false);
      assert.equal(await b.claim("r1", "from-b", 10_000), true);
      assert.equal(await b.holder("r1"), "from-b");
    });
    test("a lease is held by one holder at a time, renewed by it, and free after expiry", async () => {
      assert.equal(await a.lease("bot", "A", 120), true);
      assert.equal(await b.lease("bot", "B", 120), false);
      assert.equal(await a.lease("bot", "A", 120), true);
      assert.equal(await b.holder("bot"), "A");
      await new Promise((r) => setTimeout(r, 180));
      assert.equal(await b.lease("bot", "B", 10_000), true);
      assert.equal(await a.lease("bot", "A", 10_000), false);
      assert.equal(await a.holder("bot"), "B");
    });
    test("the kill switch set through one instance is engaged in the other", async () => {
      assert.equal((await readKillSwitch(b)).engaged, false);
      await setKillSwitch(a, { engaged: true, reason: "test\nstop", by: "cli:test", via: "cli", instance: "i-a" });
      const seen = await readKillSwitch(b);
      assert.equal(seen.engaged, true);
      assert.equal(seen.reason, "test stop");
      assert.equal(seen.by, "cli:test");
      await setKillSwitch(b, { engaged: false, by: "cli:test", via: "cli", instance: "i-b" });
      assert.equal((await readKillSwitch(a)).engaged, false);
    });
    test("a malformed kill-switch record throws instead of reading as off", async () => {
      await a.set("killswitch", { engaged: "no" });
      await assert.rejects(readKillSwitch(b), /malformed/);
      await a.delete("killswitch");
    });
  });
}

contract("sqlite", async () => {
  const path = join(tempDir(), "state", "state.sqlite");
  const settings = { kind: "sqlite" as const, path, timeoutMs: 1000, namespace: "t" };
  const a = openStateStore(settings);
  const b = openStateStore(settings);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  return [a, b];
});

describe("redis", () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });
  contract("redis", async () => {
    const settings = { kind: "redis" as const, url: redis.url, timeoutMs: 1000, namespace: "t" };
    return [openStateStore(settings), openStateStore(settings)];
  });

  test("redis killed by PID: operations fail with StoreUnavailableError, then recover by themselves after a restart", async () => {
    const store = openStateStore({ kind: "redis", url: redis.url, timeoutMs: 500, namespace: "outage" });
    try {
      await setKillSwitch(store, { engaged: true, by: "cli:t", via: "cli", instance: "x" });
      await redis.kill();
      await assert.rejects(readKillSwitch(store), StoreUnavailableError);
      await redis.restart();
      // The restarted server is empty (no persistence in tests); the client reconnects without help.
      let ok = false;
      for (let i = 0; i < 50 && !ok; i++) {
        try {
          await store.ping();
          ok = true;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.equal(ok, true, "the client reconnected within 5 s");
    } finally {
      await store.close();
    }
  });
});

test("sqlite: a corrupt store file fails closed, and a lazy store recovers by itself once the file is good again", async () => {
  const path = join(tempDir(), "state.sqlite");
  const { writeFileSync, rmSync: rm } = await import("node:fs");
  writeFileSync(path, "this is not a sqlite database, it is garbage that fills the header page ".repeat(20));
  const lazy = lazyStateStore({ kind: "sqlite", path, timeoutMs: 500, namespace: "t" });
  await assert.rejects(readKillSwitch(lazy), StoreUnavailableError);
  rm(path);
  await new Promise((r) => setTimeout(r, 1_100));
  assert.equal((await readKillSwitch(lazy)).engaged, false);
  await lazy.close();
});

test("sqlite: a store that cannot be created fails closed with the path in the message", async () => {
  const file = join(tempDir(), "not-a-dir");
  const { writeFileSync } = await import("node:fs");
  writeFileSync(file, "x");
  const lazy = lazyStateStore({ kind: "sqlite", path: join(file, "state.sqlite"), timeoutMs: 500, namespace: "t" });
  await assert.rejects(lazy.get("killswitch"), (err: Error) => err instanceof StoreUnavailableError && err.message.includes("not-a-dir"));
  await lazy.close();
});

test("closed stores refuse operations", async () => {
  const s = openStateStore({ kind: "sqlite", path: join(tempDir(), "s.sqlite"), timeoutMs: 500, namespace: "t" });
  await s.close();
  await assert.rejects(s.get("x"), StoreUnavailableError);
});
