// Approval cards and button presses on the Discord supervisor bot: real discord.js against the fake Discord REST API and gateway on loopback.
import { after, afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { CLICK_FAILED, CLICK_INVALID, CLICK_UNHANDLED, createDiscordAdminBot } from "../../src/adapters/discord/admin-bot.ts";
import type { AdminBot } from "../../src/admin/types.ts";
import type { ApprovalCard, ApprovalClick, ApprovalClickHandler } from "../../src/approvals/types.ts";
import { startFakeDiscord, type FakeDiscord } from "../fakes/discord-api.ts";

const TOKEN = "ZmFrZQ.fake.token-not-real";
const GUILD = "300000000000000001";
const ADMIN_CHANNEL = "300000000000000010";
const SUPERVISOR_CHANNEL = "300000000000000012";
const FORUM = "300000000000000013";
const SUPERVISOR = "500000000000000001";
const REQUESTER = "500000000000000002";
const OTHER_BOT = "600000000000000001";
const EPHEMERAL = 64;

const CARD: ApprovalCard = {
  id: "AbCdEfGhIjKlMnOp",
  title: "otheru-coordinator: approve exec? (critical channel)",
  text: "channel: discord (critical)\nrequester: 500000000000000002\ntool: exec\narguments: {\"command\":\"rm -rf /srv/app\"} @everyone\nwhy: shell.destructive\nmodel: deny (high)\nexpires: 2026-11-25T18:00:00.000Z",
  approveData: "oc1:a:AbCdEfGhIjKlMnOp",
  denyData: "oc1:d:AbCdEfGhIjKlMnOp",
};
const BUTTON_ROW = [
  {
    type: 1,
    components: [
      { type: 2, style: 3, label: "Approve", custom_id: "oc1:a:AbCdEfGhIjKlMnOp" },
      { type: 2, style: 4, label: "Deny", custom_id: "oc1:d:AbCdEfGhIjKlMnOp" },
    ],
  },
];

type LogLine = { level: "info" | "warn" | "error"; msg: string };
const everything: string[] = [];
const open: { fakes: FakeDiscord[]; bots: AdminBot[] } = { fakes: [], bots: [] };

async function fakeDiscord(): Promise<FakeDiscord> {
  const fake = await startFakeDiscord({
    token: TOKEN,
    heartbeatIntervalMs: 1_000,
    guilds: [
      {
        id: GUILD,
        name: "ops",
        channels: [
          { id: ADMIN_CHANNEL, name: "coordinator-admin" },
          { id: SUPERVISOR_CHANNEL, name: "supervisors" },
          { id: FORUM, name: "escalations", type: 15 },
        ],
      },
    ],
  });
  open.fakes.push(fake);
  return fake;
}

/** A bot whose click handler (unless given) records every click and answers "recorded <data>". */
async function startedBot(
  fake: FakeDiscord,
  opts: { onApprovalClick?: ApprovalClickHandler | "none"; clickDeferMs?: number; start?: boolean } = {},
): Promise<{ bot: AdminBot; clicks: ApprovalClick[]; lines: LogLine[] }> {
  const clicks: ApprovalClick[] = [];
  const lines: LogLine[] = [];
  const record = (level: LogLine["level"]) => (msg: string) => {
    lines.push({ level, msg });
    everything.push(msg);
  };
  const onApprovalClick: ApprovalClickHandler | undefined =
    opts.onApprovalClick === "none"
      ? undefined
      : (opts.onApprovalClick ??
        (async (click) => {
          clicks.push(click);
          return { text: `recorded ${click.data}` };
        }));
  const bot = createDiscordAdminBot({
    token: TOKEN,
    guildId: GUILD,
    channelId: ADMIN_CHANNEL,
    handler: async () => undefined,
    onApprovalClick,
    log: { info: record("info"), warn: record("warn"), error: record("error") },
    apiRoot: fake.apiRoot,
    retryDelaysMs: [20],
    ...(opts.clickDeferMs === undefined ? {} : { clickDeferMs: opts.clickDeferMs }),
  });
  open.bots.push(bot);
  if (opts.start !== false) {
    await bot.start();
    assert.equal(bot.status().connected, true);
  }
  return { bot, clicks, lines };
}

/** The interaction answers, as [kind, callback type, content, flags]. */
function answers(fake: FakeDiscord): unknown[][] {
  return fake.interactionResponses.map((r) => [r.kind, r.type, r.content, r.flags]);
}

afterEach(async () => {
  for (const bot of open.bots.splice(0)) await bot.stop();
  for (const fake of open.fakes.splice(0)) await fake.close();
});

describe("discord approvals", () => {
  test("postApproval posts the card with Approve / Deny buttons, mentions off, and starts a thread on it", async () => {
    const fake = await fakeDiscord();
    const { bot } = await startedBot(fake);
    const posted = await bot.postApproval(CARD);
    const card = fake.sent[0];
    assert.ok(card !== undefined);
    assert.equal(card.channelId, ADMIN_CHANNEL);
    assert.deepEqual(card.body, {
      content: `${CARD.title}\n\n${CARD.text}`,
      embeds: [],
      components: BUTTON_ROW,
      allowed_mentions: { parse: [] },
    });
    // Discord gives a thread started on a message the message's id.
    assert.deepEqual(posted, { platform: "discord", chatId: ADMIN_CHANNEL, messageId: card.id, threadId: card.id });
    assert.deepEqual(fake.threads, [{ id: card.id, parentId: ADMIN_CHANNEL, guildId: GUILD, name: CARD.title, starterMessageId: card.id }]);
    const threadRequest = fake.requests.find((r) => r.path.endsWith("/threads"));
    assert.deepEqual(threadRequest, { method: "POST", path: `/api/v10/channels/${ADMIN_CHANNEL}/messages/${card.id}/threads`, status: 201, authorized: true });

    const elsewhere = await bot.postApproval({ ...CARD, title: `${"t".repeat(120)}`, target: { chatId: SUPERVISOR_CHANNEL } });
    const second = fake.sent[1];
    assert.equal(second?.channelId, SUPERVISOR_CHANNEL);
    assert.deepEqual(elsewhere, { platform: "discord", chatId: SUPERVISOR_CHANNEL, messageId: second?.id, threadId: second?.id });
    assert.equal(fake.threads[1]?.name, `${"t".repeat(99)}…`);
    assert.deepEqual(fake.unhandled, []);
  });

  test("a card longer than 2000 characters keeps the title as content and the text in an embed", async () => {
    const fake = await fakeDiscord();
    const { bot } = await startedBot(fake);
    const text = "a".repeat(3500);
    await bot.postApproval({ ...CARD, text });
    assert.deepEqual(fake.sent[0]?.body, { content: CARD.title, embeds: [{ description: text }], components: BUTTON_ROW, allowed_mentions: { parse: [] } });
  });

  test("in a forum channel the card opens a post whose starter message carries the buttons", async () => {
    const fake = await fakeDiscord();
    const { bot } = await startedBot(fake);
    const posted = await bot.postApproval({ ...CARD, target: { chatId: FORUM } });
    const thread = fake.threads[0];
    assert.ok(thread !== undefined);
    assert.deepEqual(posted, { platform: "discord", chatId: thread.id, messageId: thread.id, threadId: thread.id });
    assert.deepEqual(thread, { id: thread.id, parentId: FORUM, guildId: GUILD, name: CARD.title, starterMessageId: thread.id });
    assert.deepEqual(fake.message(thread.id)?.components, BUTTON_ROW);
  });

  test("button data Discord would refuse, and a bot that is not running, reject without a request", async () => {
    const fake = await fakeDiscord();
    const idle = (await startedBot(fake, { start: false })).bot;
    await assert.rejects(idle.postApproval(CARD), { message: `discord admin bot: not running (not started); cannot post an approval card to channel ${ADMIN_CHANNEL}` });
    await assert.rejects(idle.updateApproval({ platform: "discord", chatId: ADMIN_CHANNEL, messageId: "1" }, "Denied"), {
      message: `discord admin bot: not running (not started); cannot update approval card 1 in channel ${ADMIN_CHANNEL}`,
    });
    assert.deepEqual(fake.requests, []);
    const { bot } = await startedBot(fake);
    const before = fake.requests.length;
    await assert.rejects(bot.postApproval({ ...CARD, approveData: "x".repeat(101) }), {
      message: `discord admin bot: cannot post an approval card to channel ${ADMIN_CHANNEL}: button data must be 1-100 characters (got 101)`,
    });
    await assert.rejects(bot.updateApproval({ platform: "telegram", chatId: "-1", messageId: "1" }, "Denied"), {
      message: "discord admin bot: cannot update approval card telegram:-1/1: not a Discord message",
    });
    assert.equal(fake.requests.length, before);
  });

  test("a press on the card reaches the click handler as an ApprovalClick and the clicker gets an ephemeral answer", async () => {
    const fake = await fakeDiscord();
    const { bot, clicks } = await startedBot(fake);
    const posted = await bot.postApproval({ ...CARD, target: { chatId: SUPERVISOR_CHANNEL } });
    fake.pressButton({ id: "1400000000000000001", channelId: SUPERVISOR_CHANNEL, userId: SUPERVISOR, messageId: posted.messageId, customId: CARD.approveData });
    await fake.waitFor(() => fake.interactionResponses.length === 1, 3_000, "the answer");
    assert.deepEqual(clicks, [
      { platform: "discord", chatId: SUPERVISOR_CHANNEL, guildId: GUILD, senderId: SUPERVISOR, senderIsBot: false, data: "oc1:a:AbCdEfGhIjKlMnOp", messageId: posted.messageId },
    ]);
    assert.deepEqual(answers(fake), [["callback", 4, "recorded oc1:a:AbCdEfGhIjKlMnOp", EPHEMERAL]]);
    assert.equal(fake.interactionResponses[0]?.interactionId, "1400000000000000001");

    // From inside the card's thread: the thread is the channel, its parent comes along.
    fake.pressButton({ channelId: posted.threadId ?? "", userId: REQUESTER, messageId: posted.messageId, customId: CARD.denyData });
    // A bot pressing is passed on, flagged; a press in a DM has no guild.
    fake.pressButton({ channelId: SUPERVISOR_CHANNEL, userId: OTHER_BOT, bot: true, messageId: posted.messageId, customId: CARD.approveData });
    await fake.waitFor(() => clicks.length === 3, 3_000, "two more clicks");
    assert.deepEqual(clicks.slice(1), [
      {
        platform: "discord",
        chatId: posted.threadId,
        guildId: GUILD,
        parentChatId: SUPERVISOR_CHANNEL,
        senderId: REQUESTER,
        senderIsBot: false,
        data: "oc1:d:AbCdEfGhIjKlMnOp",
        messageId: posted.messageId,
      },
      { platform: "discord", chatId: SUPERVISOR_CHANNEL, guildId: GUILD, senderId: OTHER_BOT, senderIsBot: true, data: "oc1:a:AbCdEfGhIjKlMnOp", messageId: posted.messageId },
    ]);
    await fake.waitFor(() => fake.interactionResponses.length === 3, 3_000, "three answers");
  });

  test("a bot started after the thread exists learns it from GUILD_CREATE: a press there carries the parent channel", async () => {
    const fake = await fakeDiscord();
    const { bot } = await startedBot(fake);
    const posted = await bot.postApproval(CARD);
    await bot.stop();
    const late = await startedBot(fake);
    fake.pressButton({ channelId: posted.threadId ?? "", userId: SUPERVISOR, messageId: posted.messageId, customId: CARD.approveData });
    await fake.waitFor(() => late.clicks.length === 1, 3_000, "the click");
    assert.equal(late.clicks[0]?.chatId, posted.threadId);
    assert.equal(late.clicks[0]?.parentChatId, ADMIN_CHANNEL);
  });

  test("a press in a thread discord.js has not cached still carries the parent channel from the payload", async () => {
    const fake = await fakeDiscord();
    const { clicks } = await startedBot(fake);
    fake.pressButton({ channelId: "300000000000000099", inThreadOf: SUPERVISOR_CHANNEL, userId: SUPERVISOR, messageId: "1300000000000000005", customId: CARD.denyData });
    await fake.waitFor(() => clicks.length === 1, 3_000, "the click");
    assert.deepEqual(clicks, [
      {
        platform: "discord",
        chatId: "300000000000000099",
        guildId: GUILD,
        parentChatId: SUPERVISOR_CHANNEL,
        senderId: SUPERVISOR,
        senderIsBot: false,
        data: "oc1:d:AbCdEfGhIjKlMnOp",
        messageId: "1300000000000000005",
      },
    ]);
  });

  test("a press in a DM has no guild id", async () => {
    const fake = await fakeDiscord();
    const { clicks } = await startedBot(fake);
    fake.pressButton({ channelId: "700000000000000001", guildId: null, userId: SUPERVISOR, messageId: "1300000000000000001", customId: CARD.approveData });
    await fake.waitFor(() => clicks.length === 1, 3_000, "the click");
    assert.deepEqual(clicks, [
      { platform: "discord", chatId: "700000000000000001", senderId: SUPERVISOR, senderIsBot: false, data: "oc1:a:AbCdEfGhIjKlMnOp", messageId: "1300000000000000001" },
    ]);
  });

  test("forged, oversized and foreign custom ids are passed to the handler verbatim; it decides", async () => {
    const fake = await fakeDiscord();
    const { clicks } = await startedBot(fake);
    const forged = ["approve:1", `oc1:a:${"A".repeat(150)}`, "oc1:x:AbCdEfGhIjKlMnOp", "oc1:a:Ab\u202eCd"];
    for (const customId of forged) fake.pressButton({ channelId: ADMIN_CHANNEL, userId: SUPERVISOR, messageId: "1300000000000000009", customId });
    await fake.waitFor(() => fake.interactionResponses.length === forged.length, 3_000, "every answer");
    assert.deepEqual(clicks.map((c) => c.data).sort(), [...forged].sort());
  });

  test("without a click handler a press is answered that approvals are not handled; other components are not valid", async () => {
    const fake = await fakeDiscord();
    await startedBot(fake, { onApprovalClick: "none" });
    fake.pressButton({ channelId: ADMIN_CHANNEL, userId: SUPERVISOR, messageId: "1300000000000000001", customId: CARD.approveData });
    await fake.waitFor(() => fake.interactionResponses.length === 1, 3_000, "the first answer");
    fake.pressButton({ channelId: ADMIN_CHANNEL, userId: SUPERVISOR, messageId: "1300000000000000001", customId: "menu", componentType: 3 });
    await fake.waitFor(() => fake.interactionResponses.length === 2, 3_000, "the second answer");
    assert.deepEqual(answers(fake), [
      ["callback", 4, "Approvals are not handled by this bot.", EPHEMERAL],
      ["callback", 4, "This button is not valid here.", EPHEMERAL],
    ]);
    assert.equal(CLICK_UNHANDLED, "Approvals are not handled by this bot.");
    assert.equal(CLICK_INVALID, "This button is not valid here.");
  });

  test("a throwing click handler: the clicker is told nothing was decided, the error is logged redacted, the bot keeps running", async () => {
    const fake = await fakeDiscord();
    const { bot, lines } = await startedBot(fake, {
      onApprovalClick: async (click) => {
        if (click.data === "boom") throw new Error(`store down (${TOKEN})`);
        return { text: "fine" };
      },
    });
    fake.pressButton({ channelId: ADMIN_CHANNEL, userId: SUPERVISOR, messageId: "1300000000000000003", customId: "boom" });
    await fake.waitFor(() => fake.interactionResponses.length === 1, 3_000, "the failure answer");
    fake.pressButton({ channelId: ADMIN_CHANNEL, userId: SUPERVISOR, messageId: "1300000000000000003", customId: CARD.denyData });
    await fake.waitFor(() => fake.interactionResponses.length === 2, 3_000, "the next answer");
    assert.deepEqual(answers(fake), [
      ["callback", 4, "The coordinator could not process this click; nothing was decided.", EPHEMERAL],
      ["callback", 4, "fine", EPHEMERAL],
    ]);
    assert.equal(CLICK_FAILED, "The coordinator could not process this click; nothing was decided.");
    assert.deepEqual(
      lines.filter((l) => l.level === "error").map((l) => l.msg),
      [`discord admin bot: the approval handler failed on a button press by ${SUPERVISOR} on message 1300000000000000003 in channel ${ADMIN_CHANNEL}: store down ([redacted])`],
    );
    assert.equal(bot.status().connected, true);
  });

  test("a slow click handler gets a deferred ephemeral answer, edited when it finishes", async () => {
    const fake = await fakeDiscord();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    await startedBot(fake, {
      clickDeferMs: 50,
      onApprovalClick: async () => {
        await gate;
        return { text: "Approved. The call runs now." };
      },
    });
    fake.pressButton({ channelId: ADMIN_CHANNEL, userId: SUPERVISOR, messageId: "1300000000000000004", customId: CARD.approveData });
    await fake.waitFor(() => fake.interactionResponses.length === 1, 3_000, "the deferral");
    assert.deepEqual(answers(fake), [["callback", 5, undefined, EPHEMERAL]]);
    release();
    await fake.waitFor(() => fake.interactionResponses.length === 2, 3_000, "the edited answer");
    assert.deepEqual(answers(fake)[1], ["edit-original", undefined, "Approved. The call runs now.", undefined]);
  });

  test("more than 32 presses at once: the extra one is answered busy at once, the others all get their answer", async () => {
    const fake = await fakeDiscord();
    let running = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    await startedBot(fake, {
      clickDeferMs: 10_000,
      onApprovalClick: async () => {
        running++;
        await gate;
        return { text: "decided" };
      },
    });
    for (let i = 0; i < 32; i++) fake.pressButton({ channelId: ADMIN_CHANNEL, userId: SUPERVISOR, messageId: "1300000000000000006", customId: CARD.approveData });
    await fake.waitFor(() => running === 32, 3_000, "32 handler calls");
    fake.pressButton({ id: "1400000000000000033", channelId: ADMIN_CHANNEL, userId: SUPERVISOR, messageId: "1300000000000000006", customId: CARD.approveData });
    await fake.waitFor(() => fake.interactionResponses.length === 1, 3_000, "the busy answer");
    assert.equal(fake.interactionResponses[0]?.interactionId, "1400000000000000033");
    assert.deepEqual(answers(fake), [["callback", 4, "The coordinator is busy; nothing was decided. Press the button again in a moment.", EPHEMERAL]]);
    assert.equal(running, 32);
    release();
    await fake.waitFor(() => fake.interactionResponses.length === 33, 5_000, "every answer");
    assert.equal(fake.interactionResponses.filter((r) => r.content === "decided").length, 32);
  });

  test("updateApproval replaces the card's text, removes the buttons and posts the outcome in the thread", async () => {
    const fake = await fakeDiscord();
    const { bot } = await startedBot(fake);
    const posted = await bot.postApproval(CARD);
    await bot.updateApproval(posted, "Approved by <@500000000000000001> at 2026-11-25T17:40:00.000Z");
    assert.deepEqual(fake.message(posted.messageId), {
      channelId: ADMIN_CHANNEL,
      content: "Approved by <@500000000000000001> at 2026-11-25T17:40:00.000Z",
      components: [],
      embeds: [],
    });
    assert.deepEqual(fake.edits.map((e) => [e.channelId, e.messageId, e.body]), [
      [ADMIN_CHANNEL, posted.messageId, { content: "Approved by <@500000000000000001> at 2026-11-25T17:40:00.000Z", embeds: [], components: [], allowed_mentions: { parse: [] } }],
    ]);
    const inThread = fake.sent.filter((m) => m.channelId === posted.threadId);
    assert.deepEqual(inThread.map((m) => m.body), [{ content: "Approved by <@500000000000000001> at 2026-11-25T17:40:00.000Z", embeds: [], allowed_mentions: { parse: [] } }]);

    // Without a thread only the card is edited; a long outcome keeps its first line as content.
    const long = `Expired.\n${"b".repeat(2500)}`;
    await bot.updateApproval({ platform: "discord", chatId: ADMIN_CHANNEL, messageId: posted.messageId }, long);
    assert.deepEqual(fake.edits[1]?.body, { content: "Expired.", embeds: [{ description: "b".repeat(2500) }], components: [], allowed_mentions: { parse: [] } });
    assert.equal(fake.sent.filter((m) => m.channelId === posted.threadId).length, 1);

    await assert.rejects(bot.updateApproval({ platform: "discord", chatId: ADMIN_CHANNEL, messageId: "1399999999999999999" }, "Denied"), {
      message: `discord admin bot: could not update approval card 1399999999999999999 in channel ${ADMIN_CHANNEL}: Discord refused a request with 404 (Unknown Message)`,
    });
    await assert.rejects(bot.updateApproval(posted, " "), {
      message: `discord admin bot: refusing to replace approval card ${posted.messageId} in channel ${ADMIN_CHANNEL} with an empty text`,
    });
  });

  test("a 429 with Retry-After on the card post is waited out by discord.js and the card is posted once", async () => {
    const fake = await fakeDiscord();
    const { bot } = await startedBot(fake);
    fake.rateLimitNext(1, 1, { method: "POST", path: /\/messages$/ });
    const posted = await bot.postApproval(CARD);
    assert.equal(fake.sent.length, 1);
    assert.equal(posted.messageId, fake.sent[0]?.id);
    assert.deepEqual(
      fake.requests.filter((r) => r.path === `/api/v10/channels/${ADMIN_CHANNEL}/messages`).map((r) => r.status),
      [429, 200],
    );
    // The edit after a 429 too.
    fake.rateLimitNext(1, 1, { method: "PATCH" });
    await bot.updateApproval(posted, "Denied by 500000000000000001");
    assert.equal(fake.message(posted.messageId)?.content, "Denied by 500000000000000001");
  });

  test("a Retry-After over a minute rejects postApproval at once instead of waiting", async () => {
    const fake = await fakeDiscord();
    const { bot } = await startedBot(fake);
    fake.rateLimitNext(1, 3600, { method: "POST", path: /\/messages$/ });
    await assert.rejects(bot.postApproval(CARD), {
      message: `discord admin bot: could not post an approval card to channel ${ADMIN_CHANNEL}: Discord rate limited the request for 3600 s; try again later`,
    });
    assert.equal(fake.sent.length, 0);
  });

  test("a 500 that outlasts discord.js's retries rejects postApproval with a scrubbed error; the next call works", async () => {
    const fake = await fakeDiscord();
    const { bot } = await startedBot(fake);
    fake.failNextRequests(4, 500, { method: "POST" });
    const err = await bot.postApproval(CARD).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof Error);
    everything.push(err.message);
    assert.equal(err.message, `discord admin bot: could not post an approval card to channel ${ADMIN_CHANNEL}: Discord answered 500 (Internal Server Error)`);
    assert.equal(fake.sent.length, 0);
    const posted = await bot.postApproval(CARD);
    assert.equal(posted.messageId, fake.sent[0]?.id);
  });

  test("when the thread cannot be started the card still stands: no threadId, a warning, and no second card", async () => {
    const fake = await fakeDiscord();
    const { bot, lines } = await startedBot(fake);
    fake.failNextRequests(4, 503, { path: /\/threads$/ });
    const posted = await bot.postApproval(CARD);
    assert.deepEqual(posted, { platform: "discord", chatId: ADMIN_CHANNEL, messageId: fake.sent[0]?.id });
    assert.equal(fake.sent.length, 1);
    assert.deepEqual(
      lines.filter((l) => l.level === "warn").map((l) => l.msg),
      [`discord admin bot: posted an approval card in channel ${ADMIN_CHANNEL} but could not start its thread (Discord answered 503 (Service Unavailable)); the buttons work without it`],
    );
  });

  test("a dropped gateway connection: the bot resumes and a press made while it was down is still delivered", async () => {
    const fake = await fakeDiscord();
    const { bot, clicks } = await startedBot(fake);
    const posted = await bot.postApproval(CARD);
    fake.dropConnections();
    await fake.waitFor(() => !bot.status().connected, 2_000, "the bot to notice the drop");
    fake.pressButton({ channelId: ADMIN_CHANNEL, userId: SUPERVISOR, messageId: posted.messageId, customId: CARD.denyData });
    await fake.waitFor(() => bot.status().connected, 5_000, "the bot to resume");
    await fake.waitFor(() => fake.interactionResponses.length === 1, 3_000, "the replayed press");
    fake.pressButton({ channelId: ADMIN_CHANNEL, userId: SUPERVISOR, messageId: posted.messageId, customId: CARD.approveData });
    await fake.waitFor(() => clicks.length === 2, 3_000, "the press after the resume");
    assert.deepEqual(
      clicks.map((c) => c.data),
      ["oc1:d:AbCdEfGhIjKlMnOp", "oc1:a:AbCdEfGhIjKlMnOp"],
    );
  });
});

after(() => {
  for (const line of everything) assert.ok(!line.includes(TOKEN), `token in: ${line}`);
});
