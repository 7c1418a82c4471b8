// Approval cards and button presses on the Telegram supervisor bot: real grammy against the fake Bot API on loopback.
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { CLICK_FAILED, CLICK_INVALID, CLICK_UNHANDLED, createTelegramAdminBot } from "../../src/adapters/telegram/admin-bot.ts";
import type { AdminBot, AdminHandler, AdminLog } from "../../src/admin/types.ts";
import type { ApprovalCard, ApprovalClick, ApprovalClickHandler } from "../../src/approvals/types.ts";
import { type FakeTelegramApi, startFakeTelegramApi } from "../fakes/telegram-api.ts";

const TOKEN = "123456:TEST-token-not-real";
const ADMIN_CHAT = -100500;
const SUPERVISORS = -100700;
const SUPERVISOR = 42;
const WAIT_MS = 5_000;
const BOUNDED = { timeout: 15_000 };

const unhandled: unknown[] = [];
process.on("unhandledRejection", (reason) => unhandled.push(reason));

const CARD: ApprovalCard = {
  id: "AbCdEfGhIjKlMnOp",
  title: "otheru-coordinator: approve exec? (critical channel)",
  text: "channel: telegram (critical)\nrequester: 1001\ntool: exec\narguments: {\"command\":\"rm -rf /srv/app\"}\nwhy: shell.destructive\nmodel: deny (high)\nexpires: 2026-11-25T18:00:00.000Z",
  approveData: "oc1:a:AbCdEfGhIjKlMnOp",
  denyData: "oc1:d:AbCdEfGhIjKlMnOp",
};
const CARD_MESSAGE = `${CARD.title}\n\n${CARD.text}`;
const BUTTONS = { inline_keyboard: [[{ text: "Approve", callback_data: "oc1:a:AbCdEfGhIjKlMnOp" }, { text: "Deny", callback_data: "oc1:d:AbCdEfGhIjKlMnOp" }]] };

type Harness = { fake: FakeTelegramApi; bot: AdminBot; clicks: ApprovalClick[]; commands: string[]; lines: string[] };

