// Faults of the state store, seen through the gate as the hook runs it (a lazily opened store, as register() builds it):
// every call during an outage is blocked with store.unavailable, the emergency stop is never read as "off" by
// accident, and the gate recovers by itself once the store is back — no restart.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createGate, type Gate } from "../../src/gate/gate.ts";
import { parseConfig } from "../../src/config/load.ts";
import { setKillSwitch } from "../../src/state/killswitch.ts";
import { lazyStateStore, openStateStore, type StateStore, type StoreSettings } from "../../src/state/store.ts";
import { fixedLayout } from "../helpers.ts";
import { startRedis, type RedisServer } from "../redis-server.ts";

const dirs: string[] = [];
const stores: StateStore[] = [];
after(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "otheru-faults-"));
  dirs.push(d);
  return d;
}

function gateOn(store: StateStore): Gate {
  const r = parseConfig({}, {});
  if (!r.ok) throw new Error(r.problems.join("\n"));
  return createGate(r.value, fixedLayout(), { store });
}

const CALL = { tool: "read", params: { path: "README.md" }, sessionKey: "agent:main:main", requester: { senderIsOwner: true } };

async function decision(gate: Gate): Promise<string> {
  const r = await gate.decide(CALL);
  return r.decision.kind === "allow" ? "allow" : r.decision.ruleIds.join(",");
}

/** Polls until the gate's answer is `want` (bounded: at most `ms`); returns the time it took. */
async function until(gate: Gate, want: string, ms: number): Promise<number> {
  const t0 = Date.now();
  let last = "";
  for (let i = 0; i < Math.ceil(ms / 50); i++) {
    last = await decision(gate);
    if (last === want) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the gate still answers ${last} after ${ms} ms (wanted ${want})`);
}

/** Writes the kill switch the way the CLI does: a separate connection to the same store. */
async function cli(settings: StoreSettings, engaged: boolean): Promise<void> {
  const s = openStateStore(settings);
  try {
    await setKillSwitch(s, { engaged, by: "cli:ops", via: "cli", instance: "cli:1" });
  } finally {
    await s.close();
  }
}

describe("embedded store (node:sqlite)", () => {
  test("the state file deleted while in use: blocked (never a fresh 'off' file) until an operator writes the stop state again", async () => {
    const dir = tempDir();
    const settings: StoreSettings = { kind: "sqlite", path: join(dir, "state.sqlite"), timeoutMs: 1000, namespace: "t" };
    const store = lazyStateStore(settings);
    stores.push(store);
    const gate = gateOn(store);
    await cli(settings, true);
    assert.equal(await decision(gate), "killswitch.engaged");
    for (const f of ["state.sqlite", "state.sqlite-wal", "state.sqlite-shm"]) rmSync(join(dir, f), { force: true });
    assert.equal(await decision(gate), "store.unavailable");
    // Retried once a second: the file is still missing, so still blocked (an empty new file would read as "off").
    await new Promise((r) => setTimeout(r, 1_100));
    assert.equal(await decision(gate), "store.unavailable");
    const r = await gate.decide(CALL);
    assert.match(r.decision.reason, /state file .*state\.sqlite is missing .* otheru-coordinator stop \/ resume/);
    // The operator resumes from the console: a new file with an explicit record; the gate picks it up by itself.
    await cli(settings, false);
    await until(gate, "allow", 5_000);
  });

  test("a corrupt state file: blocked; restored: recovers", async () => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    writeFileSync(path, "this is not a database, it was overwritten by accident".repeat(100));
    const settings: StoreSettings = { kind: "sqlite", path, timeoutMs: 1000, namespace: "t" };
    const store = lazyStateStore(settings);
    stores.push(store);
    const gate = gateOn(store);
    assert.equal(await decision(gate), "store.unavailable");
    rmSync(path);
    await cli(settings, false);
    await until(gate, "allow", 5_000);
  });

  test("a state file locked by another process: blocked while the lock is held, allowed once it is released", async () => {
    const dir = tempDir();
    const settings: StoreSettings = { kind: "sqlite", path: join(dir, "state.sqlite"), timeoutMs: 500, namespace: "t" };
    await cli(settings, false);
    const store = lazyStateStore(settings);
    stores.push(store);
    const gate = gateOn(store);
    // Another process holds an exclusive lock (EXCLUSIVE locking mode: even WAL readers must wait) when the gateway
    // starts using the file. (While the gateway has the file open in WAL mode, nobody can take that lock.)
    const locker = spawn(
      process.execPath,
      [
        "-e",
        `const { DatabaseSync } = require("node:sqlite");
         const db = new DatabaseSync(${JSON.stringify(settings.path)}, { timeout: 5000 });
         db.exec("PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE kv SET value = value;");
         process.stdout.write("locked\\n");
         process.stdin.on("data", () => { db.exec("COMMIT"); db.close(); process.exit(0); });`,
      ],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        locker.stdout?.on("data", (d: Buffer) => d.toString().includes("locked") && resolve());
        locker.once("exit", (code) => reject(new Error(`the locking process exited (${code})`)));
      });
      assert.equal(await decision(gate), "store.unavailable");
    } finally {
      if (locker.exitCode === null && locker.signalCode === null) {
        const exited = new Promise((r) => locker.once("exit", r));
        locker.stdin?.write("release\n");
        const killer = setTimeout(() => locker.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(killer);
      }
    }
    await until(gate, "allow", 5_000);
  });
});

describe("shared store (a real redis-server)", () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });

  test("redis-server killed mid-run and restarted on the same port: blocked during the outage, recovers by itself; a stop lost with the restart stays in force", async (t) => {
    const settings: StoreSettings = { kind: "redis", url: redis.url, timeoutMs: 500, namespace: "faults" };
    const store = lazyStateStore(settings);
    stores.push(store);
    const gate = gateOn(store);
    assert.equal(await decision(gate), "allow");
    await redis.kill();
    assert.equal(await decision(gate), "store.unavailable");
    assert.equal(await decision(gate), "store.unavailable");
    await redis.restart();
    const recoveryMs = await until(gate, "allow", 15_000);
    t.diagnostic(`recovered ${recoveryMs} ms after redis-server was restarted`);

    // A stop engaged, then Redis restarts without persistence (the record is gone): never read as "off".
    await cli(settings, true);
    assert.equal(await decision(gate), "killswitch.engaged");
    await redis.kill();
    assert.equal(await decision(gate), "store.unavailable");
    await redis.restart();
    await until(gate, "killswitch.lost", 15_000);
    assert.equal(await decision(gate), "killswitch.lost");
    // Lifting it is an explicit act, recorded in the store again.
    await cli(settings, false);
    assert.equal(await decision(gate), "allow");
  });
});
