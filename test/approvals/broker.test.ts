// The escalation broker over real stores: node:sqlite in a temp dir and a real redis-server shared by two instances.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Broker, createBroker, type EscalationInput } from "../../src/approvals/broker.ts";
import { createClickHandler, parseButtonData, approvalCard } from "../../src/approvals/clicks.ts";
import { routeFor, runEscalation, settle } from "../../src/approvals/escalate.ts";
import type { ApprovalClick, SupervisorOpinion } from "../../src/approvals/types.ts";
import type { AuditEntry } from "../../src/audit/record.ts";
import { loadConfig } from "../../src/config/load.ts";
import { openStateStore, type StateStore } from "../../src/state/store.ts";
import { startRedis, type RedisServer } from "../redis-server.ts";
import { escalationInput } from "../helpers.ts";

const dirs: string[] = [];
const stores: StateStore[] = [];
const brokers: Broker[] = [];
after(async () => {
  for (const b of brokers) b.close();
  for (const s of stores) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function sqliteStores(n: number): StateStore[] {
  const d = mkdtempSync(join(tmpdir(), "otheru-broker-"));
  dirs.push(d);
  const settings = { kind: "sqlite" as const, path: join(d, "state.sqlite"), timeoutMs: 1000, namespace: "t" };
  const out = Array.from({ length: n }, () => openStateStore(settings));
  stores.push(...out);
  return out;
}

const quietLog = { warn: () => undefined, error: () => undefined, info: () => undefined };

function brokerOn(store: StateStore, instanceId: string, records: AuditEntry[] = [], pollMs = 20): Broker {
  const b = createBroker({ store, instanceId, record: async (e) => void records.push(e), log: quietLog, pollMs });
  brokers.push(b);
  return b;
}

const INPUT: EscalationInput = escalationInput();

function config(raw: unknown) {
  const r = loadConfig(raw, { env: { T: "123456:fake-admin-token-for-tests", D: "fake.discord.token" }, baseDir: tmpdir() });
  if (!r.ok) throw new Error(r.problems.join("\n"));
  return r.value.config;
}

describe("broker on node:sqlite", () => {
  test("create, then a decision by another instance reaches the waiting one; the first decision wins", async () => {
    const [s1, s2] = sqliteStores(2) as [StateStore, StateStore];
    const records: AuditEntry[] = [];
    const a = brokerOn(s1, "host-a:1:aaaa", records);
    const b = brokerOn(s2, "host-b:2:bbbb");
    const e = await a.create(INPUT, 60_000);
    assert.match(e.id, /^[A-Za-z0-9_-]{16}$/);
    assert.deepEqual((await b.listPending()).map((x) => x.id), [e.id]);
    const waiting = a.wait(e.id);
    const first = await b.decide(e.id, "approved", { via: "telegram", userId: "7" });
    const second = await a.decide(e.id, "denied", { via: "discord", userId: "8" });
    assert.equal(first.ok && first.won, true);
    assert.equal(second.ok && !second.won && second.outcome.state, "approved");
    const outcome = await waiting;
    assert.equal(outcome.state, "approved");
    assert.deepEqual(outcome.by, { via: "telegram", userId: "7" });
    assert.deepEqual(await b.listPending(), []);
    // b decided (b's own trail records "outcome"); a, whose call waited, records what it observed.
    assert.deepEqual(
      records.map((r) => [r.action, r.state ?? null, r.by ?? null]),
      [
        ["created", null, null],
        ["outcome-observed", "approved", "telegram"],
      ],
    );
  });

  test("no decision before the timeout: expired, denied, recorded once", async () => {
    const [s1] = sqliteStores(1) as [StateStore];
    const records: AuditEntry[] = [];
    const a = brokerOn(s1, "host-a:1:cccc", records);
    const e = await a.create(INPUT, 150);
    const outcome = await a.wait(e.id);
    assert.equal(outcome.state, "expired");
    assert.deepEqual(outcome.by, { via: "system" });
    const late = await a.decide(e.id, "approved", { via: "telegram", userId: "7" });
    assert.equal(late.ok && !late.won && late.outcome.state, "expired");
    assert.deepEqual(
      records.filter((r) => r.action === "outcome").map((r) => r.state),
      ["expired"],
    );
  });

  test("a gateway that went away leaves its pending escalations to be expired by the next sweep", async () => {
    const [s1, s2] = sqliteStores(2) as [StateStore, StateStore];
    // An instance id of a dead process on this host (pid 2^22+1 does not exist on Linux's default pid_max).
    const gone = brokerOn(s1, `${(await import("node:os")).hostname()}:4194305:dead`);
    const e = await gone.create(INPUT, 60_000);
    const records: AuditEntry[] = [];
    const fresh = brokerOn(s2, "host-b:2:fresh", records);
    assert.equal(await fresh.sweep(), 1);
    const found = await fresh.get(e.id);
    assert.equal(found?.outcome?.state, "expired");
    assert.equal(found?.outcome?.note, "the gateway that was waiting for it restarted or went away");
    assert.deepEqual(await fresh.listPending(), []);
    assert.equal(records.filter((r) => r.action === "outcome").length, 1);
  });

  test("the emergency stop cancels what this instance waits on", async () => {
    const [s1] = sqliteStores(1) as [StateStore];
    const a = brokerOn(s1, "host-a:1:stop");
    const e1 = await a.create(INPUT, 60_000);
    const e2 = await a.create(INPUT, 60_000);
    const w1 = a.wait(e1.id);
    const w2 = a.wait(e2.id);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(await a.cancelLocal({ via: "system" }, "emergency stop engaged"), 2);
    assert.deepEqual([(await w1).state, (await w2).state], ["cancelled", "cancelled"]);
    assert.equal(a.waiting, 0);
  });

  test("too many pending escalations: create refuses (the caller blocks)", async () => {
    const [s1] = sqliteStores(1) as [StateStore];
    const a = createBroker({ store: s1, instanceId: "host-a:1:full", record: async () => undefined, log: quietLog, maxPending: 1 });
    brokers.push(a);
    const e = await a.create(INPUT, 60_000);
    void a.wait(e.id);
    await new Promise((r) => setTimeout(r, 30));
    await assert.rejects(a.create(INPUT, 60_000), /too many escalations are waiting \(1\)/);
  });

  test("an escalation the model settles at once is recorded and decided first-wins, but never listed as open", async () => {
    const [s1] = sqliteStores(1) as [StateStore];
    const records: AuditEntry[] = [];
    const a = brokerOn(s1, "host-a:1:unlisted", records);
    const e = await a.create(INPUT, 60_000, { listed: false });
    assert.deepEqual(await a.listPending(), []);
    assert.equal((await a.get(e.id))?.escalation.tool, "exec");
    const first = await a.decide(e.id, "approved", { via: "model" });
    const second = await a.decide(e.id, "denied", { via: "telegram", userId: "7" });
    assert.deepEqual([first.ok && first.won, second.ok && second.won], [true, false]);
    assert.deepEqual(
      records.map((r) => r.action),
      ["created", "outcome"],
    );
  });

  test("a malformed outcome in the store reads as denied, never as approved or pending", async () => {
    const [s1] = sqliteStores(1) as [StateStore];
    const a = brokerOn(s1, "host-a:1:junk");
    const e = await a.create(INPUT, 60_000);
    await s1.claim(`esc:${e.id}:outcome`, "{not json", 60_000);
    assert.equal((await a.get(e.id))?.outcome?.state, "denied");
    assert.equal((await a.wait(e.id)).state, "denied");
  });
});

describe("button data", () => {
  test("parse: only our prefix, a decision letter and a 16-char id", () => {
    assert.deepEqual(parseButtonData("oc1:a:AAAAAAAAAAAAAAAA"), { ok: true, decision: "approve", id: "AAAAAAAAAAAAAAAA" });
    assert.deepEqual(parseButtonData("oc1:d:abcdefghijklmn_-"), { ok: true, decision: "deny", id: "abcdefghijklmn_-" });
    for (const bad of ["", "oc1:a:", "oc1:x:AAAAAAAAAAAAAAAA", "oc2:a:AAAAAAAAAAAAAAAA", "oc1:a:AAAAAAAAAAAAAAA", "oc1:a:AAAAAAAAAAAAAAAAA", "oc1:a:AAAAAAAA/AAAAAAA", "oc1:a:AAAAAAAAAAAAAAAA:x", `oc1:a:${"A".repeat(70)}`, "x".repeat(5000)]) {
      assert.deepEqual(parseButtonData(bad), { ok: false }, bad);
    }
    assert.deepEqual(parseButtonData(undefined), { ok: false });
  });
});

describe("supervisor clicks", () => {
  const cfg = config({
    admin: { telegram: { token: "${T}", chatId: "-1001", operators: ["7", "42"] }, discord: { token: "${D}", guildId: "100000000000000001", channelId: "200000000000000001", operators: ["300000000000000001"] } },
  });
  function setup() {
    const [s1] = sqliteStores(1) as [StateStore];
    const records: AuditEntry[] = [];
    const broker = brokerOn(s1, "host-a:1:click", records);
    const handler = createClickHandler({ broker, chats: [{ platform: "telegram", chatId: "-1001", supervisors: ["7", "42"] }, { platform: "discord", guildId: "100000000000000001", channelId: "200000000000000001", supervisors: ["300000000000000001"] }], record: async (e) => void records.push(e), log: quietLog });
    return { broker, handler, records };
  }
  const tg = (data: string, senderId = "7", chatId = "-1001"): ApprovalClick => ({ platform: "telegram", chatId, senderId, senderIsBot: false, data, messageId: "5" });

  test("a supervisor approves; a second click changes nothing and says so", async () => {
    const { broker, handler, records } = setup();
    const e = await broker.create(INPUT, 60_000);
    const w = broker.wait(e.id);
    assert.equal((await handler(tg(`oc1:a:${e.id}`))).text.startsWith("APPROVED by telegram:7 at "), true);
    const again = await handler(tg(`oc1:d:${e.id}`));
    assert.equal(again.text.startsWith("Already decided: APPROVED by telegram:7"), true);
    assert.equal((await w).state, "approved");
    assert.deepEqual(
      records.filter((r) => r.action === "decision-attempt").map((r) => [r.accepted, r.why]),
      [
        [true, "decided"],
        [false, "already approved"],
      ],
    );
  });

  test("refused: non-supervisor, bot, other chat, forged data, unknown id, the requester approving their own call", async () => {
    const { broker, handler } = setup();
    const e = await broker.create(INPUT, 60_000);
    assert.equal((await handler(tg(`oc1:a:${e.id}`, "99"))).text, "You are not one of the configured supervisors; nothing was decided.");
    assert.equal((await handler({ ...tg(`oc1:a:${e.id}`), senderIsBot: true })).text, "You are not one of the configured supervisors; nothing was decided.");
    assert.equal((await handler(tg(`oc1:a:${e.id}`, "7", "-1002"))).text, "Approvals are not decided in this chat; nothing was decided.");
    assert.equal((await handler(tg(`oc1:a:${e.id}x`))).text, "This button is not valid; nothing was decided.");
    assert.equal((await handler(tg("oc1:a:AAAAAAAAAAAAAAAA"))).text, "This escalation is unknown or too old; nothing was decided.");
    // Requester 42 on telegram is also a supervisor: may deny, never approve, their own call.
    assert.equal((await handler(tg(`oc1:a:${e.id}`, "42"))).text, "You asked for this call, so another supervisor must approve it; nothing was decided.");
    assert.equal((await broker.get(e.id))?.outcome, undefined);
    // Discord: a click in the card's thread (parent = the supervisors' channel) from a supervisor decides.
    const d = await handler({ platform: "discord", chatId: "400000000000000001", parentChatId: "200000000000000001", guildId: "100000000000000001", senderId: "300000000000000001", senderIsBot: false, data: `oc1:d:${e.id}` });
    assert.equal(d.text.startsWith("DENIED by discord:300000000000000001 at "), true);
  });

  test("a click after expiry expires it and is answered as too late", async () => {
    const { broker } = setup();
    let t = Date.parse("2026-11-25T12:00:00Z");
    const [s1] = sqliteStores(1) as [StateStore];
    const b = createBroker({ store: s1, instanceId: "host-a:1:late", record: async () => undefined, log: quietLog, now: () => t });
    brokers.push(b);
    const h = createClickHandler({ broker: b, chats: [{ platform: "telegram", chatId: "-1001", supervisors: ["7"] }], record: async () => undefined, log: quietLog, now: () => t });
    const e = await b.create(INPUT, 60_000);
    t += 61_000;
    assert.equal((await h(tg(`oc1:a:${e.id}`))).text, "Too late: EXPIRED at 2026-11-25T12:01:01.000Z (no decision before the approval timeout): the call is blocked.");
    void broker;
  });

  test("the card shows channel, requester, tool, redacted arguments, why, model verdict and expiry; buttons fit Telegram's 64 bytes", async () => {
    const { broker } = setup();
    const e = await broker.create({ ...INPUT, goal: "push my branch", supervisor: { verdict: "ask-human", risk: "high", rationale: "Force push rewrites history.", model: "local", ok: true } }, 60_000);
    const card = approvalCard(e, { chatId: "-1001" });
    const lines = card.text.split("\n");
    assert.deepEqual(lines.slice(0, 9), [
      "otheru-coordinator: approve exec?",
      "Tool: exec",
      "Channel: agent:main:telegram:group:-100123 (group)",
      "Requester: telegram:42",
      "Agent: main",
      "Why: exec is a high-stakes tool in a critical channel. [critical.high-stakes]",
      "User's goal: push my branch",
      "Supervisor model: ask-human (risk high) - Force push rewrites history.",
      'Arguments (redacted): {"command":"git push --force"}',
    ]);
    assert.equal(Buffer.byteLength(card.approveData) <= 64 && Buffer.byteLength(card.denyData) <= 64, true);
    assert.deepEqual(card.target, { chatId: "-1001" });
  });

  test("supervisor chats and routes come from config", () => {
    assert.deepEqual(routeFor(cfg, { chatType: "group", channel: "telegram", conversation: "telegram:group:-100123" }, true), { route: "coordinator", approveSuffices: false, allowAlways: false });
    const plain = config({});
    assert.deepEqual(routeFor(plain, { chatType: "group", channel: "telegram" }, false), { route: "openclaw", approveSuffices: false, allowAlways: false });
    const mixed = config({ approvals: { route: "openclaw", channels: [{ channels: ["telegram"], route: "coordinator" }, { channels: ["telegram:group:-100123"], route: "openclaw", modelApproveSuffices: true, allowAlways: true }] } });
    assert.deepEqual(routeFor(mixed, { chatType: "group", channel: "telegram", conversation: "telegram:group:-100123" }, false), { route: "openclaw", approveSuffices: true, allowAlways: true });
    assert.deepEqual(routeFor(mixed, { chatType: "group", channel: "telegram", conversation: "telegram:group:-5" }, false), { route: "coordinator", approveSuffices: false, allowAlways: false });
    assert.deepEqual(routeFor(mixed, { chatType: "group", channel: "discord" }, false), { route: "openclaw", approveSuffices: false, allowAlways: false });
  });
});

describe("the escalation flow", () => {
  const opinion = (verdict: SupervisorOpinion["verdict"], ok = true): SupervisorOpinion => ({ verdict, risk: "medium", rationale: "r", model: "local", ok });
  test("settle: model deny denies; approve only where it suffices; anything else goes to humans, or denies without them", () => {
    assert.equal(settle(opinion("deny"), true, true), "deny");
    assert.equal(settle(opinion("approve"), true, true), "approve");
    assert.equal(settle(opinion("approve"), false, true), "ask-humans");
    assert.equal(settle(opinion("approve"), false, false), "deny");
    assert.equal(settle(opinion("approve", false), true, true), "ask-humans");
    assert.equal(settle(opinion("ask-human"), true, false), "deny");
    assert.equal(settle(undefined, true, true), "ask-humans");
    assert.equal(settle(undefined, true, false), "deny");
  });

  const cfg = config({ approvals: { timeoutMs: 5_000 } });
  const decision = { kind: "escalate" as const, ruleIds: ["critical.high-stakes"], reason: "exec is high-stakes here." };
  const context = { chatType: "group" as const, channel: "telegram", sessionKey: "agent:main:telegram:group:-1", senderId: "42", senderIsOwner: false };

  test("humans approve: the call is allowed; an engaged stop still wins over an approval", async () => {
    const [s1] = sqliteStores(1) as [StateStore];
    const broker = brokerOn(s1, "host-a:1:flow");
    let stopped = false;
    const deps = { broker, config: cfg, hasHumans: true, record: async () => undefined, stopEngaged: async () => stopped, log: quietLog };
    const approveSoon = async () => {
      for (let i = 0; i < 100; i++) {
        const [p] = await broker.listPending();
        if (p) return broker.decide(p.id, "approved", { via: "telegram", userId: "7" });
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error("no escalation appeared");
    };
    const [r] = await Promise.all([runEscalation(deps, { tool: "exec", argsSummary: "{}", decision, context }, false), approveSoon()]);
    assert.equal(r.allow, true);
    stopped = true;
    const [r2] = await Promise.all([runEscalation(deps, { tool: "exec", argsSummary: "{}", decision, context }, false), approveSoon()]);
    assert.deepEqual(r2.allow ? "allowed" : r2.decision.ruleIds, ["killswitch.engaged"]);
  });

  test("model deny blocks at once with the model's rationale; model approve suffices only where configured; no humans and no model: denied", async () => {
    const [s1] = sqliteStores(1) as [StateStore];
    const broker = brokerOn(s1, "host-a:1:model");
    const base = { broker, config: cfg, record: async () => undefined, stopEngaged: async () => false, log: quietLog };
    const deny = await runEscalation({ ...base, hasHumans: true, review: async () => ({ ...opinion("deny"), rationale: "Sends the SSH key to a stranger." }) }, { tool: "exec", argsSummary: "{}", decision, context }, false);
    assert.deepEqual(deny.allow ? "allowed" : [deny.decision.ruleIds, deny.decision.reason], [["critical.high-stakes", "escalation.denied"], "Denied by the supervisor model: Sends the SSH key to a stranger. (escalated because: exec is high-stakes here.)"]);
    const approve = await runEscalation({ ...base, hasHumans: false, review: async () => opinion("approve") }, { tool: "exec", argsSummary: "{}", decision, context }, true);
    assert.equal(approve.allow, true);
    const alone = await runEscalation({ ...base, hasHumans: false }, { tool: "exec", argsSummary: "{}", decision, context }, false);
    assert.deepEqual(alone.allow ? "allowed" : [alone.decision.ruleIds, alone.decision.reason], [["critical.high-stakes", "escalation.denied"], "Denied by the coordinator: no human supervisor is configured and the model did not settle it (escalated because: exec is high-stakes here.)"]);
    const broken = await runEscalation({ ...base, hasHumans: false, review: async () => Promise.reject(new Error("boom")) }, { tool: "exec", argsSummary: "{}", decision, context }, true);
    assert.equal(broken.allow, false);
  });

  test("the store is down: the escalation cannot be recorded and the call is blocked", async () => {
    const [s1] = sqliteStores(1) as [StateStore];
    const broker = brokerOn(s1, "host-a:1:down");
    await s1.close();
    const r = await runEscalation({ broker, config: cfg, hasHumans: true, record: async () => undefined, stopEngaged: async () => false, log: quietLog }, { tool: "exec", argsSummary: "{}", decision, context }, false);
    assert.deepEqual(r.allow ? "allowed" : r.decision.ruleIds, ["critical.high-stakes", "escalation.unavailable"]);
  });
});

describe("broker on a real redis-server shared by two instances", () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });

  test("two instances race two clicks: exactly one decision wins and both waiters see it", async () => {
    const settings = { kind: "redis" as const, url: redis.url, timeoutMs: 1000, namespace: "race" };
    const s1 = openStateStore(settings);
    const s2 = openStateStore(settings);
    stores.push(s1, s2);
    const chats = [{ platform: "telegram" as const, chatId: "-1001", supervisors: ["7", "8"] }];
    const a = brokerOn(s1, "host-a:1:ra");
    const b = brokerOn(s2, "host-b:2:rb");
    const ha = createClickHandler({ broker: a, chats, record: async () => undefined, log: quietLog });
    const hb = createClickHandler({ broker: b, chats, record: async () => undefined, log: quietLog });
    for (let round = 0; round < 20; round++) {
      const e = await a.create(INPUT, 60_000);
      const w = a.wait(e.id);
      const [ra, rb] = await Promise.all([
        ha({ platform: "telegram", chatId: "-1001", senderId: "7", senderIsBot: false, data: `oc1:a:${e.id}` }),
        hb({ platform: "telegram", chatId: "-1001", senderId: "8", senderIsBot: false, data: `oc1:d:${e.id}` }),
      ]);
      const winners = [ra.text, rb.text].filter((t) => !t.startsWith("Already decided"));
      assert.equal(winners.length, 1, `round ${round}: ${ra.text} | ${rb.text}`);
      const outcome = await w;
      assert.equal(winners[0]?.startsWith(outcome.state === "approved" ? "APPROVED by telegram:7" : "DENIED by telegram:8"), true);
    }
    assert.deepEqual(await b.listPending(), []);
  });
});