function captureLog(lines: string[]): AdminLog {
  return { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
}

/** The fake with the admin chat and the supervisors' forum, and a bot whose click handler records every click and answers "recorded <data>". */
async function setup(t: TestContext, opts: { onApprovalClick?: ApprovalClickHandler | "none"; handler?: AdminHandler } = {}): Promise<Harness> {
  const fake = await startFakeTelegramApi({
    token: TOKEN,
    chats: [
      { id: ADMIN_CHAT, type: "supergroup", title: "ops" },
      { id: SUPERVISORS, type: "supergroup", title: "supervisors" },
    ],
  });
  const clicks: ApprovalClick[] = [];
  const commands: string[] = [];
  const lines: string[] = [];
  const onApprovalClick: ApprovalClickHandler | undefined =
    opts.onApprovalClick === "none"
      ? undefined
      : (opts.onApprovalClick ??
        (async (click) => {
          clicks.push(click);
          return { text: `recorded ${click.data}` };
        }));
  const bot = createTelegramAdminBot({
    token: TOKEN,
    chatId: String(ADMIN_CHAT),
    handler:
      opts.handler ??
      (async (m) => {
        commands.push(m.text);
        return { text: `ok ${m.text}` };
      }),
    onApprovalClick,
    log: captureLog(lines),
    apiRoot: fake.apiRoot,
    pollTimeoutSeconds: 1,
    retryDelaysMs: [10, 20, 40],
  });
  t.after(async () => {
    await bot.stop();
    await fake.close();
    for (const line of lines) assert.ok(!line.includes(TOKEN) && !line.includes("TEST-token"), `token in log line: ${line}`);
    assert.deepEqual(unhandled, []);
  });
  return { fake, bot, clicks, commands, lines };
}

test("postApproval sends the card with Approve / Deny buttons to the admin chat, or to a forum topic of the target chat", BOUNDED, async (t) => {
  const { fake, bot } = await setup(t);
  const posted = await bot.postApproval(CARD);
  assert.deepEqual(posted, { platform: "telegram", chatId: "-100500", messageId: "1" });
  const first = fake.sent[0];
  assert.equal(first?.chatId, "-100500");
  assert.equal(first?.text, CARD_MESSAGE);
  assert.equal(first?.parseMode, undefined);
  assert.deepEqual(first?.replyMarkup, BUTTONS);
  assert.equal(first?.messageThreadId, undefined);
  assert.deepEqual(first?.params.link_preview_options, { is_disabled: true });

  const inTopic = await bot.postApproval({ ...CARD, target: { chatId: String(SUPERVISORS), topicId: "7" } });
  assert.deepEqual(inTopic, { platform: "telegram", chatId: "-100700", messageId: "1", threadId: "7" });
  assert.deepEqual(
    fake.sent.map((s) => [s.chatId, s.messageId, s.messageThreadId]),
    [
      ["-100500", 1, undefined],
      ["-100700", 1, 7],
    ],
  );
  const inChat = await bot.postApproval({ ...CARD, target: { chatId: String(SUPERVISORS) } });
  assert.deepEqual(inChat, { platform: "telegram", chatId: "-100700", messageId: "2" });
});

test("postApproval refuses button data Telegram would refuse and a topic that is not a message_thread_id, without a request", BOUNDED, async (t) => {
  const { fake, bot } = await setup(t);
  await assert.rejects(bot.postApproval({ ...CARD, approveData: "x".repeat(65) }), {
    message: "telegram admin bot: cannot post an approval card to chat -100500: button data must be 1-64 bytes (got 65)",
  });
  await assert.rejects(bot.postApproval({ ...CARD, denyData: "" }), {
    message: "telegram admin bot: cannot post an approval card to chat -100500: button data must be 1-64 bytes (got 0)",
  });
  await assert.rejects(bot.postApproval({ ...CARD, target: { chatId: String(SUPERVISORS), topicId: "general" } }), {
    message: 'telegram admin bot: cannot post an approval card to topic "general" of chat -100700: a topic id is a positive integer (message_thread_id)',
  });
  assert.deepEqual(fake.requests, []);
});

test("a button press reaches the click handler as an ApprovalClick and the clicker sees its answer", BOUNDED, async (t) => {
  const { fake, bot, clicks } = await setup(t);
  await bot.start();
  const posted = await bot.postApproval({ ...CARD, target: { chatId: String(SUPERVISORS), topicId: "7" } });
  const { callbackQueryId } = fake.pushCallback({ fromId: SUPERVISOR, chatId: SUPERVISORS, messageId: Number(posted.messageId), data: CARD.approveData });
  await fake.waitFor(() => fake.callbackAnswers.length === 1, WAIT_MS, "the answer to the click");
  assert.deepEqual(clicks, [
    { platform: "telegram", chatId: "-100700", senderId: "42", senderIsBot: false, data: "oc1:a:AbCdEfGhIjKlMnOp", messageId: "1" },
  ]);
  assert.deepEqual(
    fake.callbackAnswers.map((a) => [a.callbackQueryId, a.text, a.showAlert]),
    [[callbackQueryId, "recorded oc1:a:AbCdEfGhIjKlMnOp", false]],
  );
  const poll = fake.requests.find((r) => r.method === "getUpdates");
  assert.deepEqual(poll?.params.allowed_updates, ["message", "callback_query"]);
  assert.deepEqual(fake.allowedUpdates(), ["message", "callback_query"]);

  // A bot pressing the button is passed on, flagged, so src/approvals can refuse it.
  fake.pushCallback({ fromId: 777, isBot: true, chatId: SUPERVISORS, messageId: 1, data: CARD.denyData });
  await fake.waitFor(() => fake.callbackAnswers.length === 2, WAIT_MS, "the answer to the bot's click");
  assert.deepEqual(clicks[1], { platform: "telegram", chatId: "-100700", senderId: "777", senderIsBot: true, data: "oc1:d:AbCdEfGhIjKlMnOp", messageId: "1" });
});

test("forged, oversized and foreign button data is passed to the handler verbatim; it decides", BOUNDED, async (t) => {
  const { fake, bot, clicks } = await setup(t);
  await bot.start();
  const oversized = `oc1:a:${"A".repeat(80)}`;
  const forged = ["approve:1", oversized, "oc1:x:AbCdEfGhIjKlMnOp", "", "oc1:a:Ab\u202eCd"];
  for (const data of forged) fake.pushCallback({ fromId: SUPERVISOR, chatId: ADMIN_CHAT, messageId: 99, data });
  await fake.waitFor(() => fake.callbackAnswers.length === forged.length, WAIT_MS, "every answer");
  assert.deepEqual(
    clicks.map((c) => c.data).sort(),
    [...forged].sort(),
  );
  assert.deepEqual(clicks.find((c) => c.data === oversized), { platform: "telegram", chatId: "-100500", senderId: "42", senderIsBot: false, data: oversized, messageId: "99" });
});

test("presses without a message (inline) or without data (game) are answered as not valid, without calling the handler", BOUNDED, async (t) => {
  const { fake, bot, clicks } = await setup(t);
  await bot.start();
  fake.pushCallback({ fromId: SUPERVISOR, data: CARD.approveData });
  fake.pushCallback({ fromId: SUPERVISOR, chatId: ADMIN_CHAT, messageId: 5 });
  await fake.waitFor(() => fake.callbackAnswers.length === 2, WAIT_MS, "both answers");
  assert.deepEqual(
    fake.callbackAnswers.map((a) => [a.callbackQueryId, a.text, a.showAlert]),
    [
      ["cbq1", CLICK_INVALID, false],
      ["cbq2", CLICK_INVALID, false],
    ],
  );
  assert.equal(CLICK_INVALID, "This button is not valid here.");
  assert.deepEqual(clicks, []);
});

test("without a click handler every press is answered that approvals are not handled here", BOUNDED, async (t) => {
  const { fake, bot } = await setup(t, { onApprovalClick: "none" });
  await bot.start();
  fake.pushCallback({ fromId: SUPERVISOR, chatId: ADMIN_CHAT, messageId: 1, data: CARD.approveData });
  await fake.waitFor(() => fake.callbackAnswers.length === 1, WAIT_MS, "the answer");
  assert.equal(fake.callbackAnswers[0]?.text, "Approvals are not handled by this bot.");
  assert.equal(CLICK_UNHANDLED, "Approvals are not handled by this bot.");
});

test("a throwing click handler: the clicker is told nothing was decided, the error is logged, the bot keeps running", BOUNDED, async (t) => {
  const { fake, bot, lines } = await setup(t, {
    onApprovalClick: async (click) => {
      if (click.data === "boom") throw new Error(`store down (${TOKEN})`);
      return { text: "fine" };
    },
  });
  await bot.start();
  fake.pushCallback({ fromId: SUPERVISOR, chatId: ADMIN_CHAT, messageId: 3, data: "boom" });
  await fake.waitFor(() => fake.callbackAnswers.length === 1, WAIT_MS, "the failure answer");
  assert.equal(fake.callbackAnswers[0]?.text, "The coordinator could not process this click; nothing was decided.");
  assert.equal(CLICK_FAILED, "The coordinator could not process this click; nothing was decided.");
  assert.deepEqual(
    lines.filter((l) => l.startsWith("error")),
    ["error telegram admin bot: the approval handler failed on a button press by 42 on message 3 in chat -100500: store down (<token>)"],
  );
  fake.pushCallback({ fromId: SUPERVISOR, chatId: ADMIN_CHAT, messageId: 3, data: CARD.denyData });
  fake.pushText({ chatId: ADMIN_CHAT, fromId: SUPERVISOR, text: "/status" });
  await fake.waitFor(() => fake.callbackAnswers.length === 2 && fake.sent.length === 1, WAIT_MS, "the next click and command");
  assert.equal(fake.callbackAnswers[1]?.text, "fine");
  assert.equal(bot.status().connected, true);
});

test("a long answer is cut to Telegram's 200 characters", BOUNDED, async (t) => {
  const { fake, bot } = await setup(t, { onApprovalClick: async () => ({ text: "y".repeat(300) }) });
  await bot.start();
  fake.pushCallback({ fromId: SUPERVISOR, chatId: ADMIN_CHAT, messageId: 1, data: CARD.approveData });
  await fake.waitFor(() => fake.callbackAnswers.length === 1, WAIT_MS, "the answer");
  assert.equal(fake.callbackAnswers[0]?.text, `${"y".repeat(199)}…`);
});

test("a press is handled while a slow admin command is still running", BOUNDED, async (t) => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const { fake, bot, clicks } = await setup(t, {
    handler: async (m) => {
      await gate;
      return { text: `done ${m.text}` };
    },
  });
  await bot.start();
  fake.pushText({ chatId: ADMIN_CHAT, fromId: SUPERVISOR, text: "/audit verify" });
  fake.pushCallback({ fromId: SUPERVISOR, chatId: ADMIN_CHAT, messageId: 1, data: CARD.approveData });
  await fake.waitFor(() => fake.callbackAnswers.length === 1, WAIT_MS, "the click answer while /audit verify runs");
  assert.equal(clicks.length, 1);
  assert.equal(fake.sent.length, 0);
  release();
  await fake.waitFor(() => fake.sent.length === 1, WAIT_MS, "the command reply");
});

