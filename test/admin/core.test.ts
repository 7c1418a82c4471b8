// The admin core over a real embedded store: parsing, authorisation, replays, stop/resume and what is recorded.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { type AdminDeps, createAdminHandler, parseAdminCommand } from "../../src/admin/core.ts";
import type { HealthReport } from "../../src/admin/health.ts";
import type { AdminMessage } from "../../src/admin/types.ts";
import { readKillSwitch } from "../../src/state/killswitch.ts";
import { openStateStore } from "../../src/state/store.ts";

const dir = mkdtempSync(join(tmpdir(), "otheru-admin-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.parse("2026-11-25T12:00:00Z");
const OPERATOR = "4242";
const ADMIN_CHAT = "-1001234567890";
const GUILD = "111111111111111111";
const CHANNEL = "222222222222222222";
const DISCORD_OP = "333333333333333333";

function setup() {
  const store = openStateStore({ kind: "sqlite", path: join(dir, `s-${Math.random()}.sqlite`), timeoutMs: 1000, namespace: "t" });
  const records: Record<string, unknown>[] = [];
  const stops: string[] = [];
  const health: HealthReport = { ok: true, checkedAt: "2026-11-25T12:00:00.000Z", instance: "i-1", policyHash: "ab".repeat(32), killSwitch: { engaged: false }, instances: ["i-1"], dependencies: [{ name: "state-store", required: true, ok: true, detail: "sqlite" }] };
  const deps: AdminDeps = {
    store,
    instanceId: "i-1",
    policyHash: "ab".repeat(32),
    chats: [
      { platform: "telegram", chatId: ADMIN_CHAT, operators: [OPERATOR] },
      { platform: "discord", guildId: GUILD, channelId: CHANNEL, operators: [DISCORD_OP] },
    ],
    maxMessageAgeMs: 300_000,
    record: async (e) => {
      records.push(e);
    },
    health: async () => health,
    verifyAudit: async () => ({ ok: true, text: "Audit trail OK: 3 records" }),
    pending: () => [],
    onStop: (s) => stops.push(s.by),
    log: { info: () => {}, warn: () => {}, error: () => {} },
    now: () => NOW,
  };
  return { store, records, stops, health, handler: createAdminHandler(deps) };
}

let nextId = 1;
function tg(text: string, over: Partial<AdminMessage> = {}): AdminMessage {
  return { platform: "telegram", chatId: ADMIN_CHAT, senderId: OPERATOR, senderIsBot: false, text, messageId: String(nextId++), sentAtMs: NOW - 1_000, ...over };
}

describe("parseAdminCommand", () => {
  const cases: [string, ReturnType<typeof parseAdminCommand>][] = [
    ["/stop", { ok: true, command: "stop", args: "" }],
    ["/stop@OtheruAdminBot deploy went wrong", { ok: true, command: "stop", args: "deploy went wrong" }],
    ["  /RESUME ", { ok: true, command: "resume", args: "" }],
    ["/audit verify", { ok: true, command: "audit", args: "verify" }],
    ["/audit", { ok: false, error: "Usage: /audit verify" }],
    ["/resume now", { ok: false, error: "/resume takes no arguments." }],
    ["/rm -rf", { ok: false, error: "Unknown command /rm. Send /help for the list." }],
    ["stop", { ok: false, error: "Not a command. Send /help for the list." }],
    [`/stop ${"x".repeat(501)}`, { ok: false, error: "The reason is too long (at most 500 characters)." }],
  ];
  for (const [text, expected] of cases) test(JSON.stringify(text.slice(0, 40)), () => assert.deepEqual(parseAdminCommand(text), expected));
});

describe("admin handler", () => {
  test("/stop from an operator in the admin chat engages the switch, acknowledges, records and cancels waiting approvals", async () => {
    const { store, records, stops, handler } = setup();
    const reply = await handler(tg("/stop suspicious payments"));
    assert.match(reply?.text ?? "", /^Emergency stop ENGAGED at /);
    const ks = await readKillSwitch(store);
    assert.equal(ks.engaged, true);
    assert.equal(ks.reason, "suspicious payments");
    assert.equal(ks.by, "telegram:4242");
    assert.deepEqual(stops, ["telegram:4242"]);
    assert.equal(records[0]?.kind, "admin");
    assert.equal(records[0]?.action, "stop");
    const r2 = await handler(tg("/resume"));
    assert.match(r2?.text ?? "", /^Emergency stop lifted at /);
    assert.equal((await readKillSwitch(store)).engaged, false);
    assert.equal(records[1]?.action, "resume");
  });

  const refusals: [string, Partial<AdminMessage>, string][] = [
    ["another chat", { chatId: "-100999" }, "not the admin chat"],
    ["a non-operator", { senderId: "777" }, "sender is not an operator"],
    ["a bot", { senderIsBot: true }, "sent by a bot"],
    ["a forwarded operator message", { relayed: true }, "forwarded or relayed message"],
    ["a stale message", { sentAtMs: NOW - 301_000 }, "stale or future-dated message (replay?)"],
    ["a future-dated message", { sentAtMs: NOW + 120_000 }, "stale or future-dated message (replay?)"],
    ["the right chat id on the other platform", { platform: "discord", chatId: ADMIN_CHAT, guildId: GUILD }, "not the admin chat"],
    ["the admin channel id in another guild", { platform: "discord", chatId: CHANNEL, guildId: "999999999999999999", senderId: DISCORD_OP }, "not the admin chat"],
  ];
  for (const [name, over, why] of refusals) {
    test(`/stop from ${name} is ignored, changes nothing and is recorded`, async () => {
      const { store, records, handler } = setup();
      const reply = await handler(tg("/stop", over));
      assert.equal(reply, undefined);
      assert.equal((await readKillSwitch(store)).engaged, false);
      assert.equal(records.length, 1);
      assert.equal(records[0]?.action, "refused");
      assert.equal(records[0]?.why, why);
    });
  }

  test("a replayed update (same chat and message id) acts once", async () => {
    const { store, records, handler } = setup();
    const msg = tg("/stop");
    assert.match((await handler(msg))?.text ?? "", /ENGAGED/);
    await handler(tg("/resume"));
    assert.equal(await handler(msg), undefined);
    assert.equal((await readKillSwitch(store)).engaged, false);
    assert.equal(records.at(-1)?.why, "message already handled (replay)");
  });

  test("discord operator in the configured guild channel is accepted", async () => {
    const { store, handler } = setup();
    const reply = await handler({ platform: "discord", chatId: CHANNEL, guildId: GUILD, senderId: DISCORD_OP, senderIsBot: false, text: "/stop", messageId: "555", sentAtMs: NOW });
    assert.match(reply?.text ?? "", /ENGAGED/);
    assert.equal((await readKillSwitch(store)).by, `discord:${DISCORD_OP}`);
  });

  test("malformed commands from an operator get the error and change nothing", async () => {
    const { store, handler } = setup();
    assert.deepEqual(await handler(tg("/stopp")), { text: "Unknown command /stopp. Send /help for the list." });
    assert.deepEqual(await handler(tg("hello")), { text: "Not a command. Send /help for the list." });
    assert.equal((await readKillSwitch(store)).engaged, false);
  });

  test("/status, /health, /pending and /audit verify answer without secrets", async () => {
    const { handler } = setup();
    const status = (await handler(tg("/status")))?.text ?? "";
    assert.match(status, /^Emergency stop: off\nPolicy: abababababababab\nPending escalations: 0\n/);
    assert.match((await handler(tg("/health")))?.text ?? "", /^Health: ok/);
    assert.equal((await handler(tg("/pending")))?.text, "No escalations are waiting for a decision.");
    assert.equal((await handler(tg("/audit verify")))?.text, "Audit trail OK: 3 records");
  });

  test("/status lists health warnings (an overdue credential) with their fix", async () => {
    const { handler, health } = setup();
    health.warnings = ["credential DEPLOY_TOKEN is overdue for rotation: last rotated 2026-01-01, 180 days ago (maxAgeDays 90); rotate it, put the new value in the envFile and set credentials.0.rotatedAt to that day"];
    const status = (await handler(tg("/status")))?.text ?? "";
    assert.match(status, /\nHealth: ok\nWarning: credential DEPLOY_TOKEN is overdue for rotation: last rotated 2026-01-01, 180 days ago \(maxAgeDays 90\); rotate it, put the new value in the envFile and set credentials\.0\.rotatedAt to that day$/);
  });

  test("a store that is down: the operator is told nothing changed", async () => {
    const { store, handler } = setup();
    await store.close();
    const reply = await handler(tg("/stop"));
    assert.match(reply?.text ?? "", /^The state store cannot be reached \(the state store is closed\)\. Nothing was changed/);
  });
});
