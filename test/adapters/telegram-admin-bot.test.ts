import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { createTelegramAdminBot, scrubToken, toAdminMessage, truncateForTelegram } from "../../src/adapters/telegram/admin-bot.ts";
import type { AdminBot, AdminHandler, AdminLog, AdminMessage } from "../../src/admin/types.ts";
import { type FakeTelegramApi, startFakeTelegramApi } from "../fakes/telegram-api.ts";

const TOKEN = "123456:TEST-token-not-real";
const WRONG_TOKEN = "999999:WRONG-token-not-real";
const ADMIN_CHAT = -100500;
const OPERATOR = 42;
const WAIT_MS = 5_000;
/** A regression that hangs fails the test instead of the run. */
const BOUNDED = { timeout: 15_000 };

const unhandled: unknown[] = [];
process.on("unhandledRejection", (reason) => unhandled.push(reason));

type Harness = { fake: FakeTelegramApi; bot: AdminBot; seen: AdminMessage[]; lines: string[] };

function captureLog(lines: string[]): AdminLog {
  return {
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}

/** A fake Bot API with the admin chat, and an admin bot on it; both closed after the test, whose log must hold no token. */
async function setup(
  t: TestContext,
  opts: { handler?: AdminHandler; token?: string; chatId?: string; retryDelaysMs?: readonly number[]; extraBots?: number } = {},
): Promise<Harness> {
  const fake = await startFakeTelegramApi({ token: TOKEN, chats: [{ id: ADMIN_CHAT, type: "supergroup", title: "ops" }] });
  const seen: AdminMessage[] = [];
  const lines: string[] = [];
  const handler: AdminHandler =
    opts.handler ??
    (async (m) => {
      seen.push(m);
      return { text: `ok ${m.text}` };
    });
  const bot = createTelegramAdminBot({
    token: opts.token ?? TOKEN,
    chatId: opts.chatId ?? String(ADMIN_CHAT),
    handler,
    log: captureLog(lines),
    apiRoot: fake.apiRoot,
    pollTimeoutSeconds: 1,
    retryDelaysMs: opts.retryDelaysMs ?? [10, 20, 40],
  });
  t.after(async () => {
    await bot.stop();
    await fake.close();
    for (const line of lines) {
      assert.ok(!line.includes(TOKEN) && !line.includes(WRONG_TOKEN) && !line.includes("TEST-token"), `token in log line: ${line}`);
    }
    assert.deepEqual(unhandled, []);
  });
  return { fake, bot, seen, lines };
}

test("a text from the admin chat reaches the handler as an AdminMessage; the reply goes to that chat as a plain-text reply", BOUNDED, async (t) => {
  const { fake, bot, seen } = await setup(t);
  await bot.start();
  assert.equal(bot.status().connected, true);
  assert.equal(bot.status().error, undefined);

  fake.pushText({ chatId: ADMIN_CHAT, fromId: OPERATOR, text: "/stop@fake_admin_bot deploy went wrong", date: 1_760_000_000 });
  await fake.waitFor(() => fake.sent.length === 1, WAIT_MS, "the reply");
  assert.deepEqual(seen, [
    {
      platform: "telegram",
      chatId: "-100500",
      senderId: "42",
      senderIsBot: false,
      relayed: false,
      text: "/stop@fake_admin_bot deploy went wrong",
      messageId: "1",
      sentAtMs: 1_760_000_000_000,
    },
  ]);
  const reply = fake.sent[0];
  assert.equal(reply?.chatId, "-100500");
  assert.equal(reply?.text, "ok /stop@fake_admin_bot deploy went wrong");
  assert.equal(reply?.replyToMessageId, 1);
  assert.equal(reply?.parseMode, undefined);

  // Bots are passed on, flagged, so src/admin can refuse them.
  fake.pushText({ chatId: ADMIN_CHAT, fromId: 777, text: "/resume", isBot: true, date: 1_760_000_001 });
  await fake.waitFor(() => seen.length === 2, WAIT_MS, "the bot's message");
  assert.equal(seen[1]?.senderIsBot, true);
  assert.equal(seen[1]?.senderId, "777");

  const methods = fake.requests.map((r) => r.method);
  assert.deepEqual(methods.slice(0, 3), ["getMe", "getChat", "deleteWebhook"]);
  const poll = fake.requests.find((r) => r.method === "getUpdates");
  assert.deepEqual(poll?.params.allowed_updates, ["message", "callback_query"]);
  assert.equal(poll?.params.timeout, 1);
  assert.ok((bot.status().lastSeenMs ?? 0) > 0);
});

test("edited messages, channel posts, callbacks and messages without text never reach the admin handler", BOUNDED, async (t) => {
  const { fake, bot, seen } = await setup(t);
  await bot.start();
  const chat = { id: ADMIN_CHAT, type: "supergroup", title: "ops" };
  const from = { id: OPERATOR, is_bot: false, first_name: "op" };
  fake.pushUpdate({ edited_message: { message_id: 90, date: 1_760_000_000, edit_date: 1_760_000_005, chat, from, text: "/stop" } });
  fake.pushUpdate({ channel_post: { message_id: 91, date: 1_760_000_000, chat: { id: -100600, type: "channel", title: "news" }, text: "/stop" } });
  fake.pushUpdate({ callback_query: { id: "cb1", from, chat_instance: "ci", data: "approve:1" } });
  fake.pushUpdate({ message: { message_id: 92, date: 1_760_000_000, chat, from, photo: [{ file_id: "f", file_unique_id: "u", width: 1, height: 1 }], caption: "/stop" } });
  fake.pushUpdate({ message: { message_id: 93, date: 1_760_000_000, chat, sender_chat: chat, text: "/stop" } });
  fake.pushText({ chatId: ADMIN_CHAT, fromId: OPERATOR, text: "/health" });
  await fake.waitFor(() => fake.sent.length === 1, WAIT_MS, "the /health reply");
  assert.deepEqual(
    seen.map((m) => m.text),
    ["/health"],
  );
  assert.deepEqual(fake.unknownMethods, []);
});

test("a throwing handler is logged and the loop keeps handling updates", BOUNDED, async (t) => {
  const { fake, bot, lines } = await setup(t, {
    handler: async (m) => {
      if (m.text === "/boom") throw new Error("admin core exploded");
      return { text: "still here" };
    },
  });
  await bot.start();
  fake.pushText({ chatId: ADMIN_CHAT, fromId: OPERATOR, text: "/boom" });
  fake.pushText({ chatId: ADMIN_CHAT, fromId: OPERATOR, text: "/status" });
  await fake.waitFor(() => fake.sent.length === 1, WAIT_MS, "the /status reply");
  assert.equal(fake.sent[0]?.text, "still here");
  assert.equal(fake.sent[0]?.replyToMessageId, 2);
  assert.deepEqual(
    lines.filter((l) => l.startsWith("error")),
    ["error telegram admin bot: the admin handler failed on message 1 in chat -100500: admin core exploded"],
  );
});

test("a slow handler does not hold up the next update", BOUNDED, async (t) => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const { fake, bot } = await setup(t, {
    handler: async (m) => {
      if (m.text === "/audit verify") await gate;
      return { text: `done ${m.text}` };
    },
  });
  await bot.start();
  fake.pushText({ chatId: ADMIN_CHAT, fromId: OPERATOR, text: "/audit verify" });
  fake.pushText({ chatId: ADMIN_CHAT, fromId: OPERATOR, text: "/status" });
  await fake.waitFor(() => fake.sent.length === 1, WAIT_MS, "the /status reply while /audit verify is still running");
  assert.equal(fake.sent[0]?.text, "done /status");
  release();
  await fake.waitFor(() => fake.sent.length === 2, WAIT_MS, "the /audit verify reply");
  assert.equal(fake.sent[1]?.text, "done /audit verify");
});

