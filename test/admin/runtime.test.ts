// The runtime over a real embedded store: one admin-bot poller per platform across instances, hand-over after
// the holder stops, standby in health, and kill-switch changes made elsewhere recorded by the observer.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { createCoordinatorRuntime } from "../../src/admin/runtime.ts";
import type { AdminBot, AdminBotStatus } from "../../src/admin/types.ts";
import { createPendingEscalations } from "../../src/approvals/pending.ts";
import { parseConfig } from "../../src/config/load.ts";
import { setKillSwitch } from "../../src/state/killswitch.ts";
import { openStateStore } from "../../src/state/store.ts";

const dir = mkdtempSync(join(tmpdir(), "otheru-runtime-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** Stands in for the grammy adapter (tested on its own against the fake Bot API): counts starts and stops. */
function countingBot(log: string[], who: string): AdminBot {
  let connected = false;
  return {
    platform: "telegram",
    start: async () => {
      connected = true;
      log.push(`${who} start`);
    },
    stop: async () => {
      connected = false;
      log.push(`${who} stop`);
    },
    status: (): AdminBotStatus => ({ platform: "telegram", connected }),
    post: async () => undefined,
    postApproval: async () => Promise.reject(new Error("not used here")),
    updateApproval: async () => undefined,
  };
}

test("two instances on one store: one polls, the other stands by and takes over after the holder stops", async () => {
  const r = parseConfig({ admin: { telegram: { token: "${T}", chatId: "-100123", operators: ["42"] } } }, { T: "123456:TEST-token-not-real" });
  assert.ok(r.ok);
  const path = join(dir, "lease.sqlite");
  const log: string[] = [];
  const records: Record<string, unknown>[] = [];
  const make = (id: string) => {
    const store = openStateStore({ kind: "sqlite", path, timeoutMs: 1000, namespace: "t" });
    const runtime = createCoordinatorRuntime({
      config: r.value.config,
      policyHash: "ef".repeat(32),
      store,
      instanceId: id,
      log: quiet,
      pending: createPendingEscalations(),
      audit: { status: () => ({ ok: true, dir, records: 0, lastHash: "" }), event: async (e) => records.push({ ...e, seenBy: id }) },
      createBots: () => [countingBot(log, id)],
      botLeaseMs: 300,
      observeMs: 50,
    });
    return { store, runtime };
  };
  const a = make("A");
  const b = make("B");
  await a.runtime.start();
  await b.runtime.start();
  assert.deepEqual(log, ["A start"]);
  const hb = await b.runtime.health();
  assert.deepEqual(hb.dependencies.find((d) => d.name === "admin-bot-telegram"), { name: "admin-bot-telegram", required: false, ok: true, detail: "standby: instance A runs this bot's poller" });
  assert.equal(hb.ok, true);

  // A stop written by someone else (the CLI) is recorded by both instances.
  await setKillSwitch(a.store, { engaged: true, by: "cli:ops", via: "cli", instance: "cli:1" });
  await new Promise((res) => setTimeout(res, 200));
  assert.deepEqual(records.filter((e) => e.action === "stop-observed").map((e) => e.seenBy).sort(), ["A", "B"]);

  await a.runtime.stop();
  for (let i = 0; i < 40 && !log.includes("B start"); i++) await new Promise((res) => setTimeout(res, 50));
  assert.deepEqual(log, ["A start", "A stop", "B start"]);
  const hb2 = await b.runtime.health();
  assert.equal(hb2.dependencies.find((d) => d.name === "admin-bot-telegram")?.ok, true);
  assert.equal(hb2.dependencies.find((d) => d.name === "admin-bot-telegram")?.detail, "connected");
  await b.runtime.stop();
  await a.store.close();
  await b.store.close();
});

test("each new signed audit checkpoint is posted to the admin chat once", async () => {
  const r = parseConfig({ admin: { telegram: { token: "${T}", chatId: "-100123", operators: ["42"] } } }, { T: "123456:TEST-token-not-real" });
  assert.ok(r.ok);
  const store = openStateStore({ kind: "sqlite", path: join(dir, "cp.sqlite"), timeoutMs: 1000, namespace: "t" });
  const posts: string[] = [];
  let checkpoint: { seq: number; hash: string; time: string } | undefined = { seq: 10, hash: "a".repeat(64), time: "2026-11-25T10:00:00.000Z" };
  const bot: AdminBot = { platform: "telegram", start: async () => {}, stop: async () => {}, status: () => ({ platform: "telegram", connected: true }), post: async (t) => void posts.push(t), postApproval: async () => Promise.reject(new Error("not used here")), updateApproval: async () => undefined };
  const runtime = createCoordinatorRuntime({
    config: r.value.config,
    policyHash: "ef".repeat(32),
    store,
    instanceId: "cp",
    log: quiet,
    pending: createPendingEscalations(),
    audit: { status: () => ({ ok: true, dir, records: 11, lastHash: "b".repeat(64), ...(checkpoint ? { lastCheckpoint: checkpoint } : {}) }), event: async () => undefined },
    createBots: () => [bot],
    checkpointPollMs: 30,
  });
  await runtime.start();
  await new Promise((res) => setTimeout(res, 100));
  assert.deepEqual(posts, [], "the checkpoint that existed at start was posted by the previous run");
  checkpoint = { seq: 20, hash: "c".repeat(64), time: "2026-11-25T10:05:00.000Z" };
  await new Promise((res) => setTimeout(res, 150));
  assert.deepEqual(posts, [`Audit checkpoint #20 at 2026-11-25T10:05:00.000Z\nhash ${"c".repeat(64)}\ninstance cp\n(keep this: otheru-coordinator audit verify DIR --checkpoint ${"c".repeat(64)})`]);
  await runtime.stop();
  await store.close();
  checkpoint = undefined;
});