test("updateApproval replaces the text and removes the buttons; repeating it succeeds; an unknown card rejects", BOUNDED, async (t) => {
  const { fake, bot } = await setup(t);
  const posted = await bot.postApproval({ ...CARD, target: { chatId: String(SUPERVISORS), topicId: "7" } });
  await bot.updateApproval(posted, "Approved by 42 at 2026-11-25T17:40:00.000Z");
  assert.deepEqual(fake.message(SUPERVISORS, 1), { text: "Approved by 42 at 2026-11-25T17:40:00.000Z", replyMarkup: { inline_keyboard: [] }, messageThreadId: 7 });
  assert.deepEqual(
    fake.edits.map((e) => [e.chatId, e.messageId, e.text, e.replyMarkup]),
    [["-100700", 1, "Approved by 42 at 2026-11-25T17:40:00.000Z", { inline_keyboard: [] }]],
  );
  // Telegram answers a repeat with 400 "message is not modified": the card already shows it, so it is a success.
  await bot.updateApproval(posted, "Approved by 42 at 2026-11-25T17:40:00.000Z");
  assert.equal(fake.requests.filter((r) => r.method === "editMessageText").length, 2);
  assert.equal(fake.edits.length, 1);

  await bot.updateApproval(posted, "z".repeat(5000));
  assert.equal(fake.message(SUPERVISORS, 1)?.text, `${"z".repeat(4095)}…`);

  await assert.rejects(bot.updateApproval({ platform: "telegram", chatId: String(SUPERVISORS), messageId: "55" }, "Denied"), {
    message: "telegram admin bot: could not update approval card 55 in chat -100700: Call to 'editMessageText' failed! (400: Bad Request: message to edit not found)",
  });
  await assert.rejects(bot.updateApproval({ platform: "discord", chatId: "1", messageId: "2" }, "Denied"), {
    message: "telegram admin bot: cannot update approval card discord:1/2: not a Telegram message",
  });
  await assert.rejects(bot.updateApproval(posted, "  "), {
    message: "telegram admin bot: refusing to replace approval card 1 in chat -100700 with an empty text",
  });
});