test("at most 8 updates are handled at once; the rest wait for a free slot", BOUNDED, async (t) => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let running = 0;
  let peak = 0;
  const { fake, bot } = await setup(t, {
    handler: async (m) => {
      running += 1;
      peak = Math.max(peak, running);
      await gate;
      running -= 1;
      return { text: `done ${m.text}` };
    },
  });
  await bot.start();
  for (let i = 1; i <= 10; i++) fake.pushText({ chatId: ADMIN_CHAT, fromId: OPERATOR, text: `/status ${i}` });
  await fake.waitFor(() => running === 8, WAIT_MS, "eight handlers running");
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(running, 8);
  release();
  await fake.waitFor(() => fake.sent.length === 10, WAIT_MS, "all ten replies");
  assert.equal(peak, 8);
});

test("replies longer than Telegram's 4096 characters are truncated, and an undefined reply sends nothing", BOUNDED, async (t) => {
  const { fake, bot } = await setup(t, {
    handler: async (m) => (m.text === "/pending" ? { text: "x".repeat(5000) } : undefined),
  });
  await bot.start();
  fake.pushText({ chatId: ADMIN_CHAT, fromId: 5, text: "/stop" });
  fake.pushText({ chatId: ADMIN_CHAT, fromId: OPERATOR, text: "/pending" });
  await fake.waitFor(() => fake.sent.length === 1, WAIT_MS, "the /pending reply");
  assert.equal(fake.sent[0]?.text.length, 4096);
  assert.equal(fake.sent[0]?.text, `${"x".repeat(4095)}…`);
  assert.equal(fake.sent[0]?.replyToMessageId, 2);
});

