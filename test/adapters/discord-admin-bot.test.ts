// The Discord admin bot: real discord.js against the fake Discord REST API and gateway on loopback.
import { after, afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createDiscordAdminBot } from "../../src/adapters/discord/admin-bot.ts";
import type { AdminBot, AdminHandler, AdminMessage } from "../../src/admin/types.ts";
import { startFakeDiscord, type FakeDiscord } from "../fakes/discord-api.ts";

const TOKEN = "ZmFrZQ.fake.token-not-real";
const WRONG_TOKEN = "d3Jvbmc.fake.wrong-token-not-real";
const GUILD = "300000000000000001";
const ADMIN_CHANNEL = "300000000000000010";
const GENERAL_CHANNEL = "300000000000000011";
const OTHER_GUILD = "400000000000000001";
const OTHER_CHANNEL = "400000000000000010";
const OPERATOR = "500000000000000001";
const STRANGER = "500000000000000002";
const BOT_ID = "900000000000000001";

type LogLine = { level: "info" | "warn" | "error"; msg: string };
/** Every log line and status error of every test, checked for the tokens at the end. */
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
          { id: GENERAL_CHANNEL, name: "general" },
        ],
      },
      { id: OTHER_GUILD, name: "elsewhere", channels: [{ id: OTHER_CHANNEL, name: "chat" }] },
    ],
  });
  open.fakes.push(fake);
  return fake;
}

function adminBot(
  fake: FakeDiscord,
  handler: AdminHandler,
  overrides: { token?: string; channelId?: string; retryDelaysMs?: readonly number[] } = {},
): { bot: AdminBot; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const record = (level: LogLine["level"]) => (msg: string) => {
    lines.push({ level, msg });
    everything.push(msg);
  };
  const bot = createDiscordAdminBot({
    token: overrides.token ?? TOKEN,
    guildId: GUILD,
    channelId: overrides.channelId ?? ADMIN_CHANNEL,
    handler,
    log: { info: record("info"), warn: record("warn"), error: record("error") },
    apiRoot: fake.apiRoot,
    retryDelaysMs: overrides.retryDelaysMs ?? [20],
  });
  open.bots.push(bot);
  return { bot, lines };
}

function statusError(bot: AdminBot): string | undefined {
  const error = bot.status().error;
  if (error !== undefined) everything.push(error);
  return error;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  for (const bot of open.bots.splice(0)) await bot.stop();
  for (const fake of open.fakes.splice(0)) await fake.close();
});