test("a 429 with retry_after on sendMessage, answerCallbackQuery and editMessageText is waited out and the call succeeds", BOUNDED, async (t) => {
  const { fake, bot } = await setup(t);
  await bot.start();
  fake.failNext(1, { kind: "rate-limit", retryAfterSeconds: 1 }, ["sendMessage"]);
  const posted = await bot.postApproval(CARD);
  assert.deepEqual(posted, { platform: "telegram", chatId: "-100500", messageId: "1" });
  assert.deepEqual(
    fake.requests.filter((r) => r.method === "sendMessage").map((r) => r.fault),
    ["rate-limit", undefined],
  );

  fake.failNext(1, { kind: "rate-limit", retryAfterSeconds: 1 }, ["answerCallbackQuery"]);
  fake.pushCallback({ fromId: SUPERVISOR, chatId: ADMIN_CHAT, messageId: 1, data: CARD.approveData });
  await fake.waitFor(() => fake.callbackAnswers.length === 1, WAIT_MS, "the answer after the 429");
  assert.deepEqual(
    fake.requests.filter((r) => r.method === "answerCallbackQuery").map((r) => r.fault),
    ["rate-limit", undefined],
  );

  fake.failNext(1, { kind: "rate-limit", retryAfterSeconds: 1 }, ["editMessageText"]);
  await bot.updateApproval(posted, "Approved by 42");
  assert.equal(fake.message(ADMIN_CHAT, 1)?.text, "Approved by 42");
});

