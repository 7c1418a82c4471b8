// Escalations through the supervisor bots, end to end below the gateway: two coordinator runtimes share a real
// redis-server; instance A runs the Telegram bot (real grammy vs the fake Bot API), instance B the Discord bot
// (real discord.js vs the fake REST API and gateway). A call waiting in A gets a card on both platforms; a Telegram
// approve and a Discord deny race: exactly one wins, the waiter sees it, both cards show it. A failed post is retried.
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { after, before, test } from "node:test";
import { createDiscordAdminBot } from "../../src/adapters/discord/admin-bot.ts";
import { createTelegramAdminBot } from "../../src/adapters/telegram/admin-bot.ts";
import { type CoordinatorRuntime, createCoordinatorRuntime } from "../../src/admin/runtime.ts";
import { type Broker, createBroker, type EscalationInput } from "../../src/approvals/broker.ts";
import { createPendingEscalations } from "../../src/approvals/pending.ts";
import type { AuditEntry } from "../../src/audit/record.ts";
import { loadConfig } from "../../src/config/load.ts";
import { openStateStore, type StateStore } from "../../src/state/store.ts";
import { type FakeDiscord, startFakeDiscord } from "../fakes/discord-api.ts";
import { type FakeTelegramApi, startFakeTelegramApi } from "../fakes/telegram-api.ts";
import { startRedis, type RedisServer } from "../redis-server.ts";
import { escalationInput } from "../helpers.ts";

const TG_TOKEN = "123456:TEST-supervisor-bots-not-real";
const DC_TOKEN = "ZmFrZQ.fake.supervisor-token-not-real";
const TG_CHAT = -1009000000001;
const TG_SUPERVISOR = 4242;
const TG_REQUESTER = 4343;
const GUILD = "300000000000000001";
const DC_CHANNEL = "300000000000000010";
const DC_SUPERVISOR = "500000000000000001";
const quiet = { info: () => undefined, warn: (m: string) => process.env.DEBUG_BOTS && console.error(m), error: (m: string) => process.env.DEBUG_BOTS && console.error(m) };

let redis: RedisServer;
let tg: FakeTelegramApi;
let dc: FakeDiscord;
const stores: StateStore[] = [];
const runtimes: CoordinatorRuntime[] = [];
const brokers: Broker[] = [];
const records: Array<AuditEntry & { by_instance: string }> = [];

function config(raw: unknown) {
  const r = loadConfig(raw, { env: { TG: TG_TOKEN, DC: DC_TOKEN }, baseDir: tmpdir() });
  if (!r.ok) throw new Error(r.problems.join("\n"));
  return r.value.config;
}

function instance(id: string, platform: "telegram" | "discord"): { broker: Broker; runtime: CoordinatorRuntime } {
  const store = openStateStore({ kind: "redis", url: redis.url, timeoutMs: 1000, namespace: "bots" });
  stores.push(store);
  const cfg = config(
    platform === "telegram"
      ? { admin: { telegram: { token: "${TG}", chatId: String(TG_CHAT), operators: [String(TG_SUPERVISOR), String(TG_REQUESTER)], apiRoot: tg.apiRoot } } }
      : { admin: { discord: { token: "${DC}", guildId: GUILD, channelId: DC_CHANNEL, operators: [DC_SUPERVISOR], apiRoot: dc.apiRoot } } },
  );
  const record = async (e: AuditEntry) => void records.push({ ...e, by_instance: id });
  const broker = createBroker({ store, instanceId: id, record, log: quiet, pollMs: 25 });
  brokers.push(broker);
  const runtime = createCoordinatorRuntime({
    config: cfg,
    policyHash: "ab".repeat(32),
    store,
    instanceId: id,
    log: quiet,
    pending: createPendingEscalations(),
    audit: { status: () => ({ ok: true, dir: tmpdir(), records: 0, lastHash: "" }), event: async (e) => record(e) },
    broker,
    approvalPollMs: 50,
    createBots: (handler, onApprovalClick) =>
      platform === "telegram"
        ? [createTelegramAdminBot({ token: TG_TOKEN, chatId: String(TG_CHAT), handler, log: quiet, apiRoot: tg.apiRoot, pollTimeoutSeconds: 1, retryDelaysMs: [50], onApprovalClick })]
        : [createDiscordAdminBot({ token: DC_TOKEN, guildId: GUILD, channelId: DC_CHANNEL, handler, log: quiet, apiRoot: dc.apiRoot, retryDelaysMs: [50], onApprovalClick })],
  });
  runtimes.push(runtime);
  return { broker, runtime };
}

const INPUT: EscalationInput = escalationInput(String(TG_REQUESTER));

let a: { broker: Broker; runtime: CoordinatorRuntime };
let b: { broker: Broker; runtime: CoordinatorRuntime };

before(async () => {
  redis = await startRedis();
  tg = await startFakeTelegramApi({ token: TG_TOKEN, chats: [{ id: TG_CHAT, type: "supergroup", title: "supervisors" }] });
  dc = await startFakeDiscord({ token: DC_TOKEN, heartbeatIntervalMs: 1_000, guilds: [{ id: GUILD, name: "ops", channels: [{ id: DC_CHANNEL, name: "supervisors" }] }] });
  a = instance("host-a:1:tg", "telegram");
  b = instance("host-b:2:dc", "discord");
  await a.runtime.start();
  await b.runtime.start();
});