test("a rejected token is a status error naming 401, never the token, and start() still resolves", BOUNDED, async (t) => {
  const { fake, bot, lines } = await setup(t, { token: WRONG_TOKEN });
  await bot.start();
  const expected = "telegram admin bot: the token was rejected (401 Unauthorized); check ADMIN_TELEGRAM_TOKEN (the admin bot's token from @BotFather)";
  assert.deepEqual(bot.status(), { platform: "telegram", connected: false, error: expected, lastSeenMs: undefined });
  assert.deepEqual(lines, [`error ${expected}`]);
  assert.deepEqual(
    fake.requests.map((r) => [r.method, r.rejected]),
    [["getMe", true]],
  );
  await assert.rejects(bot.post("hello"), (err: Error) => {
    assert.equal(err.message, "telegram admin bot: could not post to the admin chat -100500: Call to 'sendMessage' failed! (401: Unauthorized)");
    return true;
  });
});

test("an unknown admin chat is a status error that says what to fix", BOUNDED, async (t) => {
  const { fake, bot } = await setup(t, { chatId: "-100999" });
  await bot.start();
  assert.equal(bot.status().connected, false);
  assert.equal(
    bot.status().error,
    "telegram admin bot: the admin chat -100999 is not accessible (400 Bad Request: chat not found); check admin.telegram.chatId, and send /start to the bot from that chat or add the bot to the group",
  );
  assert.equal(fake.requests.filter((r) => r.method === "getUpdates").length, 0);
});

