// "Zero window": tool calls racing with /stop on another instance. Every call whose hook starts after the stop
// is acknowledged is blocked — with the embedded store and with a real redis-server shared by two instances.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseConfig } from "../../src/config/load.ts";
import { createGate, type Gate } from "../../src/gate/gate.ts";
import { openStateStore, type StateStore, type StoreSettings } from "../../src/state/store.ts";
import { fixedLayout, stopHandlerOn } from "../helpers.ts";
import { startRedis, type RedisServer } from "../redis-server.ts";

const dir = mkdtempSync(join(tmpdir(), "otheru-zero-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function gateOn(store: StateStore): Gate {
  const r = parseConfig({}, {});
  if (!r.ok) throw new Error(r.problems.join("\n"));
  return createGate(r.value, fixedLayout(), { store });
}

async function race(settings: StoreSettings): Promise<{ after: number; before: number }> {
  const a = openStateStore(settings);
  const b = openStateStore(settings);
  const gateB = gateOn(b);
  const handler = stopHandlerOn(a, "a");
  const calls: { startedNs: bigint; kind: string; ruleIds: readonly string[] }[] = [];
  let ackNs: bigint | undefined;
  let stopped = false;
  // Instance B decides calls back to back (8 in flight) while instance A handles /stop.
  const deadline = Date.now() + 20_000;
  const worker = async () => {
    for (let i = 0; i < 200_000 && !stopped && Date.now() < deadline; i++) {
      const startedNs = process.hrtime.bigint();
      const r = await gateB.decide({ tool: "read", params: { path: "README.md" }, sessionKey: "agent:main:main" });
      calls.push({ startedNs, kind: r.decision.kind, ruleIds: r.decision.ruleIds });
      // Hook calls arrive from I/O; yield so timers and the admin update get their turn.
      await new Promise((r) => setImmediate(r));
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  await new Promise((r) => setTimeout(r, 30));
  const reply = await handler({ platform: "telegram", chatId: "-100", senderId: "1", senderIsBot: false, text: "/stop race", messageId: String(Math.random()), sentAtMs: Date.now() });
  ackNs = process.hrtime.bigint();
  assert.match(reply?.text ?? "", /ENGAGED/);
  await new Promise((r) => setTimeout(r, 30));
  stopped = true;
  await Promise.all(workers);
  await a.close();
  await b.close();
  const afterAck = calls.filter((c) => c.startedNs >= (ackNs as bigint));
  assert.ok(afterAck.length > 0, "some calls started after the acknowledgement");
  for (const c of afterAck) {
    assert.equal(c.kind, "block");
    assert.deepEqual(c.ruleIds, ["killswitch.engaged"]);
  }
  return { after: afterAck.length, before: calls.length - afterAck.length };
}

test("embedded store: no call that starts after the acknowledgement runs", async () => {
  const n = await race({ kind: "sqlite", path: join(dir, "race.sqlite"), timeoutMs: 1000, namespace: "z" });
  assert.ok(n.before > 0, "calls before the stop were allowed to race");
});

describe("redis", () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });
  test("two instances on one redis-server: no call that starts after the acknowledgement runs", async () => {
    const n = await race({ kind: "redis", url: redis.url, timeoutMs: 1000, namespace: "z" });
    assert.ok(n.before > 0);
  });
});