describe("discord admin bot", () => {
  test("a message in the admin channel reaches the handler and the reply is posted there as a reply", async () => {
    const fake = await fakeDiscord();
    const received: AdminMessage[] = [];
    const { bot } = adminBot(fake, async (msg) => {
      received.push(msg);
      return { text: `ack ${msg.text}` };
    });
    await bot.start();
    assert.equal(bot.status().connected, true);
    assert.equal(statusError(bot), undefined);

    fake.sendMessage({ id: "1300000000000000000", channelId: ADMIN_CHANNEL, guildId: GUILD, authorId: OPERATOR, content: "/stop deploy went wrong" });
    await fake.waitFor(() => fake.sent.length === 1, 3_000, "the reply");

    assert.deepEqual(received, [
      {
        platform: "discord",
        chatId: ADMIN_CHANNEL,
        guildId: GUILD,
        senderId: OPERATOR,
        senderIsBot: false,
        relayed: false,
        text: "/stop deploy went wrong",
        messageId: "1300000000000000000",
        sentAtMs: 1730014552832,
      },
    ]);
    const reply = fake.sent[0];
    assert.equal(reply?.channelId, ADMIN_CHANNEL);
    assert.equal(reply?.content, "ack /stop deploy went wrong");
    assert.equal(reply?.messageReference?.["message_id"], "1300000000000000000");
    assert.deepEqual(reply?.allowedMentions, { parse: [] });

    // The fake echoes the bot's own reply as MESSAGE_CREATE (as Discord does); the adapter must not hand it on.
    fake.sendMessage({ id: "1300000000000000001", channelId: ADMIN_CHANNEL, guildId: GUILD, authorId: OPERATOR, content: "/status" });
    await fake.waitFor(() => fake.sent.length === 2, 3_000, "the second reply");
    assert.deepEqual(
      received.map((m) => m.text),
      ["/stop deploy went wrong", "/status"],
    );

    // Wire format as discord.js 14.28 speaks it: REST v10, JSON gateway without compression, our three intents.
    assert.ok(fake.requests.every((r) => r.path.startsWith("/api/v10/")));
    assert.deepEqual(fake.unhandled, []);
    assert.deepEqual(fake.connections.map((c) => c.query), [{ v: "10", encoding: "json" }]);
    assert.deepEqual(
      fake.identifies.map((i) => ({ intents: i.intents, compress: i.compress, shard: i.shard })),
      [{ intents: 33281, compress: false, shard: [0, 1] }],
    );
  });

  test("messages elsewhere are still handed on with their own channel and guild; bot authors are flagged", async () => {
    const fake = await fakeDiscord();
    const received: AdminMessage[] = [];
    const { bot } = adminBot(fake, async (msg) => {
      received.push(msg);
      return undefined;
    });
    await bot.start();
    fake.sendMessage({ id: "1300000000000000010", channelId: GENERAL_CHANNEL, guildId: GUILD, authorId: STRANGER, content: "/stop" });
    fake.sendMessage({ id: "1300000000000000011", channelId: OTHER_CHANNEL, guildId: OTHER_GUILD, authorId: OPERATOR, content: "/resume" });
    fake.sendMessage({ id: "1300000000000000012", channelId: ADMIN_CHANNEL, guildId: GUILD, authorId: "600000000000000001", content: "/stop", bot: true });
    fake.sendMessage({ id: "1300000000000000013", channelId: ADMIN_CHANNEL, guildId: GUILD, authorId: OPERATOR, content: "" });
    fake.sendMessage({ id: "1300000000000000014", channelId: ADMIN_CHANNEL, guildId: GUILD, authorId: OPERATOR, content: "/health" });
    await fake.waitFor(() => received.length === 4, 3_000, "four messages");
    await sleep(50);

    assert.deepEqual(
      received.map((m) => [m.chatId, m.guildId, m.senderId, m.senderIsBot, m.text, m.messageId]),
      [
        [GENERAL_CHANNEL, GUILD, STRANGER, false, "/stop", "1300000000000000010"],
        [OTHER_CHANNEL, OTHER_GUILD, OPERATOR, false, "/resume", "1300000000000000011"],
        [ADMIN_CHANNEL, GUILD, "600000000000000001", true, "/stop", "1300000000000000012"],
        [ADMIN_CHANNEL, GUILD, OPERATOR, false, "/health", "1300000000000000014"],
      ],
    );
    assert.deepEqual(fake.sent, [], "an undefined reply posts nothing");
  });

  test("forwarded messages and webhook posts are marked relayed", async () => {
    const fake = await fakeDiscord();
    const received: AdminMessage[] = [];
    const { bot } = adminBot(fake, async (msg) => {
      received.push(msg);
      return undefined;
    });
    await bot.start();
    fake.sendMessage({
      id: "1300000000000000040",
      channelId: ADMIN_CHANNEL,
      guildId: GUILD,
      authorId: OPERATOR,
      content: "/stop",
      forwardOf: { channelId: GENERAL_CHANNEL, messageId: "1299999999999999999", content: "/stop" },
    });
    fake.sendMessage({ id: "1300000000000000041", channelId: ADMIN_CHANNEL, guildId: GUILD, authorId: "700000000000000001", content: "/resume", webhookId: "700000000000000001" });
    // Discord sends a forward with empty content (the text is only in the snapshot): nothing to hand on.
    fake.sendMessage({
      id: "1300000000000000042",
      channelId: ADMIN_CHANNEL,
      guildId: GUILD,
      authorId: OPERATOR,
      content: "",
      forwardOf: { channelId: GENERAL_CHANNEL, messageId: "1299999999999999998", content: "/stop" },
    });
    fake.sendMessage({ id: "1300000000000000043", channelId: ADMIN_CHANNEL, guildId: GUILD, authorId: OPERATOR, content: "/status" });
    await fake.waitFor(() => received.length === 3, 3_000, "three messages");
    assert.deepEqual(
      received.map((m) => [m.messageId, m.senderId, m.senderIsBot, m.relayed]),
      [
        ["1300000000000000040", OPERATOR, false, true],
        ["1300000000000000041", "700000000000000001", true, true],
        ["1300000000000000043", OPERATOR, false, false],
      ],
    );
  });

  test("a handler that throws is logged and the bot keeps working", async () => {
    const fake = await fakeDiscord();
    const { bot, lines } = adminBot(fake, async (msg) => {
      if (msg.text === "/boom") throw new Error("handler exploded");
      return { text: "still here" };
    });
    await bot.start();
    fake.sendMessage({ id: "1300000000000000020", channelId: ADMIN_CHANNEL, guildId: GUILD, authorId: OPERATOR, content: "/boom" });
    fake.sendMessage({ id: "1300000000000000021", channelId: ADMIN_CHANNEL, guildId: GUILD, authorId: OPERATOR, content: "/status" });
    await fake.waitFor(() => fake.sent.length === 1, 3_000, "the reply");

    assert.deepEqual(
      lines.filter((l) => l.level === "error"),
      [
        {
          level: "error",
          msg: `discord admin bot: the admin handler failed on message 1300000000000000020 in channel ${ADMIN_CHANNEL}: handler exploded`,
        },
      ],
    );
    assert.equal(fake.sent[0]?.content, "still here");
    assert.equal(fake.sent[0]?.messageReference?.["message_id"], "1300000000000000021");
    assert.equal(bot.status().connected, true);
  });

  test("an error quoting the token is logged with the token redacted", async () => {
    const fake = await fakeDiscord();
    const { bot, lines } = adminBot(fake, async () => {
      throw new Error(`could not use ${TOKEN} or MTIzNDU2Nzg5MDEyMzQ1Njc4OTA.GaBcDe.abcdefghijklmnopqrstuvwxyz0123`);
    });
    await bot.start();
    fake.sendMessage({ id: "1300000000000000030", channelId: ADMIN_CHANNEL, guildId: GUILD, authorId: OPERATOR, content: "/status" });
    await fake.waitFor(() => lines.some((l) => l.level === "error"), 3_000, "the error line");
    assert.equal(
      lines.find((l) => l.level === "error")?.msg,
      `discord admin bot: the admin handler failed on message 1300000000000000030 in channel ${ADMIN_CHANNEL}: could not use [redacted] or [redacted]`,
    );
  });

  test("replies longer than 2000 characters are cut to 2000", async () => {
    const fake = await fakeDiscord();
    const { bot } = adminBot(fake, async () => ({ text: "x".repeat(2500) }));
    await bot.start();
    fake.sendMessage({ channelId: ADMIN_CHANNEL, guildId: GUILD, authorId: OPERATOR, content: "/pending" });
    await fake.waitFor(() => fake.sent.length === 1, 3_000, "the reply");
    assert.equal(fake.sent[0]?.content, `${"x".repeat(1999)}…`);
  });

  test("at most 8 handler calls run at once; the rest wait and all are answered", async () => {
    const fake = await fakeDiscord();
    let running = 0;
    let peak = 0;
    let started = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const { bot } = adminBot(fake, async () => {
      started++;
      running++;
      peak = Math.max(peak, running);
      await gate;
      running--;
      return { text: "done" };
    });
    await bot.start();
    for (let i = 0; i < 12; i++) {
      fake.sendMessage({ channelId: ADMIN_CHANNEL, guildId: GUILD, authorId: OPERATOR, content: `/status ${i}` });
    }
    await fake.waitFor(() => started === 8, 3_000, "eight handler calls");
    await sleep(100);
    assert.equal(started, 8);
    release();
    await fake.waitFor(() => fake.sent.length === 12, 5_000, "twelve replies");
    assert.equal(peak, 8);
  });

  test("a token Discord rejects is a status error naming the fix, without the token, and is not retried", async () => {
    const fake = await fakeDiscord();
    const { bot, lines } = adminBot(fake, async () => undefined, { token: WRONG_TOKEN });
    await bot.start();
    assert.deepEqual(bot.status(), {
      platform: "discord",
      connected: false,
      error: "discord admin bot: the token was rejected (401 Unauthorized from Discord); check ADMIN_DISCORD_TOKEN",
      lastSeenMs: undefined,
    });
    statusError(bot);
    const requests = fake.requests.length;
    await sleep(150);
    assert.equal(fake.requests.length, requests, "no retry after a rejected token");
    assert.deepEqual(fake.identifies, []);
    assert.deepEqual(
      lines.map((l) => l.level),
      ["error"],
    );
    await assert.rejects(bot.post("hello"), {
      message: "discord admin bot: not running (the token was rejected (401 Unauthorized from Discord); check ADMIN_DISCORD_TOKEN); cannot post to the admin channel",
    });
  });

  test("a token refused at IDENTIFY (close 4004) is a status error and discord.js stops reconnecting", async () => {
    const fake = await fakeDiscord();
    fake.rejectGatewayToken = true;
    const { bot } = adminBot(fake, async () => undefined);
    await bot.start();
    assert.equal(bot.status().connected, false);
    assert.equal(
      statusError(bot),
      "discord admin bot: the token was rejected (gateway close 4004 authentication failed); check ADMIN_DISCORD_TOKEN",
    );
    await sleep(800); // discord.js waits 500 ms before a reconnect
    assert.equal(fake.identifies.length, 1);
    assert.equal(fake.openSockets(), 0);
  });

  test("an unknown admin channel is a status error and the bot disconnects", async () => {
    const fake = await fakeDiscord();
    const { bot } = adminBot(fake, async () => undefined, { channelId: "300000000000000099" });
    await bot.start();
    assert.equal(bot.status().connected, false);
    assert.equal(
      statusError(bot),
      "discord admin bot: the admin channel 300000000000000099 does not exist (Discord: Unknown Channel); check admin.discord.channelId",
    );
    await fake.waitFor(() => fake.openSockets() === 0, 2_000, "the gateway socket to close");
  });

  test("an admin channel in another guild is a status error", async () => {
    const fake = await fakeDiscord();
    const { bot } = adminBot(fake, async () => undefined, { channelId: OTHER_CHANNEL });
    await bot.start();
    assert.equal(bot.status().connected, false);
    assert.equal(
      statusError(bot),
      `discord admin bot: the admin channel ${OTHER_CHANNEL} is not in the configured guild ${GUILD}; check admin.discord.guildId and admin.discord.channelId`,
    );
  });

  test("a transient failure at start is recorded, then retried until connected", async () => {
    const fake = await fakeDiscord();
    fake.failNextRequests(4); // discord.js retries a 5xx three times itself
    const { bot, lines } = adminBot(fake, async () => undefined, { retryDelaysMs: [100] });
    await bot.start();
    assert.deepEqual(bot.status(), {
      platform: "discord",
      connected: false,
      error: "discord admin bot: Discord answered 502 (Bad Gateway)",
      lastSeenMs: undefined,
    });
    await fake.waitFor(() => bot.status().connected, 3_000, "the retry to connect");
    assert.equal(statusError(bot), undefined);
    assert.deepEqual(
      lines.map((l) => l.msg),
      [
        "discord admin bot: Discord answered 502 (Bad Gateway); retrying with backoff",
        `discord admin bot: connected as ${BOT_ID}, admin channel ${ADMIN_CHANNEL} in guild ${GUILD}`,
      ],
    );
  });

  test("a dropped gateway connection resumes, replays what was missed, and later messages are handled", async () => {
    const fake = await fakeDiscord();
    const received: string[] = [];
    const { bot, lines } = adminBot(fake, async (msg) => {
      received.push(msg.text);
      return { text: "ok" };
    });
    await bot.start();
    fake.dropConnections();
    await fake.waitFor(() => !bot.status().connected, 2_000, "the bot to notice the drop");
    fake.sendMessage({ channelId: ADMIN_CHANNEL, guildId: GUILD, authorId: OPERATOR, content: "/stop sent while down" });
    await fake.waitFor(() => bot.status().connected, 5_000, "the bot to reconnect");
    assert.deepEqual(fake.resumes, [{ accepted: true }]);
    assert.equal(fake.identifies.length, 1);
    fake.sendMessage({ channelId: ADMIN_CHANNEL, guildId: GUILD, authorId: OPERATOR, content: "/status after" });
    await fake.waitFor(() => received.length === 2 && fake.sent.length === 2, 3_000, "both messages handled");
    assert.deepEqual(received, ["/stop sent while down", "/status after"]);
    assert.deepEqual(
      lines.map((l) => l.msg),
      [
        `discord admin bot: connected as ${BOT_ID}, admin channel ${ADMIN_CHANNEL} in guild ${GUILD}`,
        "discord admin bot: gateway connection lost; reconnecting",
        "discord admin bot: gateway connection restored",
      ],
    );
  });

  test("a refused RESUME makes discord.js identify again and the bot comes back", async () => {
    const fake = await fakeDiscord();
    const received: string[] = [];
    const { bot } = adminBot(fake, async (msg) => {
      received.push(msg.text);
      return undefined;
    });
    await bot.start();
    fake.refuseResume = true;
    fake.dropConnections();
    await fake.waitFor(() => !bot.status().connected, 2_000, "the bot to notice the drop");
    // discord.js spaces identifies of one shard 5 s apart.
    await fake.waitFor(() => bot.status().connected, 10_000, "the bot to identify again");
    assert.equal(fake.identifies.length, 2);
    assert.deepEqual(fake.resumes, [{ accepted: false }]);
    fake.sendMessage({ channelId: ADMIN_CHANNEL, guildId: GUILD, authorId: OPERATOR, content: "/status" });
    await fake.waitFor(() => received.length === 1, 3_000, "the message");
  });

  test("post() sends a plain message to the admin channel; it rejects with a scrubbed error on 502", async () => {
    const fake = await fakeDiscord();
    const { bot } = adminBot(fake, async () => undefined);
    await bot.start();
    await bot.post("checkpoint 42 sealed");
    assert.deepEqual(
      fake.sent.map((m) => ({ channelId: m.channelId, content: m.content, ref: m.messageReference, mentions: m.allowedMentions })),
      [{ channelId: ADMIN_CHANNEL, content: "checkpoint 42 sealed", ref: undefined, mentions: { parse: [] } }],
    );

    fake.failNextRequests(1);
    await bot.post("one 502 is retried by discord.js");
    assert.equal(fake.sent.length, 2);

    fake.failNextRequests(4);
    const err = await bot.post("lost").then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof Error);
    everything.push(err.message);
    assert.equal(err.message, `discord admin bot: could not post to the admin channel ${ADMIN_CHANNEL}: Discord answered 502 (Bad Gateway)`);
    assert.equal(fake.sent.length, 2);
  });

  test("stop() is idempotent, safe before start and after a failed start; post() after stop rejects", async () => {
    const fake = await fakeDiscord();
    const never = adminBot(fake, async () => undefined).bot;
    await never.stop();
    await never.stop();
    await never.start();
    assert.equal(never.status().connected, false);

    const failed = adminBot(fake, async () => undefined, { token: WRONG_TOKEN }).bot;
    await failed.start();
    await Promise.all([failed.stop(), failed.stop()]);

    const { bot } = adminBot(fake, async () => undefined);
    await bot.start();
    assert.equal(fake.liveSessions(), 1);
    await bot.stop();
    await bot.stop();
    assert.equal(bot.status().connected, false);
    await fake.waitFor(() => fake.openSockets() === 0, 2_000, "the gateway socket to close");
    await assert.rejects(bot.post("after stop"), { message: "discord admin bot: not running (stopped); cannot post to the admin channel" });
  });

  // In a child process: a shard that escapes stop() keeps reconnecting forever, which would hang this file instead of failing it.
  test("stop() leaves no connection behind and the process exits on its own", async () => {
    const { code, out, errOut } = await runChild(["use", "stop-while-reconnecting", "stop-while-connecting", "stop-during-outage", "rejected-at-identify"]);
    assert.equal(code, 0, `child did not exit cleanly; stdout: ${out}; stderr: ${errOut}`);
    assert.deepEqual(out.trim().split("\n"), [
      "use: connected=false connections=1 open=0 after-stop=0",
      "stop-while-reconnecting: connected=false connections=1 open=0 after-stop=0", // in discord.js's 500 ms pause before reconnecting
      "stop-while-connecting: connected=false open=0 after-stop=0",
      "stop-during-outage: connected=false open=0 after-stop=0", // discord.js retrying a gateway that resets every connection
      "rejected-at-identify: connected=false connections=1 open=0 after-stop=0",
    ]);
  });
});