after(async () => {
  for (const r of runtimes) await r.stop();
  for (const x of brokers) x.close();
  for (const s of stores) await s.close();
  await tg?.close();
  await dc?.close();
  await redis?.stop();
});

const isCard = (text: string) => text.startsWith("otheru-coordinator: approve exec?");

/** Both platforms' cards for one escalation id. */
async function cards(id: string): Promise<{ tgMessageId: number; dcMessageId: string; dcThreadId: string }> {
  await tg.waitFor(() => tg.sent.some((m) => isCard(m.text) && m.text.includes(`Id: ${id}`)), 20_000, "the Telegram card");
  await dc.waitFor(() => dc.sent.some((m) => m.content.includes(`Id: ${id}`)), 20_000, "the Discord card");
  const t = tg.sent.find((m) => isCard(m.text) && m.text.includes(`Id: ${id}`));
  const d = dc.sent.find((m) => m.content.includes(`Id: ${id}`));
  assert.ok(t && d);
  const thread = dc.threads.find((x) => x.starterMessageId === d.id);
  return { tgMessageId: t.messageId, dcMessageId: d.id, dcThreadId: thread?.id ?? DC_CHANNEL };
}

test("a Telegram approve and a Discord deny race across two instances: exactly one wins, both cards show it", { timeout: 120_000 }, async () => {
  for (let round = 0; round < 3; round++) {
    const e = await a.broker.create(INPUT, 60_000);
    const waiting = a.broker.wait(e.id);
    const c = await cards(e.id);
    const tgAnswers = tg.callbackAnswers.length;
    const dcAnswers = dc.interactionResponses.length;
    tg.pushCallback({ fromId: TG_SUPERVISOR, chatId: TG_CHAT, messageId: c.tgMessageId, data: `oc1:a:${e.id}` });
    dc.pressButton({ channelId: c.dcThreadId, userId: DC_SUPERVISOR, messageId: c.dcMessageId, customId: `oc1:d:${e.id}` });
    const outcome = await waiting;
    await tg.waitFor(() => tg.callbackAnswers.length > tgAnswers, 20_000, "the Telegram answer");
    await dc.waitFor(() => dc.interactionResponses.slice(dcAnswers).some((r) => typeof r.content === "string"), 20_000, "the Discord answer");
    const tgText = String(tg.callbackAnswers[tgAnswers]?.text);
    const dcText = String(dc.interactionResponses.slice(dcAnswers).find((r) => typeof r.content === "string")?.content);
    const winners = [tgText, dcText].filter((t) => !t.startsWith("Already decided"));
    assert.equal(winners.length, 1, `round ${round}: telegram "${tgText}" discord "${dcText}"`);
    if (outcome.state === "approved") assert.match(tgText, /^APPROVED by telegram:4242 at /);
    else {
      assert.equal(outcome.state, "denied");
      assert.match(dcText, new RegExp(`^DENIED by discord:${DC_SUPERVISOR} at `));
    }
    const want = outcome.state === "approved" ? "Outcome: APPROVED by telegram:4242" : `Outcome: DENIED by discord:${DC_SUPERVISOR}`;
    await tg.waitFor(() => (tg.message(String(TG_CHAT), c.tgMessageId)?.text ?? "").includes(want), 20_000, "the Telegram card's outcome");
    await dc.waitFor(() => (dc.message(c.dcMessageId)?.content ?? "").includes(want), 20_000, "the Discord card's outcome");
    assert.deepEqual(dc.message(c.dcMessageId)?.components ?? [], []);
  }
  const outcomes = records.filter((r) => r.action === "outcome");
  assert.equal(outcomes.length, 3, "one outcome per escalation, written by whichever instance won");
});

test("the requester cannot approve their own call; a post that fails is posted again", { timeout: 120_000 }, async () => {
  // The next sendMessage fails with a 500: the card is not lost, the next round posts it.
  tg.failNext(1, { kind: "http-500" }, ["sendMessage"]);
  const e = await a.broker.create(INPUT, 60_000);
  const waiting = a.broker.wait(e.id);
  const c = await cards(e.id);
  const before = tg.callbackAnswers.length;
  tg.pushCallback({ fromId: TG_REQUESTER, chatId: TG_CHAT, messageId: c.tgMessageId, data: `oc1:a:${e.id}` });
  await tg.waitFor(() => tg.callbackAnswers.length > before, 20_000, "the answer to the requester");
  assert.equal(tg.callbackAnswers[before]?.text, "You asked for this call, so another supervisor must approve it; nothing was decided.");
  assert.equal((await a.broker.get(e.id))?.outcome, undefined);
  tg.pushCallback({ fromId: TG_SUPERVISOR, chatId: TG_CHAT, messageId: c.tgMessageId, data: `oc1:a:${e.id}` });
  assert.equal((await waiting).state, "approved");
});