test("network errors and 5xx: the bot reports it is down, reconnects by itself, handles later updates and logs each change once", BOUNDED, async (t) => {
  const { fake, bot, seen, lines } = await setup(t, { retryDelaysMs: [60, 120] });
  await bot.start();
  fake.failNext(3, { kind: "drop" }, ["getUpdates"]);
  fake.failNext(2, { kind: "http-502" }, ["getUpdates"]);
  // Answering the held poll makes the next getUpdates meet the faults.
  fake.pushText({ chatId: ADMIN_CHAT, fromId: OPERATOR, text: "/status" });
  await fake.waitFor(() => !bot.status().connected, WAIT_MS, "the bot to report the outage");
  assert.match(bot.status().error ?? "", /^telegram admin bot: cannot reach the Bot API \(Network request for 'getUpdates' failed!/);
  await fake.waitFor(() => fake.requests.filter((r) => r.fault !== undefined).length === 5, WAIT_MS, "all five faults");
  await fake.waitFor(() => bot.status().connected, WAIT_MS, "the bot to reconnect");
  assert.equal(bot.status().error, undefined);

  fake.pushText({ chatId: ADMIN_CHAT, fromId: OPERATOR, text: "/health" });
  await fake.waitFor(() => fake.sent.length === 2, WAIT_MS, "the /health reply after the outage");
  assert.deepEqual(
    seen.map((m) => m.text),
    ["/status", "/health"],
  );
  assert.deepEqual(
    lines.filter((l) => !l.startsWith("info telegram admin bot: connected as")),
    [
      "warn telegram admin bot: cannot reach the Bot API (Network request for 'getUpdates' failed! ECONNRESET); retrying",
      "warn telegram admin bot: the Bot API failed (502 Bad Gateway); retrying",
      "info telegram admin bot: reconnected",
    ],
  );
});

test("a 429 retry_after is honoured before polling again", BOUNDED, async (t) => {
  const { fake, bot, lines } = await setup(t, { retryDelaysMs: [10] });
  await bot.start();
  fake.failNext(1, { kind: "rate-limit", retryAfterSeconds: 1 }, ["getUpdates"]);
  fake.pushText({ chatId: ADMIN_CHAT, fromId: OPERATOR, text: "/status" });
  await fake.waitFor(() => fake.requests.some((r) => r.fault === "rate-limit"), WAIT_MS, "the 429");
  const limited = fake.requests.find((r) => r.fault === "rate-limit");
  await fake.waitFor(() => fake.requests.some((r) => r.method === "getUpdates" && r.atMs > (limited?.atMs ?? 0)), WAIT_MS, "the next poll");
  const next = fake.requests.find((r) => r.method === "getUpdates" && r.atMs > (limited?.atMs ?? 0));
  const gap = (next?.atMs ?? 0) - (limited?.atMs ?? 0);
  assert.ok(gap >= 950 && gap < 3000, `next poll ${gap} ms after the 429`);
  await fake.waitFor(() => bot.status().connected, WAIT_MS, "the bot to be connected again");
  assert.ok(lines.includes("warn telegram admin bot: rate limited by the Bot API (429 Too Many Requests: retry after 1); waiting as told"));
});

test("post() sends to the admin chat, and rejects with a scrubbed error when the Bot API fails", BOUNDED, async (t) => {
  const { fake, bot } = await setup(t);
  await bot.post("checkpoint 7 sealed");
  assert.deepEqual(
    fake.sent.map((s) => [s.chatId, s.text, s.replyToMessageId, s.parseMode]),
    [["-100500", "checkpoint 7 sealed", undefined, undefined]],
  );

  fake.failNext(1, { kind: "http-502" }, ["sendMessage"]);
  await assert.rejects(bot.post("alert"), (err: Error) => {
    assert.equal(err.message, "telegram admin bot: could not post to the admin chat -100500: Call to 'sendMessage' failed! (502: Bad Gateway)");
    return true;
  });
  fake.failNext(1, { kind: "drop" }, ["sendMessage"]);
  await assert.rejects(bot.post("alert"), (err: Error) => {
    assert.match(err.message, /^telegram admin bot: could not post to the admin chat -100500: Network request for 'sendMessage' failed!/);
    assert.ok(!err.message.includes(TOKEN) && !(err.stack ?? "").includes(TOKEN));
    return true;
  });
  assert.equal(fake.sent.length, 1);
});

test("stop() is idempotent, safe before start, ends polling, confirms handled updates and closes its connections", BOUNDED, async (t) => {
  const { fake, bot, lines } = await setup(t);
  await bot.start();
  fake.pushText({ chatId: ADMIN_CHAT, fromId: OPERATOR, text: "/status" });
  await fake.waitFor(() => fake.sent.length === 1, WAIT_MS, "the reply");
  await fake.waitFor(() => fake.heldPolls() === 1, WAIT_MS, "the next long poll");

  const started = Date.now();
  await Promise.all([bot.stop(), bot.stop()]);
  await bot.stop();
  assert.ok(Date.now() - started < 1000, "stop() aborts the held poll instead of waiting for it");
  assert.equal(bot.status().connected, false);
  assert.equal(fake.heldPolls(), 0);
  const last = fake.requests.at(-1);
  assert.deepEqual([last?.method, last?.params.offset, last?.params.timeout], ["getUpdates", 1001, 0]);
  const count = fake.requests.length;
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(fake.requests.length, count, "no request after stop()");
  assert.equal(lines.filter((l) => l === "info telegram admin bot: stopped").length, 1);
  // Keep-alive connections would otherwise stay open until the server's keep-alive timeout (5 s).
  await fake.waitFor(() => fake.openConnections() === 0, 1000, "the bot's connections to close");

  const never = createTelegramAdminBot({ token: TOKEN, chatId: String(ADMIN_CHAT), handler: async () => undefined, log: captureLog([]), apiRoot: fake.apiRoot });
  await never.stop();
  await never.stop();
  await never.start();
  assert.equal(never.status().connected, false);
});

test("stop() during a long backoff returns at once", BOUNDED, async (t) => {
  const { fake, bot } = await setup(t, { retryDelaysMs: [60_000] });
  fake.failNext(5, { kind: "drop" }, ["getUpdates"]);
  await bot.start();
  await fake.waitFor(() => bot.status().error !== undefined, WAIT_MS, "the first failed poll");
  const started = Date.now();
  await bot.stop();
  assert.ok(Date.now() - started < 1000, `stop() took ${Date.now() - started} ms`);
});

test("start() records a network failure at startup and keeps trying until the Bot API answers", BOUNDED, async (t) => {
  const { fake, bot, seen } = await setup(t, { retryDelaysMs: [30] });
  fake.failNext(2, { kind: "drop" }, ["getMe"]);
  await bot.start();
  assert.equal(bot.status().connected, false);
  assert.match(bot.status().error ?? "", /^telegram admin bot: cannot reach the Bot API \(Network request for 'getMe' failed!/);
  await fake.waitFor(() => bot.status().connected, WAIT_MS, "the bot to connect");
  fake.pushText({ chatId: ADMIN_CHAT, fromId: OPERATOR, text: "/status" });
  await fake.waitFor(() => seen.length === 1, WAIT_MS, "the update");
});

test("two processes polling one token: the 409 conflict is reported", BOUNDED, async (t) => {
  const first = await setup(t, { retryDelaysMs: [50] });
  await first.bot.start();
  const lines: string[] = [];
  const second = createTelegramAdminBot({
    token: TOKEN,
    chatId: String(ADMIN_CHAT),
    handler: async () => undefined,
    log: captureLog(lines),
    apiRoot: first.fake.apiRoot,
    pollTimeoutSeconds: 1,
    retryDelaysMs: [50],
  });
  t.after(() => second.stop());
  await second.start();
  const conflict = "telegram admin bot: another process is polling this bot token (409 Conflict: terminated by other getUpdates request; make sure that only one bot instance is running); run each admin bot token in one gateway only";
  await first.fake.waitFor(() => first.lines.includes(`warn ${conflict}`) || lines.includes(`warn ${conflict}`), WAIT_MS, "a 409");
  await second.stop();
});

test("an empty token is a status error, not a throw", BOUNDED, async () => {
  const lines: string[] = [];
  const bot = createTelegramAdminBot({ token: "", chatId: "42", handler: async () => undefined, log: captureLog(lines) });
  await bot.start();
  assert.deepEqual(bot.status(), { platform: "telegram", connected: false, error: "telegram admin bot: no token configured; set ADMIN_TELEGRAM_TOKEN" });
  await assert.rejects(bot.post("x"), /no token configured/);
  await bot.stop();
  assert.deepEqual(lines, ["error telegram admin bot: no token configured; set ADMIN_TELEGRAM_TOKEN"]);
});

test("toAdminMessage, truncateForTelegram and scrubToken", BOUNDED, () => {
  const chat = { id: 42, type: "private" as const, first_name: "op" };
  assert.deepEqual(toAdminMessage({ message_id: 7, date: 1_700_000_000, chat, from: { id: 42, is_bot: false, first_name: "op" }, text: "/health" }), {
    platform: "telegram",
    chatId: "42",
    senderId: "42",
    senderIsBot: false,
    relayed: false,
    text: "/health",
    messageId: "7",
    sentAtMs: 1_700_000_000_000,
  });
  assert.equal(toAdminMessage({ message_id: 8, date: 1_700_000_000, chat, text: "/health" } as Parameters<typeof toAdminMessage>[0]), undefined);
  // A forwarded operator message is marked relayed, so src/admin refuses it.
  const forwarded = { message_id: 9, date: 1_700_000_000, chat, from: { id: 42, is_bot: false, first_name: "op" }, text: "/stop", forward_origin: { type: "hidden_user" as const, date: 1_699_999_000, sender_user_name: "someone" } };
  assert.equal(toAdminMessage(forwarded)?.relayed, true);

  assert.equal(truncateForTelegram("short"), "short");
  assert.equal(truncateForTelegram("a".repeat(4096)), "a".repeat(4096));
  // A surrogate pair straddling the cut is dropped whole.
  assert.equal(truncateForTelegram(`${"a".repeat(4094)}😀${"b".repeat(10)}`), `${"a".repeat(4094)}…`);

  const cases: [string, string][] = [
    [`request to http://127.0.0.1:9/bot${TOKEN}/getUpdates failed`, "request to http://127.0.0.1:9/bot<token>/getUpdates failed"],
    [`encoded ${encodeURIComponent(TOKEN)}`, "encoded <token>"],
    ["another bot's 7654321:AAAbcdefghijklmnopqrstuvwxyz0123456 leaked", "another bot's <token> leaked"],
    ["telegram admin bot: the token was rejected", "telegram admin bot: the token was rejected"],
  ];
  for (const [input, expected] of cases) assert.equal(scrubToken(input, TOKEN), expected);
});