/** Runs the scenarios one after another in a fresh node process that never calls process.exit; killed only if it hangs. */
async function runChild(scenarios: readonly string[]): Promise<{ code: number | null | "hung"; out: string; errOut: string }> {
  const fakeUrl = new URL("../fakes/discord-api.ts", import.meta.url).href;
  const botUrl = new URL("../../src/adapters/discord/admin-bot.ts", import.meta.url).href;
  const script = `
    import { startFakeDiscord } from ${JSON.stringify(fakeUrl)};
    import { createDiscordAdminBot } from ${JSON.stringify(botUrl)};
    for (const scenario of ${JSON.stringify(scenarios)}) {
      const fake = await startFakeDiscord({ token: ${JSON.stringify(TOKEN)}, heartbeatIntervalMs: 200,
        guilds: [{ id: ${JSON.stringify(GUILD)}, name: "ops", channels: [{ id: ${JSON.stringify(ADMIN_CHANNEL)}, name: "admin" }] }] });
      fake.rejectGatewayToken = scenario === "rejected-at-identify";
      const quiet = () => {};
      const bot = createDiscordAdminBot({ token: ${JSON.stringify(TOKEN)}, guildId: ${JSON.stringify(GUILD)},
        channelId: ${JSON.stringify(ADMIN_CHANNEL)}, handler: async () => ({ text: "ok" }),
        log: { info: quiet, warn: quiet, error: quiet }, apiRoot: fake.apiRoot });
      if (scenario === "stop-while-connecting") void bot.start();
      else await bot.start();
      if (scenario === "use") {
        fake.sendMessage({ channelId: ${JSON.stringify(ADMIN_CHANNEL)}, guildId: ${JSON.stringify(GUILD)}, authorId: "1", content: "/status" });
        await fake.waitFor(() => fake.sent.length === 1, 3000);
        await bot.post("bye");
        await new Promise((r) => setTimeout(r, 300)); // a heartbeat or two
      }
      if (scenario === "stop-while-reconnecting") {
        fake.dropConnections();
        await fake.waitFor(() => !bot.status().connected, 2000);
      }
      if (scenario === "stop-during-outage") {
        fake.refuseGateway = true;
        fake.dropConnections();
        await fake.waitFor(() => !bot.status().connected, 2000);
        await new Promise((r) => setTimeout(r, 1200)); // a few refused reconnects
      }
      await bot.stop();
      const atStop = fake.connections.length;
      await new Promise((r) => setTimeout(r, 1000)); // would a destroyed shard reconnect?
      // How many connections were opened before stop() is a race in these two.
      const connections = scenario === "stop-while-connecting" || scenario === "stop-during-outage" ? "" : \` connections=\${atStop}\`;
      const afterStop = fake.connections.length - atStop;
      console.log(\`\${scenario}: connected=\${bot.status().connected}\${connections} open=\${fake.openSockets()} after-stop=\${afterStop}\`);
      await fake.close();
    }
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let errOut = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (errOut += c.toString()));
  const code = await new Promise<number | null | "hung">((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve("hung");
    }, 30_000);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, out, errOut };
}

after(() => {
  for (const line of everything) {
    assert.ok(!line.includes(TOKEN), `token in: ${line}`);
    assert.ok(!line.includes(WRONG_TOKEN), `token in: ${line}`);
  }
});