test("a retry_after longer than a minute, a 500 or a dropped connection rejects postApproval with a scrubbed error; the next call works", BOUNDED, async (t) => {
  const { fake, bot } = await setup(t);
  fake.failNext(1, { kind: "rate-limit", retryAfterSeconds: 3600 }, ["sendMessage"]);
  await assert.rejects(bot.postApproval(CARD), {
    message: "telegram admin bot: could not post an approval card to chat -100500: Call to 'sendMessage' failed! (429: Too Many Requests: retry after 3600)",
  });
  fake.failNext(1, { kind: "http-500" }, ["sendMessage"]);
  await assert.rejects(bot.postApproval(CARD), {
    message: "telegram admin bot: could not post an approval card to chat -100500: Call to 'sendMessage' failed! (500: Internal Server Error)",
  });
  fake.failNext(1, { kind: "drop" }, ["sendMessage"]);
  await assert.rejects(bot.postApproval(CARD), (err: Error) => {
    assert.match(err.message, /^telegram admin bot: could not post an approval card to chat -100500: Network request for 'sendMessage' failed!/);
    assert.ok(!err.message.includes(TOKEN) && !(err.stack ?? "").includes(TOKEN));
    return true;
  });
  fake.failNext(1, { kind: "http-500" }, ["editMessageText"]);
  await assert.rejects(bot.updateApproval({ platform: "telegram", chatId: String(ADMIN_CHAT), messageId: "1" }, "Denied"), {
    message: "telegram admin bot: could not update approval card 1 in chat -100500: Call to 'editMessageText' failed! (500: Internal Server Error)",
  });
  assert.deepEqual(fake.sent, []);
  assert.deepEqual(await bot.postApproval(CARD), { platform: "telegram", chatId: "-100500", messageId: "1" });
});

test("a dropped polling connection and a 500: the bot recovers and still delivers the next press", BOUNDED, async (t) => {
  const { fake, bot, clicks } = await setup(t);
  await bot.start();
  fake.failNext(2, { kind: "drop" }, ["getUpdates"]);
  fake.failNext(1, { kind: "http-500" }, ["getUpdates"]);
  // Answering the held poll makes the next getUpdates meet the faults.
  fake.pushText({ chatId: ADMIN_CHAT, fromId: SUPERVISOR, text: "/status" });
  await fake.waitFor(() => fake.requests.filter((r) => r.fault !== undefined).length === 3, WAIT_MS, "all three faults");
  fake.pushCallback({ fromId: SUPERVISOR, chatId: ADMIN_CHAT, messageId: 1, data: CARD.denyData });
  await fake.waitFor(() => fake.callbackAnswers.length === 1, WAIT_MS, "the press after the outage");
  assert.deepEqual(clicks, [{ platform: "telegram", chatId: "-100500", senderId: "42", senderIsBot: false, data: "oc1:d:AbCdEfGhIjKlMnOp", messageId: "1" }]);
  assert.equal(bot.status().connected, true);
});

test("a bot without a token rejects postApproval and updateApproval with its error", BOUNDED, async () => {
  const bot = createTelegramAdminBot({ token: "", chatId: "42", handler: async () => undefined, log: captureLog([]) });
  await assert.rejects(bot.postApproval(CARD), { message: "telegram admin bot: no token configured; set ADMIN_TELEGRAM_TOKEN" });
  await assert.rejects(bot.updateApproval({ platform: "telegram", chatId: "42", messageId: "1" }, "x"), {
    message: "telegram admin bot: no token configured; set ADMIN_TELEGRAM_TOKEN",
  });
});
