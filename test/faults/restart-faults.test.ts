// A gateway restart with escalations pending and the emergency stop engaged: the stop survives, the escalations the
// old process was waiting on resolve as expired-denied (recorded by the new one), and nothing is allowed by accident.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { createCoordinatorRuntime } from "../../src/admin/runtime.ts";
import { createBroker, type EscalationInput } from "../../src/approvals/broker.ts";
import { createClickHandler } from "../../src/approvals/clicks.ts";
import { createPendingEscalations } from "../../src/approvals/pending.ts";
import type { AuditEntry } from "../../src/audit/record.ts";
import { createGate } from "../../src/gate/gate.ts";
import { parseConfig } from "../../src/config/load.ts";
import { setKillSwitch } from "../../src/state/killswitch.ts";
import { openStateStore, type StateStore } from "../../src/state/store.ts";
import { fixedLayout, escalationInput } from "../helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "otheru-restart-"));
const stores: StateStore[] = [];
after(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const INPUT: EscalationInput = escalationInput();

test("restart with pending escalations and an engaged stop: the stop survives, the escalations expire denied", async () => {
  const settings = { kind: "sqlite" as const, path: join(dir, "state.sqlite"), timeoutMs: 1000, namespace: "t" };
  const r = parseConfig({ admin: { telegram: { token: "${T}", chatId: "-1001", operators: ["7"] } } }, { T: "123456:TEST-token-not-real" });
  assert.ok(r.ok);

  // Before the restart: a gateway process (pid 4194305 does not exist, as after a crash) waits on two escalations, and an operator stops everything.
  const oldStore = openStateStore(settings);
  stores.push(oldStore);
  const old = createBroker({ store: oldStore, instanceId: `${hostname()}:4194305:old`, record: async () => undefined, log: quiet });
  const e1 = await old.create(INPUT, 600_000);
  const e2 = await old.create(INPUT, 600_000);
  await setKillSwitch(oldStore, { engaged: true, reason: "incident", by: "telegram:7", via: "telegram", instance: `${hostname()}:4194305:old` });
  await oldStore.close();

  // After the restart: a new process, the same store.
  const store = openStateStore(settings);
  stores.push(store);
  const records: AuditEntry[] = [];
  const broker = createBroker({ store, instanceId: `${hostname()}:${process.pid}:new`, record: async (e) => void records.push(e), log: quiet });
  const runtime = createCoordinatorRuntime({
    config: r.value.config,
    policyHash: "cd".repeat(32),
    store,
    instanceId: `${hostname()}:${process.pid}:new`,
    log: quiet,
    pending: createPendingEscalations(),
    audit: { status: () => ({ ok: true, dir, records: 0, lastHash: "" }), event: async (e) => void records.push(e) },
    broker,
    createBots: () => [],
    approvalPollMs: 50,
  });
  await runtime.start();
  try {
    for (let i = 0; i < 100 && (await broker.listPending()).length > 0; i++) await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(await broker.listPending(), []);
    for (const e of [e1, e2]) {
      const found = await broker.get(e.id);
      assert.equal(found?.outcome?.state, "expired");
      assert.equal(found?.outcome?.note, "the gateway that was waiting for it restarted or went away");
    }
    assert.deepEqual(
      records.filter((x) => x.action === "outcome").map((x) => [x.id, x.state]),
      [
        [e1.id, "expired"],
        [e2.id, "expired"],
      ],
    );
    // The stop survived the restart: every call is blocked.
    const gate = createGate(r.value, fixedLayout(), { store });
    const d = await gate.decide({ tool: "read", params: { path: "README.md" }, sessionKey: "agent:main:main", requester: { senderIsOwner: true } });
    assert.deepEqual(d.decision.ruleIds, ["killswitch.engaged"]);
    // A supervisor's late click on the old card changes nothing.
    const click = createClickHandler({ broker, chats: [{ platform: "telegram", chatId: "-1001", supervisors: ["7"] }], record: async () => undefined, log: quiet });
    const reply = await click({ platform: "telegram", chatId: "-1001", senderId: "7", senderIsBot: false, data: `oc1:a:${e1.id}` });
    assert.match(reply.text, /^Already decided: EXPIRED at .* \(the gateway that was waiting for it restarted or went away\): the call is blocked\.$/);
  } finally {
    await runtime.stop();
    broker.close();
  }
});
